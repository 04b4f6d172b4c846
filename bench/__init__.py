"""Benchmarks against the peers, run as ``python -m bench``; timings live here, never in tests."""
