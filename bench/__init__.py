"""Benchmarks: `make bench` (python -m bench) runs each one on SQLite and, when reachable, PostgreSQL."""
