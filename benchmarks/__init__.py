"""Benchmarks of retrieval quality, thresholds and speed, each run as `python -m benchmarks.<name>`."""
