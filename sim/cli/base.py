"""The frame of the ``occisim`` command line: the app, how it ends, the options its commands share.

Every problem a user can cause ends in one line on standard error and exit code 2 (a bad option,
file, value or output folder, checked before any simulation starts); Ctrl-C or SIGTERM in one
line and exit 130 or 143, leaving every output folder as it was or complete; a worker process
killed in one line and exit 1. Printed text from files and the command line is never read as
markup.
"""

from __future__ import annotations

import errno
import math
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.main import get_command

from sim.outputs.i18n import LanguageError, text
from sim.outputs.terminal import console, plain, print_error, print_file_errors
from sim.outputs.writing import OutputError, check_output_dir, written_paths
from sim.runs.backends import INSTALL, BackendError, dask_installed, parse_scheduler
from sim.runs.processes import Interrupted, WorkerCrashed, stop_signals_raise
from sim.scenario.bounds import MAX_SEED
from sim.scenario.errors import ScenarioError, one_line

if TYPE_CHECKING:  # the scenario schema loads pydantic models and numpy: not needed for --help
    from sim.outputs.excel import Readable
    from sim.scenario.schema import Scenario

MAX_WORKERS = 64  # processes of ~250 MB each; more than this machine's cores only slows a run


class _App(typer.Typer):
    """The command line as users meet it: one-line errors, Ctrl-C as one line and exit 130."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with stop_signals_raise():
            code = _exit_code(get_command(self), args, kwargs)
        sys.exit(code)


def _exit_code(command: Any, args: Sequence[Any], kwargs: dict[str, Any]) -> int:
    """Run the command line; every way it can end becomes an exit code (and at most one line)."""
    try:
        result = command.main(*args, standalone_mode=False, **kwargs)
    except typer.TyperException as exc:  # the command-line parser's errors (bad option, value, file)
        if type(exc).__name__ == "NoArgsIsHelpError":  # a command alone: its help, as before
            exc.show()
        else:
            print_error(_usage_line(exc))
        return exc.exit_code
    except typer.Abort:  # end of input at a prompt
        print_error("aborted")
        return 1
    except Interrupted as exc:
        written = [str(path) for path in written_paths()]
        what = f"written before it: {', '.join(written)}" if written else "nothing written"
        cause = "interrupted" if exc.signum == signal.SIGINT else "terminated (SIGTERM)"
        print_error(f"{cause}; {what}")
        return exc.exit_code
    except WorkerCrashed as exc:
        print_error(f"{exc}; nothing written")
        return 1
    except BackendError as exc:  # the Dask cluster unreachable or lost
        print_error(f"{exc}; nothing written")
        return 1
    except BrokenPipeError:  # the reader of our output went away (e.g. | head): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        return 1
    return result if isinstance(result, int) else 0


def _usage_line(exc: typer.TyperException) -> str:
    """A usage error on one line, pointing to the command's help."""
    message = one_line(" ".join(exc.format_message().split()))
    ctx = getattr(exc, "ctx", None)
    return f"{message} (see: {ctx.command_path} --help)" if ctx is not None else message


app = _App(
    help="Discrete-event simulation of acute-leukemia care capacity in Occitanie (IUCT-Oncopole, HAD).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def finite(value: float | None) -> float | None:
    """An option callback: numbers must be finite (nan and inf pass a range check)."""
    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"expected a finite number, found {value}")
    return value


def positive(value: float | None) -> float | None:
    """An option callback: a finite number above 0 (a willingness-to-pay axis ending at 0 is no axis)."""
    value = finite(value)
    if value is not None and value <= 0:
        raise typer.BadParameter(f"expected a number above 0, found {value:g}")
    return value


Workers = Annotated[
    int | None,
    typer.Option(
        min=1, max=MAX_WORKERS, help=f"Worker processes (default: one per core, at most {MAX_WORKERS})."
    ),
]
WorkersPlain = Annotated[int | None, typer.Option(min=1, max=MAX_WORKERS)]
Seed = Annotated[int | None, typer.Option(min=0, max=MAX_SEED, help="Seed (default: the scenario's).")]
Settings = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="key.path=value: change a scenario value for this command, e.g. beds.capacity=20 (repeatable).",
    ),
]
Lang = Annotated[
    str | None,
    typer.Option(
        help="Language of tables, readable CSVs and report: en or fr "
        "(default: OCCISIM_LANG, else the scenario's output.lang, else en)."
    ),
]
ExcelCsv = Annotated[
    bool,
    typer.Option("--excel-csv", help="Readable CSVs for French Excel: ';', decimal comma, UTF-8 BOM."),
]


def scheduler_checked(value: str | None) -> str | None:
    """An option callback: ``--scheduler`` well formed and the Dask backend installed."""
    if value is None:
        return None
    try:
        parse_scheduler(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    if not dask_installed():
        raise typer.BadParameter(INSTALL)
    return value


SchedulerOption = Annotated[
    str | None,
    typer.Option(
        callback=scheduler_checked,
        help="Run the replications on a Dask cluster: tcp://HOST:PORT (a running `dask scheduler`) "
        "or local:N (a local cluster of N processes). Needs the 'dask' extra.",
    ),
]
NoOverwrite = Annotated[
    bool,
    typer.Option("--no-overwrite", help="Refuse to replace an earlier occisim result at the output path."),
]


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Print the occisim version and exit.")] = False,
) -> None:
    if version:
        from sim import __version__

        console.print(f"occisim {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        console.print(ctx.get_help())
        raise typer.Exit()


def main() -> None:
    app()


def fail(*lines: str) -> typer.Exit:
    """Print one-line errors and return the exit to raise (exit code 2: bad input)."""
    for line in lines:
        print_error(line)
    return typer.Exit(code=2)


def fail_file(path: Path, lines: Sequence[str], settings: Sequence[str] | None = None) -> typer.Exit:
    """Like ``fail``, each line naming ``path`` unless it already names a file, or is about a value
    given by ``--set`` (``settings``): that line names it."""
    blamed = set_lines(lines, settings)
    for line in lines:
        if line in blamed:
            print_error(blamed[line])
        else:
            print_file_errors(path, [line])
    return typer.Exit(code=2)


def set_lines(lines: Sequence[str], settings: Sequence[str] | None) -> dict[str, str]:
    """The error lines about a key ``--set`` gave (``territory.authorise: expected an HAD id …``),
    each as ``--set territory.authorise: …``: the value is on the command line, not in the file."""
    keys = [setting.partition("=")[0].strip() for setting in settings or []]
    return {
        line: f"--set {line}"
        for line in lines
        if any(line.startswith((f"{key}: ", f"{key}.")) for key in keys if key)
    }


def load(path: Path) -> Scenario:
    """A scenario file loaded, or its one-line errors printed and exit 2."""
    from sim.scenario.files import load_scenario

    try:
        return load_scenario(path)
    except ScenarioError as exc:
        raise fail(*exc.messages) from None


def with_settings(scenario: Scenario, settings: Sequence[str] | None) -> Scenario:
    """The scenario with ``--set`` values applied, or their one-line errors printed and exit 2."""
    from sim.scenario.edit import with_settings as apply

    try:
        return apply(scenario, settings or [])
    except ScenarioError as exc:
        raise fail(*exc.messages) from None


def readable(scenario: Scenario, lang: str | None, excel_csv: bool = False) -> Readable:
    """Language and CSV convention of what people read (``--lang`` error: one line, exit 2)."""
    from sim.outputs.excel import readable_for  # here, not at import: it loads pandas

    try:
        return readable_for(scenario, lang, excel_csv)
    except LanguageError as exc:
        raise fail(str(exc)) from None


def output_dir(target: Path, kind: str, no_overwrite: bool) -> Path:
    """The output folder, checked before any work starts (exit 2 if occisim may not write there)."""
    try:
        check_output_dir(target, kind, overwrite=not no_overwrite)
    except OutputError as exc:
        raise fail(str(exc)) from None
    return target


def say_written(what: str, target: Path, files: str = "", lang: str = "en") -> None:
    """``<what> written to <target>/ <files>`` in the language, the path printed as it is."""
    console.print(text("written", lang, what=what), plain(f"{target}/"), f" {files}" if files else "", sep="")
