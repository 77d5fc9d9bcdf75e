"""Where models live on disk, which of their parts are present, and reading a part's weights.

A models directory mirrors the original hosting layout (``5b/vqvae.pth.tar``,
``5b_lyrics/prior_level_2.pth.tar`` ...) and holds, next to each checkpoint path, the converted
``.safetensors`` file (``5b/vqvae.safetensors``) plus the label tables in ``ids/``. Converted
files are preferred: they are memory-mapped, so a part costs no host RAM until it is moved to its
device, one tensor at a time. The original pickles remain a fallback (and are what the tiny
golden tests load, in exact fp32).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from huggingface_hub import constants

from jukebox_cli.checkpoints.convert import read_safetensors
from jukebox_cli.checkpoints.original import read_original_checkpoint
from jukebox_cli.config import ModelConfig

ID_FILES = ("v2_artist_ids.txt", "v2_genre_ids.txt", "v3_artist_ids.txt", "v3_genre_ids.txt")


def default_models_dir() -> Path:
    """``$JUKEBOX_MODELS_DIR``, else ``<HF_HOME>/jukebox-cli/models`` (next to, not inside, the hub cache)."""
    env = os.environ.get("JUKEBOX_MODELS_DIR")
    return Path(env).expanduser() if env else Path(constants.HF_HOME) / "jukebox-cli" / "models"


@dataclass(frozen=True)
class Part:
    """One separately stored piece of a model: the VQ-VAE (``level`` None) or the prior of a level."""

    name: str
    level: int | None
    checkpoint: str


def model_parts(cfg: ModelConfig) -> list[Part]:
    return [Part("vqvae", None, cfg.vqvae.checkpoint)] + [
        Part(f"prior_level_{p.level}", p.level, p.checkpoint) for p in sorted(cfg.priors, key=lambda p: p.level)]


def converted_path(models_dir: str | Path, checkpoint: str) -> Path:
    """``<models_dir>/5b/vqvae.safetensors`` for the checkpoint path ``5b/vqvae.pth.tar``."""
    return Path(models_dir) / (checkpoint.removesuffix(".pth.tar") + ".safetensors")


def part_status(models_dir: str | Path, part: Part) -> str | None:
    """``"converted"``, ``"original"`` (only the pickle is there) or None (missing)."""
    if converted_path(models_dir, part.checkpoint).is_file():
        return "converted"
    return "original" if (Path(models_dir) / part.checkpoint).is_file() else None


def missing_ids(ids_dir: str | Path) -> list[str]:
    return [f for f in ID_FILES if not (Path(ids_dir) / f).is_file()]


def load_part_state(models_dir: str | Path, checkpoint: str, device: str | torch.device,
                    dtype: torch.dtype, check_hps: Callable[[Mapping[str, Any]], list[str]] | None = None,
                    ) -> tuple[dict[str, torch.Tensor], str]:
    """The state dict of one part on ``device`` (floating tensors in ``dtype``), and the file it came from.

    From a converted file each tensor is read from the memory map and moved/cast on its own, so
    host memory holds at most one tensor's copy at a time. An original file's stored
    hyperparameters are passed to ``check_hps``; what it reports is a warning (the preset does not
    describe this checkpoint in a way the shapes cannot show).
    """
    conv = converted_path(models_dir, checkpoint)
    if conv.is_file():
        state, source = read_safetensors(conv), conv
    else:
        source = Path(models_dir) / checkpoint
        ckpt = read_original_checkpoint(source)
        state = ckpt["model"]
        problems = check_hps(ckpt["hps"]) if check_hps is not None and isinstance(ckpt["hps"], Mapping) else []
        if problems:
            warnings.warn(f"{source}: the preset differs from the checkpoint's hyperparameters: "
                          + "; ".join(problems), RuntimeWarning, stacklevel=2)
    out = {k: v.to(device=device, dtype=dtype if v.is_floating_point() else v.dtype) for k, v in state.items()}
    return out, str(source)
