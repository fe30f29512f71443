"""Alerts for auditors and administrators."""
