"""Runs: replications on a worker pool, comparisons, sensitivity and PSA, calibration.

Imports ``sim.measures`` and below; writes nothing to disk.
"""
