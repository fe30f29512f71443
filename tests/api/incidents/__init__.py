"""Tests of the incident resource."""
