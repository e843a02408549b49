"""occisim: discrete-event simulation of acute-leukemia care capacity in Occitanie."""

import sys as _sys
from pathlib import Path as _Path

__version__ = "0.1.0"

# The occisim command, not a program importing sim: Ctrl-C while the command line loads ends it in
# one line (see sim.runs.processes).
if _sys.argv and _Path(_sys.argv[0]).stem == "occisim":
    from sim.runs.processes import stop_quietly_while_loading

    stop_quietly_while_loading()
