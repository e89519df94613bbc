"""Benchmarks against peers; not part of the test suite."""
