"""Celery workers: thin, named tasks that each make exactly one `engine/` call."""
