"""Tests for sosflow, laid out like the packages they test."""
