"""Reads: plain `select()` functions over the projections; none loads a workflow to answer a list."""
