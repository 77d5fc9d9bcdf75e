"""Building models from a preset and loading their weights.

Models are built on the ``meta`` device (no memory, no random init) and receive their tensors with
``assign=True``, so loading a multi-gigabyte prior never holds two copies of it.
"""

from __future__ import annotations

from pathlib import Path

import torch

from jukebox_cli.checkpoints.state_dict import load_state_dict_strict
from jukebox_cli.checkpoints.hparams import prior_mismatches
from jukebox_cli.checkpoints.store import load_part_state
from jukebox_cli.config import ModelConfig
from jukebox_cli.models.prior import Prior


def build_prior(cfg: ModelConfig, level: int, device: str | torch.device = "meta") -> Prior:
    """An empty prior for ``level`` (weights uninitialised; on ``meta`` by default)."""
    with torch.device(device):
        return Prior(cfg.prior(level), cfg.vqvae, cfg.sample_rate)


def load_prior(cfg: ModelConfig, level: int, models_dir: str | Path, device: str | torch.device = "cpu",
               dtype: torch.dtype = torch.float32) -> Prior:
    """Build the level's prior on ``meta`` and load its weights from ``models_dir``.

    The converted ``.safetensors`` is preferred (memory-mapped, moved to ``device`` tensor by
    tensor); else the original checkpoint. Floating weights are cast to ``dtype`` (fp32 from the
    original file reproduces the original bit for bit on CPU; the 5b priors' fp16 Conv1D weights
    widen exactly).
    """
    pcfg = cfg.prior(level)
    state, source = load_part_state(models_dir, pcfg.checkpoint, device, dtype,
                                    check_hps=lambda hps: prior_mismatches(pcfg, hps))
    prior = build_prior(cfg, level)
    load_state_dict_strict(prior, state, source)
    if pcfg.merged_decoder is False:
        prior.prior.x_out.weight = prior.prior.x_emb.weight  # keep the tie that assign=True replaced
    return prior.to(device).eval().requires_grad_(False)
