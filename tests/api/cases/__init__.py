"""Tests for api/cases."""
