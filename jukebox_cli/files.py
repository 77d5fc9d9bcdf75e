"""Atomic file writes: a file is either its old complete self or its new complete self.

Everything long-lived that the tool writes (run codes and audio, converted weights) goes through
here, so a process killed mid-write, or a disk that fills up, never leaves a torn file behind.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def atomic_write(target: Path, writer: Callable[[BinaryIO], None]) -> Path:
    """Write ``target`` with ``writer`` into a hidden temporary file, fsync it, then rename it over
    ``target``. On any error the temporary file is removed and ``target`` is untouched."""
    tmp = target.with_name(f".{target.name}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            writer(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return target


def _fsync_dir(path: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where directories cannot be opened)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
