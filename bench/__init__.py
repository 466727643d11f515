"""Benchmarks: one module per area, each printing its figures beside the targets from
PERFORMANCE.md. Not tests: nothing here asserts wall-clock times; run ``python -m bench``."""
