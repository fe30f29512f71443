"""Case resource: open a case from a referral, read it and its history."""
