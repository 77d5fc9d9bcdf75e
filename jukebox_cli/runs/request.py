"""A sampling request as a user writes it (command-line options or a batch file entry) -> a resolved Job.

Command line and batch file share this one path so that a job means the same in both: values
arrive as text or YAML scalars/lists, per-level settings as one value or one per level (level 0
first, as in the original), songs as repeatable values cycled over the samples.
"""

from __future__ import annotations

import dataclasses
import random
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from jukebox_cli.config import ModelConfig, build_dataclass
from jukebox_cli.errors import ConfigError, UserError
from jukebox_cli.memory import pick_preset
from jukebox_cli.models.jukebox import default_device
from jukebox_cli.runs.job import Job, LevelJob, Prime, Song

SAMPLE_RATE = 44100
DEFAULT_LENGTH_S = 60.0  # the notebook's sample_length_in_seconds
DEFAULT_TOTAL_S = 180.0  # the notebook's total_sample_length_in_seconds
_DURATION = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(s|sec|samples)?\s*$")


@dataclass(frozen=True)
class SampleRequest:
    """Options of ``jukebox sample`` / ``continue AUDIO`` and of one batch entry (same names, ``-`` or ``_``)."""

    out: str | None = None
    model: str = "5b_lyrics"
    models_dir: str | None = None
    ids_dir: str | None = None
    artist: tuple[str, ...] = ()
    genre: tuple[str, ...] = ()
    lyrics: tuple[str, ...] = ()
    total_length: tuple[str, ...] = ()
    offset: tuple[str, ...] = ()
    length: float | None = None
    sample_length: int | None = None
    n_samples: int = 1
    seed: int | None = None
    temperature: tuple[float, ...] = ()
    top_k: tuple[int, ...] = ()
    top_p: tuple[float, ...] = ()
    hop_fraction: tuple[float, ...] = ()
    chunk_size: tuple[int, ...] = ()
    max_batch_size: tuple[int, ...] = ()
    levels: tuple[int, ...] = ()
    device: str | None = None
    fp16: bool | None = None
    allow_unknown: bool = False
    prompt: str | None = None
    prompt_seconds: float | None = None

    @classmethod
    def from_data(cls, data: dict[str, Any], source: str) -> SampleRequest:
        """Build from loose data: dashes in keys, scalars for lists, comma lists for per-level numbers."""
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: a job must be a mapping of options, got {data!r}")
        hints = {f.name: f for f in dataclasses.fields(cls)}
        clean: dict[str, Any] = {}
        for key, value in data.items():
            name = str(key).replace("-", "_")
            if name in hints and str(hints[name].type).startswith("tuple") and value is not None:
                value = _as_list(name, value)
            clean[name] = value
        return build_dataclass(cls, {k: v for k, v in clean.items() if v is not None}, "", source)


_TEXT_LISTS = ("artist", "genre", "lyrics")
_DURATIONS = ("total_length", "offset")  # parsed later by parse_duration (seconds or samples)


def _as_list(name: str, value: Any) -> list[Any]:
    """Repeatable text options stay whole; numbers may come as a comma list or a YAML list."""
    items = list(value) if isinstance(value, (list, tuple)) else [value]
    if name in _TEXT_LISTS:
        return items
    if name in _DURATIONS:
        return [str(v) for v in items]
    out: list[Any] = []
    for item in items:
        parts = item.split(",") if isinstance(item, str) else [item]
        for part in parts:
            out.append(_number(name, part))
    return out


def _number(name: str, text: Any) -> int | float:
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return text
    try:
        return int(text) if re.fullmatch(r"\s*-?\d+\s*", str(text)) else float(text)
    except ValueError:
        raise UserError(f"--{name.replace('_', '-')}: {text!r} is not a number") from None


def parse_duration(text: str, what: str) -> int:
    """``60``/``60s`` (seconds) or ``2646000samples`` -> audio samples at 44.1 kHz."""
    m = _DURATION.match(str(text))
    if not m:
        raise UserError(f"{what}: {text!r} is not a duration; write seconds (60, 60s) or samples (2646000samples)")
    value, unit = m.groups()
    if unit == "samples":
        if "." in value:
            raise UserError(f"{what}: a number of samples must be whole, got {text!r}")
        return int(value)
    return round(float(value) * SAMPLE_RATE)


def read_lyrics(value: str) -> str:
    """Lyrics inline, or from a file given as ``@path`` or as the path of an existing file."""
    path = Path(value[1:]) if value.startswith("@") else Path(value)
    if value.startswith("@") or (len(value) < 4096 and "\n" not in value and path.is_file()):
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise UserError(f"cannot read lyrics file {path}: {e}") from e
    return value


def per_level(name: str, values: tuple[Any, ...], cfg: ModelConfig, default: list[Any]) -> list[Any]:
    """One value for every level, or exactly one value per level (level 0 first)."""
    n = len(cfg.priors)
    if not values:
        return list(default)
    if len(values) == 1:
        return [values[0]] * n
    if len(values) != n:
        raise UserError(f"--{name.replace('_', '-')} takes one value or {n} comma-separated values "
                        f"(level 0 first, level {n - 1} is the top prior), got {len(values)}: {list(values)}")
    return list(values)


def _cycled(values: tuple[Any, ...], i: int, default: Any) -> Any:
    return values[i % len(values)] if values else default


def resolve_songs(req: SampleRequest) -> tuple[Song, ...]:
    """One song per sample; each repeatable option is cycled over the samples like the original's metas."""
    if req.n_samples < 1:
        raise UserError(f"--n-samples must be at least 1, got {req.n_samples}")
    missing = [f"--{k}" for k in ("artist", "genre") if not getattr(req, k)]
    if missing:
        raise UserError(f"{' and '.join(missing)} required (find valid names with `jukebox artists --search ...` "
                        "and `jukebox genres`)")
    lyrics = [read_lyrics(v) for v in req.lyrics]
    totals = [parse_duration(v, "--total-length") for v in req.total_length]
    offsets = [parse_duration(v, "--offset") for v in req.offset]
    return tuple(Song(artist=_cycled(req.artist, i, ""), genre=_cycled(req.genre, i, ""),
                      total_length=_cycled(tuple(totals), i, round(DEFAULT_TOTAL_S * SAMPLE_RATE)),
                      lyrics=_cycled(tuple(lyrics), i, ""), offset=_cycled(tuple(offsets), i, 0))
                 for i in range(req.n_samples))


def resolve_sample_length(req: SampleRequest, cfg: ModelConfig) -> int:
    """Seconds or exact samples, cut down to a whole number of top-level codes."""
    hop = cfg.raw_to_tokens(cfg.top_level)
    if req.length is not None and req.sample_length is not None:
        raise UserError("give either --length (seconds) or --sample-length (samples), not both")
    raw = req.sample_length if req.sample_length is not None else round((req.length or DEFAULT_LENGTH_S) * SAMPLE_RATE)
    length = raw // hop * hop
    if length <= 0:
        raise UserError(f"the length must be at least one top-level code ({hop} samples = {hop / SAMPLE_RATE:.4f} s)")
    return length


def resolve_levels(values: tuple[int, ...], cfg: ModelConfig) -> tuple[int, ...]:
    """Levels to sample: the top prior and the upsamplers below it, without gaps (``2`` stops after the top)."""
    valid = [p.level for p in cfg.priors]
    levels = tuple(sorted(set(values))) if values else tuple(valid)
    if any(lv not in valid for lv in levels) or levels != tuple(range(min(levels), cfg.top_level + 1)):
        examples = ", ".join(",".join(map(str, range(lv, cfg.top_level + 1))) for lv in reversed(valid))
        raise UserError(f"--levels {','.join(map(str, values))}: model {cfg.name} has levels "
                        f"{', '.join(map(str, valid))} ({cfg.top_level} is the top prior); give the top level and "
                        f"the levels below it without gaps: {examples}")
    return levels


def resolve_device(name: str | None) -> torch.device:
    try:
        return torch.device(name) if name else default_device()
    except RuntimeError as e:
        raise UserError(f"--device: {e} (e.g. cpu, cuda, cuda:1)") from None


def resolve_settings(req: SampleRequest, cfg: ModelConfig, device: torch.device) -> tuple[tuple[LevelJob, ...], bool]:
    """Per-level settings: flags first, then the model's sampling defaults and the device's memory preset."""
    memory = pick_preset(device)
    mem = memory.levels(cfg)
    n = len(cfg.priors)
    cols = {
        "temperature": per_level("temperature", req.temperature, cfg, list(cfg.sampling.temperature)),
        "top_k": per_level("top_k", req.top_k, cfg, [0] * n),
        "top_p": per_level("top_p", req.top_p, cfg, [0.0] * n),
        "hop_fraction": per_level("hop_fraction", req.hop_fraction, cfg, list(cfg.sampling.hop_fraction)),
        "chunk_size": per_level("chunk_size", req.chunk_size, cfg, [mem[lv].chunk_size for lv in range(n)]),
        "max_batch_size": per_level("max_batch_size", req.max_batch_size, cfg,
                                    [mem[lv].max_batch_size for lv in range(n)]),
    }
    for lv in range(n):
        check_level_settings(lv, {k: v[lv] for k, v in cols.items()})
    fp16 = memory.fp16 if req.fp16 is None else req.fp16
    if fp16 and device.type != "cuda":
        raise UserError(f"--fp16 needs a CUDA device, this run uses {device}")
    settings = tuple(LevelJob(float(cols["temperature"][lv]), int(cols["top_k"][lv]), float(cols["top_p"][lv]),
                              float(cols["hop_fraction"][lv]), int(cols["chunk_size"][lv]),
                              int(cols["max_batch_size"][lv])) for lv in range(n))
    return settings, fp16


def check_level_settings(level: int, s: dict[str, Any]) -> None:
    """Ranges the sampler needs (the original asserted or produced garbage instead)."""
    rules = [("temperature", s["temperature"] > 0, "> 0"), ("top_k", s["top_k"] >= 0, ">= 0"),
             ("top_p", 0 <= s["top_p"] <= 1, "between 0 and 1"),
             ("hop_fraction", 0 < s["hop_fraction"] <= 1, "in (0, 1]"),
             ("chunk_size", s["chunk_size"] >= 1, ">= 1"), ("max_batch_size", s["max_batch_size"] >= 1, ">= 1")]
    for name, ok, need in rules:
        if not ok:
            raise UserError(f"--{name.replace('_', '-')} of level {level} must be {need}, got {s[name]}")


def resolve_job(req: SampleRequest, cfg: ModelConfig, existing: Job | None, prime: Prime | None = None) -> Job:
    """The fully resolved job. An unset seed reuses the existing run's (so re-running resumes) or is drawn."""
    device = resolve_device(req.device)
    settings, fp16 = resolve_settings(req, cfg, device)
    seed = req.seed if req.seed is not None else existing.seed if existing else random.randrange(2**31)
    if prime is None and req.prompt is not None:
        if req.prompt_seconds is None or req.prompt_seconds <= 0:
            raise UserError("--prompt-seconds must be given and positive for primed sampling")
        prime = Prime(audio=str(Path(req.prompt).resolve()), prompt_length=round(req.prompt_seconds * SAMPLE_RATE))
    return Job(model=_absolute_if_path(req.model), songs=resolve_songs(req), sample_length=resolve_sample_length(req, cfg), seed=seed,
               levels=resolve_levels(req.levels, cfg), settings=settings, fp16=fp16, allow_unknown=req.allow_unknown,
               prime=prime, models_dir=_absolute(req.models_dir), ids_dir=_absolute(req.ids_dir), device=req.device)


def _absolute(path: str | None) -> str | None:
    """Paths in a job are absolute so `jukebox resume` works from any directory."""
    return str(Path(path).resolve()) if path else None


def _absolute_if_path(model: str) -> str:
    """A preset file path becomes absolute; a preset name stays a name."""
    return str(Path(model).resolve()) if Path(model).suffix in (".yaml", ".yml") or Path(model).is_file() else model


def with_runtime(job: Job, cfg: ModelConfig, req: SampleRequest) -> Job:
    """``job`` with the runtime settings (device, fp16, batch/chunk sizes, dirs) that ``req`` sets replaced."""
    device = resolve_device(req.device or job.device)
    fp16 = job.fp16 if req.fp16 is None else req.fp16
    if fp16 and device.type != "cuda":
        raise UserError(f"fp16 needs a CUDA device, this run uses {device}; pass --no-fp16 or --device cuda")
    chunk = per_level("chunk_size", req.chunk_size, cfg, [s.chunk_size for s in job.settings])
    batch = per_level("max_batch_size", req.max_batch_size, cfg, [s.max_batch_size for s in job.settings])
    settings = []
    for level, s in enumerate(job.settings):
        check_level_settings(level, dataclasses.asdict(s) | {"chunk_size": chunk[level], "max_batch_size": batch[level]})
        settings.append(dataclasses.replace(s, chunk_size=int(chunk[level]), max_batch_size=int(batch[level])))
    return dataclasses.replace(job, settings=tuple(settings), fp16=fp16, device=req.device or job.device,
                               models_dir=_absolute(req.models_dir) or job.models_dir,
                               ids_dir=_absolute(req.ids_dir) or job.ids_dir)
