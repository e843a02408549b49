"""Where occisim may write, and writing so that a folder appears complete or not at all.

Every folder a command writes holds a ``manifest.json`` saying ``"created_by": "occisim"`` and its
``"kind"`` (run, comparison, psa, sensitivity, warmup, territory). A command writes a folder only

- where nothing is yet (parents are made) or into an empty folder;
- over a folder of ours of the same kind holding only what occisim writes there: the old folder stays
  in place until the new one is complete, and ``overwrite=False`` (``--no-overwrite``) refuses;

never over a file, a symbolic link, someone else's folder, or a folder of ours with other files in
it. ``check_output_dir`` tells before a command starts its work; ``atomic_output_dir`` checks again
when it writes. Folders are made with the user's umask (not 0700 as ``tempfile.mkdtemp`` would).

The scratch folder ``.NAME.partial-HOST-PID-RANDOM`` (marked by a file inside) and, while it
replaces the old folder, ``.NAME.old-HOST-PID-RANDOM`` live beside the target. Those left by a
process of this machine that has died (killed) are cleaned by the next write beside them: a
scratch folder is removed; an old folder is removed if its replacement is in place, else put back.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import re
import secrets
import shutil
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.runs.processes import stop_signals_deferred
from sim.scenario.errors import one_line, shown

CREATED_BY = "occisim"
MANIFEST = "manifest.json"
RUN, COMPARISON, PSA, SENSITIVITY, WARMUP, TERRITORY, SEARCH = (
    "run",
    "comparison",
    "psa",
    "sensitivity",
    "warmup",
    "territory",
    "search",
)
CALIBRATION, BAND = "calibration", "band"  # occisim calibrate; run or compare --band
REPORT = "report.html"  # `occisim report` writes it into the first folder it is given, by default
# The files of each kind of folder (the writers of sim.outputs.folders write these names; the
# second one is the file that names the kind in folders written before they had a manifest).
# A compare folder also holds one run folder per scenario, named in its manifest.
FILES: dict[str, tuple[str, ...]] = {
    RUN: (
        *(MANIFEST, "replications.csv", "summary.csv"),
        *("episodes.parquet", "admissions.parquet", "daily.parquet", REPORT),
        "places.csv",
        "readable_summary.csv",
    ),
    COMPARISON: (
        *(MANIFEST, "comparison.csv", "precision.csv", REPORT, "places.csv"),
        *("readable_comparison.csv", "comparison.xlsx"),
    ),
    PSA: (MANIFEST, "psa_draws.csv", "ceac.csv", "ce_plane.png", "ceac.png"),
    SENSITIVITY: (MANIFEST, "sensitivity.csv", "tornado_*.png"),
    WARMUP: (MANIFEST, "warmup.png", "warmup.csv"),
    SEARCH: (MANIFEST, "search.csv", "robustness.csv", REPORT),
    CALIBRATION: (MANIFEST, "design.csv", "band.csv", "band.png"),
    BAND: (MANIFEST, "band_members.csv", "band_ranges.csv", "band.csv"),
    TERRITORY: (
        *(MANIFEST, "coverage_by_had.csv", "unauthorised_by_department.csv"),
        *("commune_zones.csv", "territory_map.png"),
    ),
}
MAX_MANIFEST_BYTES = 64 * 2**20  # ours are a few hundred kB; a larger one is not ours
MARKER = ".occisim-scratch"  # inside a scratch folder: made by occisim, by this host and pid
HOST = hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]
_SIBLING = re.compile(
    r"^\.(?P<name>.+)\.(?P<role>partial|old)-(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-[0-9a-f]{8}\Z"
)
_written: list[Path] = []  # folders and files this process has put in place


class OutputError(ValueError):
    """Writing there would delete or hide what occisim did not write, or cannot be done; one line."""


def ownership(kind: str) -> dict[str, str]:
    """The manifest entries that make a folder ours, of its kind."""
    return {"created_by": CREATED_BY, "kind": kind}


def written_paths() -> list[Path]:
    """What this process has written (and is still there), for a message after an interruption."""
    return [path for path in _written if path.exists()]


def _named(path: Path) -> str:
    return one_line(str(path), 200)


def read_manifest(folder: Path) -> dict | None:
    """A folder's manifest.json as a dict, or None (none, unreadable, not JSON, not an object)."""
    path = Path(folder) / MANIFEST
    try:
        if not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def folder_kind(folder: Path) -> str | None:
    """The kind of an occisim folder; None if it is not one (or not a folder)."""
    folder = Path(folder)
    if folder.is_symlink() or not folder.is_dir():
        return None
    info = read_manifest(folder)
    if info is not None:
        if info.get("created_by") == CREATED_BY and info.get("kind") in FILES:
            return info["kind"]
        # written before manifests said whose and what they were: known by their keys
        if info.get("kind") == COMPARISON or (
            isinstance(info.get("scenarios"), list) and (folder / "comparison.csv").is_file()
        ):
            return COMPARISON
        if {"scenario_hash", "resolved_scenario"} <= info.keys():
            return RUN
        if {"iterations", "inner_replications", "outcome"} <= info.keys():
            return PSA
        return None
    # sensitivity, warm-up and territory folders had no manifest: known by their files alone
    names = [entry.name for entry in folder.iterdir()]
    for kind in (SENSITIVITY, WARMUP, TERRITORY):
        if FILES[kind][1] in names and not _foreign(folder, kind):
            return kind
    return None


def _foreign(folder: Path, kind: str) -> list[str]:
    """Entries of an occisim folder that occisim does not write there (relative names)."""
    info = read_manifest(folder) or {}
    scenarios = info.get("scenarios") if kind == COMPARISON else None
    subfolders = {s for s in scenarios if isinstance(s, str)} if isinstance(scenarios, list) else set()
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name in subfolders and entry.is_dir() and not entry.is_symlink():
            found += [f"{entry.name}/{name}" for name in _foreign(entry, RUN)]
        elif entry.is_symlink() or not entry.is_file() or not _expected(entry.name, kind):
            found.append(entry.name)
    return found


def _expected(name: str, kind: str) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in FILES[kind])


def check_output_dir(target: Path, kind: str, overwrite: bool = True) -> None:
    """Raise OutputError unless a ``kind`` folder may be written at ``target`` (see the module)."""
    target = Path(target)
    try:
        _check_dir(target, kind, overwrite)
        _check_writable(target.parent)
    except OSError as exc:
        raise OutputError(f"{_named(target)}: cannot write there ({exc.strerror or exc})") from None


def _check_dir(target: Path, kind: str, overwrite: bool) -> None:
    named = _named(target)
    if target.name in ("", ".", ".."):
        raise OutputError(f"{named}: expected a folder name at the end of the path, found {target.name!r}")
    if target.is_symlink():
        raise OutputError(f"{named}: is a symbolic link; occisim replaces only folders: name the folder")
    if not target.exists():
        return
    if not target.is_dir():
        raise OutputError(
            f"{named}: is a file, not a folder; occisim never replaces a file: choose another --out"
        )
    if not any(target.iterdir()):
        return  # an empty folder: nothing to lose
    found = folder_kind(target)
    if found is None:
        raise OutputError(
            f"{named}: the folder exists and is not an occisim result (no manifest.json of ours), "
            "and occisim replaces only folders it wrote: choose a new folder with --out"
        )
    if found != kind:
        raise OutputError(f"{named}: holds an occisim {found} folder, not a {kind} one: choose another --out")
    foreign = _foreign(target, kind)
    if foreign:
        raise OutputError(
            f"{named}: holds files occisim did not write there ({shown(foreign)}); "
            "move them, or choose another --out"
        )
    if not overwrite:
        raise OutputError(f"{named}: holds an earlier occisim {kind} result, and --no-overwrite was given")


def _check_writable(folder: Path) -> None:
    """That a folder can be made in ``folder`` (or its nearest existing ancestor): by making one."""
    existing = folder
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise OutputError(f"{_named(existing)}: is a file, so no folder can be made in it")
    probe = existing / f".occisim-probe-{os.getpid()}-{secrets.token_hex(4)}"
    probe.mkdir()
    probe.rmdir()


def _sibling(target: Path, role: str) -> Path:
    """A new scratch (``partial``) or old-folder (``old``) name beside ``target``, ours by its form."""
    return target.with_name(f".{target.name}.{role}-{HOST}-{os.getpid()}-{secrets.token_hex(4)}")


@contextmanager
def atomic_output_dir(target: Path, kind: str, overwrite: bool = True) -> Iterator[Path]:
    """Yield a scratch folder next to ``target``; it replaces ``target`` only if the block succeeds.

    On any error or interruption the scratch folder is removed and ``target`` is left as it was, so
    a reader never sees a half-written folder. Raises OutputError where ``check_output_dir`` would.
    """
    target = Path(target)
    check_output_dir(target, kind, overwrite)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_siblings(target.parent)
        scratch = _sibling(target, "partial")
        scratch.mkdir()  # with the user's umask
        (scratch / MARKER).write_text(json.dumps({"host": HOST, "pid": os.getpid()}) + "\n")
    except OSError as exc:
        raise OutputError(f"{_named(target)}: cannot write there ({exc.strerror or exc})") from None
    try:
        yield scratch
        (scratch / MARKER).unlink()
        with stop_signals_deferred():  # the old folder is never left renamed away
            _replace(target, scratch, kind, overwrite)
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    _written.append(target)


def _replace(target: Path, scratch: Path, kind: str, overwrite: bool) -> None:
    check_output_dir(target, kind, overwrite)  # again: the target may have changed meanwhile
    old = None
    if target.exists():
        old = _sibling(target, "old")
        target.rename(old)
    try:
        scratch.rename(target)
    except BaseException:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def clean_stale_siblings(folder: Path) -> None:
    """Remove the scratch folders, and settle the old folders, that dead processes left in ``folder``."""
    for entry in folder.iterdir():
        match = _SIBLING.match(entry.name)
        if match is None or match["host"] != HOST or _alive(int(match["pid"])):
            continue
        if entry.is_symlink() or not entry.is_dir():
            continue
        with contextlib.suppress(OSError):  # best effort: a leftover never stops a new write
            if match["role"] == "partial" and (entry / MARKER).is_file():
                shutil.rmtree(entry)
            elif match["role"] == "old" and folder_kind(entry) is not None:
                replaced_by = folder / match["name"]
                if replaced_by.exists() or replaced_by.is_symlink():
                    shutil.rmtree(entry)
                else:
                    entry.rename(replaced_by)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def check_output_file(target: Path, begins: str | tuple[str, ...], overwrite: bool = True) -> None:
    """Raise OutputError unless a file may be written at ``target``: it replaces only a file that
    begins with ``begins`` (or one of them: one occisim wrote, e.g. a report), never a folder or
    another file."""
    target = Path(target)
    named = _named(target)
    try:
        if target.name in ("", ".", ".."):
            raise OutputError(f"{named}: expected a file name at the end of the path, found {target.name!r}")
        if target.is_symlink() or (target.exists() and not target.is_file()):
            raise OutputError(f"{named}: is not a regular file; occisim replaces only files it wrote")
        if target.exists():
            if not overwrite:
                raise OutputError(f"{named}: exists, and --no-overwrite was given")
            marks = [mark.encode() for mark in ((begins,) if isinstance(begins, str) else begins)]
            with target.open("rb") as existing:
                beginning = existing.read(max(map(len, marks)))
                if not any(beginning.startswith(mark) for mark in marks):
                    raise OutputError(
                        f"{named}: exists and was not written by occisim; it is never replaced: "
                        "choose another --out"
                    )
        _check_writable(target.parent)
    except OSError as exc:
        raise OutputError(f"{named}: cannot write there ({exc.strerror or exc})") from None


def write_text_atomically(
    target: Path, text: str, begins: str | tuple[str, ...] | None = None, overwrite: bool = True
) -> Path:
    """Write a text file that appears complete or not at all (``begins``: see ``check_output_file``)."""
    target = Path(target)
    check_output_file(target, text[:200] if begins is None else begins, overwrite)
    scratch = _sibling(target, "partial")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        scratch.write_text(text, encoding="utf-8")
        scratch.replace(target)  # one system call: never half done
    except BaseException as exc:
        scratch.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{_named(target)}: cannot write there ({exc.strerror or exc})") from None
        raise
    _written.append(target)
    return target
