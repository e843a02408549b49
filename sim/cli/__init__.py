"""The ``occisim`` command line: parses, calls the library, prints.

``base`` holds the app and how every command ends (one line per error, Ctrl-C, exit codes);
``experiments`` the commands that simulate (run, compare); ``studies`` calibrate, warmup,
sensitivity and psa; ``choose`` the search over authorisation sets;
``tools`` those that simulate nothing (territory, validate, schema, report); ``app`` starts the web
app (imported first: the name ``app`` then stays the command line). Importing them
registers their commands on ``app``, in this order (as ``occisim --help`` lists them).
"""

from sim.cli import app as app_command  # noqa: F401 - registers `occisim app`
from sim.cli import choose, experiments, studies, tools
from sim.cli.base import app, main

__all__ = ["app", "choose", "experiments", "main", "studies", "tools"]
