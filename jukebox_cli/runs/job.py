"""The resolved job: everything needed to (re)produce a run, saved as ``job.yaml`` in its run directory.

A job is fully resolved (seed drawn, per-level settings filled in, one song per sample) so that
``jukebox resume RUN_DIR`` needs nothing but this file, and so that re-running a command can be
checked against what the directory already holds. Loading is strict like the model presets: a
typo in a hand-edited job file is an error, not a silently ignored key.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from jukebox_cli.config import build_dataclass
from jukebox_cli.errors import ConfigError
from jukebox_cli.labels import SongMeta
from jukebox_cli.sampling.levels import LevelSettings

# Settings that change how fast or where a run goes but not which codes it produces (the noise is
# keyed by position, so batch and chunk sizes do not matter): a resumed run may change them.
RUNTIME_FIELDS = ("levels", "fp16", "device", "models_dir", "ids_dir")
RUNTIME_LEVEL_FIELDS = ("chunk_size", "max_batch_size")


@dataclass(frozen=True)
class Song:
    """One sample's labels; lengths in audio samples at 44.1 kHz (exact, unlike seconds)."""

    artist: str
    genre: str
    total_length: int
    lyrics: str = ""
    offset: int = 0

    def meta(self) -> SongMeta:
        return SongMeta(self.artist, self.genre, self.lyrics, self.total_length, self.offset)


@dataclass(frozen=True)
class LevelJob:
    """Sampling settings of one level (the original's per-level ``sampling_kwargs`` and hop fraction)."""

    temperature: float
    top_k: int
    top_p: float
    hop_fraction: float
    chunk_size: int
    max_batch_size: int

    def settings(self) -> LevelSettings:
        return LevelSettings(self.temperature, self.top_k, self.top_p, self.hop_fraction, self.chunk_size,
                             self.max_batch_size)


@dataclass(frozen=True)
class Prime:
    """Codes the run starts from: a prompt audio file, or the codes of an earlier run's samples.

    ``audio``: the first ``prompt_length`` samples of the file are encoded. ``run``: the first
    ``tokens`` top-level codes of samples ``pick`` of that run, with the matching codes of every
    lower level that run finished (one pick is repeated for every sample).
    """

    audio: str | None = None
    prompt_length: int = 0
    run: str | None = None
    pick: tuple[int, ...] = ()
    tokens: int = 0


@dataclass(frozen=True)
class Job:
    """A fully resolved sampling job. ``settings[level]`` follows the original's order (level 0 first)."""

    model: str
    songs: tuple[Song, ...]  # one per sample
    sample_length: int
    seed: int
    levels: tuple[int, ...]
    settings: tuple[LevelJob, ...]
    fp16: bool = False
    allow_unknown: bool = False
    prime: Prime | None = None
    models_dir: str | None = None
    ids_dir: str | None = None
    device: str | None = None

    @property
    def n_samples(self) -> int:
        return len(self.songs)

    def to_yaml(self) -> str:
        return yaml.safe_dump(_plain(dataclasses.asdict(self)), sort_keys=False, allow_unicode=True)

    @classmethod
    def from_yaml(cls, text: str, source: str) -> Job:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise ConfigError(f"{source} is not valid YAML: {e}") from e
        return build_dataclass(cls, data, "", source)

    @classmethod
    def load(cls, path: Path) -> Job:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as e:
            raise ConfigError(f"cannot read job file {path}: {e}") from e
        return cls.from_yaml(text, str(path))

    def identity(self) -> dict[str, Any]:
        """What determines the codes: the job without its runtime settings."""
        data = dataclasses.asdict(self)
        for f in RUNTIME_FIELDS:
            data.pop(f)
        data["settings"] = [{k: v for k, v in s.items() if k not in RUNTIME_LEVEL_FIELDS} for s in data["settings"]]
        data["n_samples"] = self.n_samples
        return data

    def differences(self, other: Job) -> list[str]:
        """Human-readable differences in what determines the codes (empty: the same run)."""
        a, b = self.identity(), other.identity()
        return [f"{k}: run has {_short(a[k])}, asked for {_short(b[k])}" for k in a if a[k] != b[k]]


def _plain(value: Any) -> Any:
    """Tuples as lists so the YAML has no Python tags."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _short(value: Any, limit: int = 200) -> str:
    text = repr(_plain(value))
    return text if len(text) <= limit else text[:limit] + "..."
