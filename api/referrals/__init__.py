"""Referral resource: what a referrer may see of the referrals they made."""
