"""Hand-run benchmarks (not part of the test suite): `.venv/bin/python bench/engine_throughput.py`."""
