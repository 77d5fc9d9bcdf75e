"""Sampling a song level by level: top prior, then the upsamplers, decoding each level to audio.

The modes of the original are one procedure with different starting codes:
ancestral (no codes), primed (codes of a prompt encoded by the VQ-VAE), continue (codes of an
earlier run, extended) and upsample (complete top-level codes; only the lower levels sampled).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch

from jukebox_cli.errors import UserError
from jukebox_cli.labels import Labeller, ResolvedLabel, SongMeta
from jukebox_cli.models.jukebox import Jukebox
from jukebox_cli.sampling.levels import LevelSettings, sample_level


class SongLabels:
    """The label vector of every (level, window) for a batch of songs, one song per sample."""

    def __init__(self, jb: Jukebox, metas: Sequence[SongMeta], allow_unknown: bool = False):
        self.jb = jb
        self.metas = list(metas)
        self._labellers: dict[int, Labeller] = {}
        self._resolved: dict[int, list[ResolvedLabel]] = {}
        for p in jb.cfg.priors:
            lab = Labeller(p.labels, p.n_tokens, jb.ids_dir)
            self._labellers[p.level] = lab
            self._resolved[p.level] = [lab.resolve(m, allow_unknown) for m in self.metas]

    def resolved(self, level: int) -> list[ResolvedLabel]:
        return self._resolved[level]

    def __call__(self, level: int, start: int) -> torch.Tensor:
        p = self.jb.cfg.prior(level)
        hop = self.jb.cfg.raw_to_tokens(level)
        lab = self._labellers[level]
        return torch.from_numpy(np.stack([lab.window_y(r, start, p.n_ctx, hop) for r in self._resolved[level]]))


def empty_codes(n_samples: int, levels: int) -> list[torch.Tensor]:
    return [torch.zeros(n_samples, 0, dtype=torch.long) for _ in range(levels)]


@dataclass
class LevelCallbacks:
    """Hooks for run directories and progress displays (all optional)."""

    on_window: Callable[[int, list[torch.Tensor]], None] | None = None
    on_tokens: Callable[[int], None] | None = None
    on_level_start: Callable[[int, int], None] | None = None  # (level, tokens still to sample)
    on_level_done: Callable[[int, list[torch.Tensor], torch.Tensor], None] | None = None  # (level, zs, audio)


def check_length(jb: Jukebox, sample_length: int, levels: Sequence[int]) -> None:
    """Reject lengths the models cannot sample (the original crashed deep inside instead)."""
    top = jb.cfg.top_level
    hop_top = jb.cfg.raw_to_tokens(top)
    if sample_length <= 0 or sample_length % hop_top:
        raise UserError(f"sample length {sample_length} must be a positive multiple of {hop_top} samples")
    for level in levels:
        if level == top:
            continue
        p = jb.cfg.prior(level)
        need = p.n_ctx * jb.cfg.raw_to_tokens(level)
        if sample_length < need:
            raise UserError(f"sample length {sample_length} samples ({sample_length / jb.cfg.sample_rate:.2f} s) is "
                            f"shorter than one level-{level} upsampler window ({need} samples, "
                            f"{need / jb.cfg.sample_rate:.2f} s); ask for a longer song or stop after the top level")


def sample_song(jb: Jukebox, zs: list[torch.Tensor], levels: Sequence[int], sample_length: int, labels: SongLabels,
                settings: Sequence[LevelSettings], seed: int, decode: bool = True,
                callbacks: LevelCallbacks | None = None) -> list[torch.Tensor]:
    """Sample ``levels`` top-down until each has ``sample_length // hop`` codes; returns all levels' codes.

    ``zs[level]`` (n_samples, tokens) holds what is already known at each level; ``settings[level]``
    the level's sampling settings. After each level its audio is decoded (if ``decode``) and handed
    to ``callbacks.on_level_done``.
    """
    cb = callbacks or LevelCallbacks()
    check_length(jb, sample_length, levels)
    for level in sorted(levels, reverse=True):
        total = sample_length // jb.cfg.raw_to_tokens(level)
        if cb.on_level_start:
            cb.on_level_start(level, max(0, total - zs[level].shape[1]) * zs[level].shape[0])
        prior = jb.prior(level)
        zs = sample_level(prior, zs, total, labels, settings[level], seed, jb.device, jb.dtype,
                          cb.on_window, cb.on_tokens)
        jb.release(level)
        if decode or cb.on_level_done:
            audio = decode_level(jb, zs[level], level) if decode else torch.empty(0)
            if cb.on_level_done:
                cb.on_level_done(level, zs, audio)
    return zs


@torch.no_grad()
def decode_level(jb: Jukebox, z: torch.Tensor, level: int) -> torch.Tensor:
    """Codes (n_samples, tokens) of one level -> audio (n_samples, samples, 1) on the CPU, one sample at a time."""
    return torch.cat([jb.vqvae.decode(z[i:i + 1].to(jb.device), level).float().cpu() for i in range(z.shape[0])])


@torch.no_grad()
def encode_prompt(jb: Jukebox, audio: torch.Tensor) -> list[torch.Tensor]:
    """Prompt audio (n_samples, samples, 1), cut to a multiple of the top hop -> codes of every level."""
    hop_top = jb.cfg.raw_to_tokens(jb.cfg.top_level)
    length = audio.shape[1] // hop_top * hop_top
    if length == 0:
        raise UserError(f"the prompt is shorter than one top-level code ({hop_top} samples)")
    zs = [jb.vqvae.encode(audio[i:i + 1, :length].to(jb.device)) for i in range(audio.shape[0])]
    return [torch.cat([z[level] for z in zs]).cpu() for level in range(jb.cfg.vqvae.levels)]
