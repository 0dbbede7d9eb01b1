"""Relay's benchmark runner: `python -m bench --size N` (see `bench/__main__.py`).

Benchmarks measure; tests assert behaviour. Nothing here is imported by the application.
"""
