"""Tests for workers."""
