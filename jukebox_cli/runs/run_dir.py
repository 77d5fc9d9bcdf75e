"""The run directory: job, metadata, codes and audio of a run, every file written atomically.

Layout::

    job.yaml               the resolved job (resume needs nothing else)
    metadata.json          model, labels (ids and names), seed, settings, timings, status
    level_<L>/codes.npy    int64 (n_samples, tokens) codes of level L, rewritten after every window
    level_<L>/sample_<i>.wav  audio of sample i decoded from level L, once the level is done

Each file is written to a temporary name, flushed, fsynced and renamed over the old one, so a
process killed at any moment leaves either the previous complete file or the new one, never a
torn one; a failed write (disk full) leaves what was there before.
"""

from __future__ import annotations

import errno
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from jukebox_cli.audio import write_wav
from jukebox_cli.errors import UserError
from jukebox_cli.files import atomic_write
from jukebox_cli.runs.job import Job

DISK_FULL = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


class DiskFullError(UserError):
    """Saving failed for lack of space; everything saved before is intact."""


class RunDir:
    def __init__(self, path: Path | str):
        self.path = Path(path)

    # -- atomic writes -------------------------------------------------------------------------

    def write(self, relpath: str, writer: Callable[[BinaryIO], None]) -> Path:
        """Write ``relpath`` atomically with ``writer``; a disk-full error becomes a DiskFullError."""
        target = self.path / relpath
        try:
            atomic_write(target, writer)
        except OSError as e:
            if e.errno in DISK_FULL:
                raise DiskFullError(f"disk full while saving {target}; the run so far is intact, free space and "
                                    f"resume with `jukebox resume {self.path}`") from e
            raise
        return target

    def write_bytes(self, relpath: str, data: bytes) -> Path:
        return self.write(relpath, lambda f: f.write(data))

    def write_text(self, relpath: str, text: str) -> Path:
        return self.write_bytes(relpath, text.encode("utf-8"))

    # -- contents ------------------------------------------------------------------------------

    @property
    def job_path(self) -> Path:
        return self.path / "job.yaml"

    def exists(self) -> bool:
        return self.job_path.exists()

    def load_job(self) -> Job:
        if not self.exists():
            raise UserError(f"{self.path} is not a run directory (no job.yaml)")
        return Job.load(self.job_path)

    def save_job(self, job: Job) -> None:
        self.write_text("job.yaml", job.to_yaml())

    def codes_path(self, level: int) -> Path:
        return self.path / f"level_{level}" / "codes.npy"

    def wav_path(self, level: int, sample: int) -> Path:
        return self.path / f"level_{level}" / f"sample_{sample}.wav"

    def load_codes(self, level: int) -> np.ndarray | None:
        path = self.codes_path(level)
        if not path.exists():
            return None
        try:
            codes = np.load(path)
        except (OSError, ValueError) as e:
            raise UserError(f"cannot read {path}: {e}; move it away to resample that level") from e
        if codes.ndim != 2 or codes.dtype != np.int64:
            raise UserError(f"{path} holds {codes.dtype} {codes.shape}, expected int64 (n_samples, tokens)")
        return codes

    # Files are encoded in memory first: only the plain write to disk can fail for lack of space,
    # as an OSError (soundfile, for one, reports a short write as an AssertionError).

    def save_codes(self, level: int, codes: np.ndarray) -> None:
        buf = io.BytesIO()
        np.save(buf, np.ascontiguousarray(codes, dtype=np.int64))
        self.write_bytes(f"level_{level}/codes.npy", buf.getvalue())

    def save_wav(self, level: int, sample: int, audio: np.ndarray, sample_rate: int) -> None:
        buf = io.BytesIO()
        write_wav(buf, audio, sample_rate)
        self.write_bytes(f"level_{level}/sample_{sample}.wav", buf.getvalue())

    def has_wavs(self, level: int, n_samples: int) -> bool:
        return all(self.wav_path(level, i).exists() for i in range(n_samples))

    def load_metadata(self) -> dict[str, Any]:
        path = self.path / "metadata.json"
        if not path.exists():
            return {}
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}  # rebuilt from the job and codes; nothing in it is needed to resume

    def save_metadata(self, data: dict[str, Any]) -> None:
        self.write_text("metadata.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n")

