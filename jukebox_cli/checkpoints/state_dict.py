"""Strict loading of a state dict into a model: every key present, every shape equal, or an error.

A partial load is the worst failure a sampler can have: the model runs and produces noise. So any
missing key, unexpected key or shape mismatch is an error that lists the offending keys.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from jukebox_cli.errors import CheckpointError


def _listing(keys: list[str], limit: int = 12) -> str:
    shown = ", ".join(keys[:limit])
    return shown + (f", ... ({len(keys) - limit} more)" if len(keys) > limit else "")


def check_state_dict(model: nn.Module, state: Mapping[str, torch.Tensor], source: str) -> None:
    """Raise :class:`CheckpointError` unless ``state`` has exactly the model's keys and shapes."""
    expected = model.state_dict(keep_vars=True)
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    wrong = sorted(k for k in set(expected) & set(state) if tuple(expected[k].shape) != tuple(state[k].shape))
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"missing keys: {_listing(missing)}")
        if unexpected:
            parts.append(f"unexpected keys: {_listing(unexpected)}")
        if wrong:
            parts.append("shape mismatches: " + _listing(
                [f"{k} (checkpoint {tuple(state[k].shape)}, model {tuple(expected[k].shape)})" for k in wrong]))
        raise CheckpointError(f"{source} does not match the model preset: " + "; ".join(parts)
                              + ". Is the preset right for this checkpoint?")


def load_state_dict_strict(model: nn.Module, state: Mapping[str, torch.Tensor], source: str,
                           dtype: torch.dtype | None = None) -> nn.Module:
    """Check, then load ``state`` into ``model`` (which may live on the ``meta`` device).

    Tensors are assigned (``assign=True``), so a model built on ``meta`` takes the loaded storage
    without a second copy; floating tensors are cast to ``dtype`` when given (fp16 weights of the
    5b priors become fp32 on CPU, exactly as the original's ``w.type_as(x)`` does at run time).
    """
    check_state_dict(model, state, source)
    if dtype is not None:
        state = {k: (v.to(dtype) if v.is_floating_point() else v) for k, v in state.items()}
    model.load_state_dict(dict(state), strict=True, assign=True)
    return model
