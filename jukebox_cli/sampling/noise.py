"""Counter-based randomness: the noise for a token is a pure function of where the token is.

Each sampled code draws its Gumbel noise from a hash of (seed, sample index, level, position,
vocabulary index). So a run's result does not depend on how the samples are split into batches,
on chunk sizes, or on how often the run was interrupted and resumed: resuming after a crash gives
the same codes as an uninterrupted run, with no random-generator state to save. It is also pure
tensor arithmetic on the device (no host synchronisation, capturable in a CUDA graph).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

_M32 = 0xFFFFFFFF


def _mul32(a: torch.Tensor, b: int) -> torch.Tensor:
    """(a * b) mod 2**32 for int64 tensors holding 32-bit values, without int64 overflow."""
    lo, hi = b & 0xFFFF, b >> 16
    return (a * lo + (((a * hi) & 0xFFFF) << 16)) & _M32


def hash32(x: torch.Tensor) -> torch.Tensor:
    """A well-mixed 32-bit integer hash (the 'lowbias32' construction) on int64 tensors."""
    x = x & _M32
    x = x ^ (x >> 16)
    x = _mul32(x, 0x7FEB352D)
    x = x ^ (x >> 15)
    x = _mul32(x, 0x846CA68B)
    return x ^ (x >> 16)


@dataclass(frozen=True)
class NoiseKey:
    """Identifies one run's stream of noise: a seed and the level being sampled."""

    seed: int
    level: int

    def stream(self, sample_ids: torch.Tensor, n_bins: int) -> NoiseStream:
        """Noise for the samples ``sample_ids`` (N,) over a vocabulary of ``n_bins``."""
        device = sample_ids.device
        base = hash32(torch.tensor(self.seed & _M32, device=device) ^ hash32(torch.tensor(self.level + 0x5BD1E995, device=device)))
        per_sample = hash32(base ^ hash32(sample_ids.long()))[:, None, None]  # (N, 1, 1)
        per_bin = hash32(torch.arange(n_bins, device=device) + 0x165667B1)[None, None, :]  # (1, 1, bins)
        return NoiseStream(per_sample, per_bin)


@dataclass(frozen=True)
class NoiseStream:
    """Precomputed hashes of one batch of samples: drawing noise is then device-only arithmetic."""

    per_sample: torch.Tensor
    per_bin: torch.Tensor

    def gumbel(self, positions: torch.Tensor) -> torch.Tensor:
        """Gumbel(0, 1) noise (N, len(positions), bins) in fp32 for absolute code ``positions`` (T,)."""
        p = hash32(self.per_sample ^ hash32(positions.long() + 0x27D4EB2F)[None, :, None])
        x = hash32(p ^ self.per_bin)
        u = (x.double() + 0.5) / 4294967296.0  # (0, 1), never 0 or 1
        return (-torch.log(-torch.log(u))).float()
