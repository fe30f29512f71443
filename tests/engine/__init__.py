"""Tests for the framework-free engine package."""
