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

    def gumbel(self, sample_ids: torch.Tensor, positions: torch.Tensor, n_bins: int) -> torch.Tensor:
        """Gumbel(0, 1) noise of shape (len(sample_ids), len(positions), n_bins), fp32.

        sample_ids: (N,) index of each sample in the run; positions: (T,) absolute code positions.
        """
        device = sample_ids.device
        base = hash32(torch.tensor(self.seed & _M32, device=device) ^ hash32(torch.tensor(self.level + 0x5BD1E995, device=device)))
        s = hash32(base ^ hash32(sample_ids.long()))[:, None, None]
        p = hash32(s ^ hash32(positions.long() + 0x27D4EB2F)[None, :, None])
        x = hash32(p ^ hash32(torch.arange(n_bins, device=device) + 0x165667B1)[None, None, :])
        u = (x.double() + 0.5) / 4294967296.0  # (0, 1), never 0 or 1
        return (-torch.log(-torch.log(u))).float()
