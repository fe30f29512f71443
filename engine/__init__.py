"""sosflow's framework-free core: definitions, runtime, projections, audit and access rules.

Nothing here imports Flask or Celery; `api/` and `workers/` call these functions with a clock.
"""
