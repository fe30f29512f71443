"""Incident resource: list failed background steps, read one, retry it once its cause is fixed."""
