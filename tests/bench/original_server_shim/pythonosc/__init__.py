"""Benchmark stand-in for python-osc over liblo (see ../README.md)."""
