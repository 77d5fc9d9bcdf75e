"""Sampling one level: every window, every batch of samples, with the codes kept between windows.

Codes live on the CPU as (n_samples, tokens) int64 per level; only the window at hand goes to the
device. After each window ``on_window`` is called so a run directory can save the codes: a run
interrupted at any point resumes at the first window whose codes are incomplete, and because the
noise is keyed by position (``sampling.noise``) the result is the same as an uninterrupted run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from jukebox_cli.errors import UserError
from jukebox_cli.models.prior import Prior
from jukebox_cli.sampling.noise import NoiseKey
from jukebox_cli.sampling.draw import TokenSampling
from jukebox_cli.sampling.window import sample_window
from jukebox_cli.sampling.windows import level_windows

LabelsFn = Callable[[int, int], torch.Tensor]  # (level, window start) -> y (n_samples, label width)


@dataclass(frozen=True)
class LevelSettings:
    """Per-level sampling settings; the defaults are the original's for a 16 GB GPU upsampler."""

    temperature: float = 0.99
    top_k: int = 0
    top_p: float = 0.0
    hop_fraction: float = 0.5
    chunk_size: int = 32
    max_batch_size: int = 16

    @property
    def tokens(self) -> TokenSampling:
        return TokenSampling(self.temperature, self.top_k, self.top_p)


def sample_level(prior: Prior, zs: list[torch.Tensor], total: int, labels: LabelsFn, settings: LevelSettings,
                 seed: int, device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32,
                 on_window: Callable[[int, list[torch.Tensor]], None] | None = None,
                 on_tokens: Callable[[int], None] | None = None) -> list[torch.Tensor]:
    """Sample level ``prior.level`` until it has ``total`` codes; returns the updated ``zs``."""
    level = prior.level
    n_samples = zs[level].shape[0]
    key = NoiseKey(seed, level)
    for win in level_windows(total, prior.n_ctx, settings.hop_fraction):
        z = zs[level][:, win.start:win.start + win.length]
        if z.shape[1] >= win.length:
            continue  # already sampled (primed audio, continued codes, or a resumed run)
        z_upper = None
        if not prior.is_top:
            cd = prior.cond_downsample
            z_upper = zs[level + 1][:, win.start // cd:(win.start + prior.n_ctx) // cd]
            if z_upper.shape[1] != prior.n_ctx // cd:
                raise UserError(f"level {level} needs {prior.n_ctx // cd} codes of level {level + 1} per window, "
                                f"have {z_upper.shape[1]}: the song is shorter than one upsampler window "
                                f"({prior.sample_length} samples)")
        y = labels(level, win.start)
        new_parts = []
        for b in range(0, n_samples, settings.max_batch_size):
            ids = torch.arange(b, min(n_samples, b + settings.max_batch_size))
            with torch.no_grad():
                cond = prior.conditioning(y[ids].to(device), None if z_upper is None else z_upper[ids].to(device))
                prime = prior.to_sequence(z[ids].to(device), cond)
                prefix = prime.shape[1] - z.shape[1]
                seq = sample_window(prior, cond, prime, prefix + win.length, settings.chunk_size, settings.tokens,
                                    key, ids.to(device), win.start - prefix, dtype,
                                    on_token=on_tokens)
            new_parts.append(prior.from_sequence(seq)[:, z.shape[1]:].cpu())
        zs[level] = torch.cat([zs[level], torch.cat(new_parts, dim=0)], dim=1)
        if on_window is not None:
            on_window(level, zs)
    return zs
