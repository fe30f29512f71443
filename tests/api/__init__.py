"""API tests: the HTTP interface on a real database."""
