"""Managers' SLA view: breaches, at-risk work, summaries, statutory indicators and timer lateness."""
