"""Measures: tables built from the model's records, KPIs and their catalogue, costs, statistics, warm-up.

Deterministic given the records. Imports ``sim.model`` and below.
"""
