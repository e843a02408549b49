"""Result folders that appear complete or not at all."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_output_dir(target: Path) -> Iterator[Path]:
    """Yield a scratch folder next to ``target``; it replaces ``target`` only if the block succeeds.

    On any error the scratch folder is removed and an existing ``target`` is left untouched, so a
    reader never sees a half-written result folder.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-", dir=target.parent))
    try:
        yield scratch
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    backup = None
    if target.exists():
        backup = target.with_name(f".{target.name}.old-{scratch.name.rsplit('-', 1)[-1]}")
        target.rename(backup)
    scratch.rename(target)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
