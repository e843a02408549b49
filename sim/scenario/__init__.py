"""Scenario files: the schema, reading YAML with ``extends:``, one-line errors, distributions.

The bottom layer: imports nothing else from occisim.
"""
