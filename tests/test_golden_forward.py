"""Teacher-forced logits of every tiny prior equal the original implementation's (fp32, CPU)."""

import numpy as np
import pytest
import torch
from reference import ROLES, TINY_MODELS, golden, tiny_preset

from jukebox_cli.config import load_config
from jukebox_cli.models.build import load_prior


@pytest.mark.parametrize("role", sorted(ROLES))
def test_forward_logits_match_original(role):
    g = golden()
    cfg = load_config(tiny_preset(role))
    prior = load_prior(cfg, ROLES[role][1], TINY_MODELS)
    z = torch.from_numpy(g[f"forward/{role}/z"])
    y = torch.from_numpy(g[f"forward/{role}/y"])
    z_cond = g.get(f"forward/{role}/z_cond")
    with torch.no_grad():
        logits = prior(z, y, None if z_cond is None else torch.from_numpy(z_cond))
    ref = g[f"forward/{role}/logits"]
    assert logits.shape == ref.shape
    np.testing.assert_allclose(logits.numpy(), ref, rtol=1e-4, atol=1e-4 * np.abs(ref).max())
    # The greedy choice at every position is the original's.
    assert np.array_equal(logits.argmax(-1).numpy(), ref.argmax(-1))
