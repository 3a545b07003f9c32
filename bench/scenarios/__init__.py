"""Benchmark scenarios; each returns harness.Row figures for bench/run.py."""
