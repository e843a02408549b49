"""The SimPy model: the care pathway, beds, day hospital and home care; records of what happened.

The only place that draws random numbers; does no I/O. Imports ``sim.territory`` and ``sim.scenario``.
"""
