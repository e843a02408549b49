"""Outputs: result folders written and read, figures, maps, text formatting, the HTML report.

Imports ``sim.runs`` and below. The CLI (``sim.cli``) sits on top: it parses, calls and prints.
"""
