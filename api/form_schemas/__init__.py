"""Form resource: the JSON Schema of each Signs of Safety form."""
