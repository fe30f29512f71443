"""The WSGI entry point for gunicorn: `gunicorn api.wsgi:app` (what `sosflow run` starts)."""

from api.app import create_app

app = create_app()
