"""The ``occisim`` command line: parses, calls the library, prints.

``base`` holds the app and how every command ends (one line per error, Ctrl-C, exit codes);
``experiments`` the commands that simulate (run, calibrate, compare, warmup, sensitivity, psa);
``tools`` those that simulate nothing (territory, validate, schema, report). Importing them
registers their commands on ``app``, in this order (as ``occisim --help`` lists them).
"""

from sim.cli import choose, experiments, tools
from sim.cli.base import app, main

__all__ = ["app", "choose", "experiments", "main", "tools"]
