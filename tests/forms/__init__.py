"""Tests for forms/: the JSON Schema form files and forms.validate_form."""
