"""Tests for api/tasks."""
