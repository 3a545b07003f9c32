"""Benchmarks: `.venv/bin/python bench/run.py [--quick]`."""
