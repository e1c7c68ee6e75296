"""Benchmarks of kim-admin on a state-scale data set (``make bench``, not part of the tests).

``python -m bench`` generates (or reuses) a deterministic data set of all of NRW in its own
database, runs every registered benchmark and prints one ``ratio <name> = <number>`` line per
benchmark, followed by its absolute times. See ``bench/__main__.py``.
"""
