"""Benchmarks for charlib and the mock server: ``python -m bench`` (see ``bench/RESULTS.md``).

Every figure is a ratio against a baseline measured in the same run, alternating the two sides
round by round, as the median of several rounds: the machines this runs on are shared and noisy.
"""
