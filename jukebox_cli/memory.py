"""Memory tuning: pick fp16, batch and chunk sizes per level from the device's free memory.

The original hard-coded settings for a 16 GB GPU; on a smaller card they run out of memory hours
into a run, on a bigger one they waste it. The choices live in ``presets/memory/*.yaml`` so users
can read and add them; every choice can still be overridden per run (flags or job file).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import yaml

from jukebox_cli.config import ModelConfig, build_dataclass, presets_dir
from jukebox_cli.errors import ConfigError

GB = 1024**3


@dataclass(frozen=True)
class LevelMemory:
    """How many samples share a forward pass, and how many tokens a chunk of the prompt pass holds."""

    max_batch_size: int
    chunk_size: int


@dataclass(frozen=True)
class MemoryPreset:
    """One device class. ``top`` is keyed by model name, with ``default`` for any other top prior."""

    name: str
    device: Literal["cpu", "cuda"]
    min_free_gb: float
    fp16: bool
    top: dict[str, LevelMemory]
    upsamplers: LevelMemory

    def levels(self, cfg: ModelConfig) -> dict[int, LevelMemory]:
        """Settings of every level of ``cfg`` (its top prior's by model name, else ``default``)."""
        top = self.top.get(cfg.name, self.top.get("default"))
        if top is None:
            raise ConfigError(f"memory preset {self.name!r} has no 'default' top entry")
        return {p.level: top if p.level == cfg.top_level else self.upsamplers for p in cfg.priors}


def load_presets() -> list[MemoryPreset]:
    """All bundled memory presets, largest requirement first."""
    out = []
    for path in sorted((presets_dir() / "memory").glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text())
        except (OSError, yaml.YAMLError) as e:
            raise ConfigError(f"cannot read memory preset {path}: {e}") from e
        out.append(build_dataclass(MemoryPreset, data, "", str(path)))
    return sorted(out, key=lambda p: -p.min_free_gb)


def free_memory(device: torch.device) -> int | None:
    """Free bytes on a CUDA device (None on other devices, whose memory is not ours to budget)."""
    if device.type != "cuda":
        return None
    free, _total = torch.cuda.mem_get_info(device)
    return free


def pick_preset(device: torch.device) -> MemoryPreset:
    """The preset for this device: on a GPU the largest whose ``min_free_gb`` fits in free memory."""
    free = free_memory(device)
    kind = "cuda" if device.type == "cuda" else "cpu"
    for preset in load_presets():
        if preset.device == kind and (free is None or preset.min_free_gb * GB <= free):
            return preset
    raise ConfigError(f"no memory preset for device {device} in {presets_dir() / 'memory'}")
