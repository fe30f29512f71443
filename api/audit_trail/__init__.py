"""Audit resource: verify the hash chain."""
