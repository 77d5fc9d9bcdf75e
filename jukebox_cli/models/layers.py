"""Small building blocks shared by every transformer in Jukebox.

They keep the original's numerics on purpose: layer norm always computed in fp32 (even when the
activations are fp16), ``Conv1D`` weights stored ``(n_in, n_out)`` and cast to the activation dtype
at use (the 5b priors ship fp16 weights), and the sigmoid approximation of GELU.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Conv1D(nn.Module):
    """A linear layer with the original's parameter layout: ``w`` is (n_in, n_out), ``b`` is (n_out,)."""

    def __init__(self, n_in: int, n_out: int):
        super().__init__()
        self.n_out = n_out
        self.w = nn.Parameter(torch.empty(n_in, n_out))
        self.b = nn.Parameter(torch.empty(n_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # (..., n_in) -> (..., n_out); weights follow the activations' dtype as in the original.
        out = torch.addmm(self.b.type_as(x), x.reshape(-1, x.shape[-1]), self.w.type_as(x))
        return out.view(*x.shape[:-1], self.n_out)


class LayerNorm(nn.LayerNorm):
    """Layer norm computed in fp32 and cast back, so fp16 sampling keeps fp32 statistics."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x.float(), self.normalized_shape, self.weight, self.bias, self.eps).type_as(x)


def quick_gelu(x: torch.Tensor) -> torch.Tensor:
    """GELU approximated by ``x * sigmoid(1.702 x)``: what every Jukebox transformer was trained with."""
    return x * torch.sigmoid(1.702 * x)


class MLP(nn.Module):
    def __init__(self, width: int, hidden: int):
        super().__init__()
        self.c_fc = Conv1D(width, hidden)
        self.c_proj = Conv1D(hidden, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c_proj(quick_gelu(self.c_fc(x)))


def cast_matmul_weights(module: nn.Module, dtype: torch.dtype) -> None:
    """Store every Conv1D weight in ``dtype`` (the original's fp16 conversion before sampling).

    ``Conv1D`` casts its weight to the activations' dtype at each call; storing it in that dtype
    already saves the cast, which would otherwise re-read and re-write every weight per token.
    """
    for m in module.modules():
        if isinstance(m, Conv1D):
            m.w.data = m.w.data.to(dtype)
