"""sosflow's Flask application: the JSON API under /api/v1 (OpenAPI via flask-smorest) and the CLI."""
