"""Reliability: concurrency, hostile input, schema fuzzing and a database restart."""
