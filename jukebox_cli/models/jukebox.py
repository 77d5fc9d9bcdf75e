"""A whole Jukebox model: its preset, and its VQ-VAE and priors loaded on demand.

Only the parts a step needs are in memory: sampling level 2 needs the top prior, upsampling
level 1 the level-1 upsampler, decoding the VQ-VAE. ``release`` drops a prior once its level is
done, so a 16 GB card never holds the 5b top prior and an upsampler at once.
"""

from __future__ import annotations

from pathlib import Path

import torch

from jukebox_cli.checkpoints.store import default_models_dir, model_parts, part_status
from jukebox_cli.config import ModelConfig, load_config
from jukebox_cli.errors import CheckpointError
from jukebox_cli.models.build import load_prior
from jukebox_cli.models.layers import cast_matmul_weights
from jukebox_cli.models.prior import Prior
from jukebox_cli.models.vqvae import VQVAE, load_vqvae


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class Jukebox:
    def __init__(self, cfg: ModelConfig, models_dir: str | Path, ids_dir: str | Path | None = None,
                 device: str | torch.device | None = None, dtype: torch.dtype | None = None):
        self.cfg = cfg
        self.models_dir = Path(models_dir)
        self.ids_dir = Path(ids_dir) if ids_dir is not None else self.models_dir / "ids"
        self.device = torch.device(device) if device is not None else default_device()
        # fp16 activations on a GPU (as the original sampled); exact fp32 on the CPU.
        self.dtype = dtype if dtype is not None else (torch.float16 if self.device.type == "cuda" else torch.float32)
        self._vqvae: VQVAE | None = None
        self._priors: dict[int, Prior] = {}

    @property
    def vqvae(self) -> VQVAE:
        if self._vqvae is None:
            self._vqvae = load_vqvae(self.cfg.vqvae, self.models_dir, self.device)
        return self._vqvae

    def prior(self, level: int) -> Prior:
        if level not in self._priors:
            prior = load_prior(self.cfg, level, self.models_dir, self.device)
            if self.dtype != torch.float32:
                cast_matmul_weights(prior.prior.transformer, self.dtype)
            self._priors[level] = prior
        return self._priors[level]

    def release(self, level: int) -> None:
        """Free a prior's memory (it is reloaded if asked for again)."""
        self._priors.pop(level, None)
        if self.device.type == "cuda":
            torch.cuda.empty_cache()


def load_model(name_or_path: str | Path, models_dir: str | Path | None = None, ids_dir: str | Path | None = None,
               device: str | torch.device | None = None, dtype: torch.dtype | None = None) -> Jukebox:
    """Load a model by preset name (``5b``, ``5b_lyrics``, ``1b_lyrics``) or preset file path.

    ``models_dir`` holds the checkpoints laid out as the preset's ``checkpoint`` paths (converted
    ``.safetensors`` preferred); by default ``$JUKEBOX_MODELS_DIR`` or the directory
    ``jukebox download`` fills (:func:`default_models_dir`). Parts are loaded lazily, the first
    time they are used; a missing part is an error that says how to download it.
    """
    cfg = load_config(name_or_path)
    models_dir = Path(models_dir) if models_dir is not None else default_models_dir()
    missing = [p.checkpoint for p in model_parts(cfg) if part_status(models_dir, p) is None]
    if missing:
        raise CheckpointError(f"model {cfg.name!r} is not complete in {models_dir}: missing {', '.join(missing)}; "
                              f"run `jukebox download {cfg.name}` (or pass models_dir / set JUKEBOX_MODELS_DIR)")
    return Jukebox(cfg, models_dir, ids_dir, device, dtype)
