"""Half-precision activations (how a GPU samples) stay close to the exact fp32 path.

Tolerance: logits within 2% of their range and the same greedy choice at >= 97% of positions.
Runs on CPU in CI and also on CUDA where one is present; on the tiny checkpoints (fp16) and on
random layers of the real 5b_lyrics width (fp16 on CUDA; bf16 on CPU, whose fp16 matrix products
are about 100x slower than fp32 here, too slow for a test at this width).
"""

import dataclasses

import pytest
import torch
from reference import ROLES, TINY_MODELS, golden, tiny_preset

from jukebox_cli.bench import random_prior
from jukebox_cli.config import load_config
from jukebox_cli.models.build import load_prior
from jukebox_cli.models.layers import cast_matmul_weights

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def _close(lo16: torch.Tensor, lo32: torch.Tensor) -> None:
    span = (lo32.max() - lo32.min()).item()
    assert (lo16 - lo32).abs().max().item() < 0.02 * span
    assert (lo16.argmax(-1) == lo32.argmax(-1)).float().mean().item() >= 0.97


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("role", ["prior_5b_lyrics", "prior_1b_lyrics", "upsampler_level_0"])
def test_fp16_logits_agree_with_fp32_on_the_tiny_checkpoints(role, device):
    g = golden()
    prior = load_prior(load_config(tiny_preset(role)), ROLES[role][1], TINY_MODELS, device)
    args = [torch.from_numpy(g[f"forward/{role}/{k}"]).to(device) for k in ("z", "y")]
    z_cond = g.get(f"forward/{role}/z_cond")
    args.append(None if z_cond is None else torch.from_numpy(z_cond).to(device))
    with torch.no_grad():
        lo32 = prior(*args)
        cast_matmul_weights(prior.prior.transformer, torch.float16)
        lo16 = prior(*args, dtype=torch.float16)
    assert lo16.dtype == torch.float32
    _close(lo16, lo32)


@pytest.mark.parametrize("device", DEVICES)
def test_half_logits_agree_on_random_real_width_layers(device):
    half = torch.float16 if device == "cuda" else torch.bfloat16
    cfg = load_config("5b_lyrics")
    top = cfg.prior(2)
    # Real width (4800) and heads; 2 layers and a 256-position context (2 rows per block) keep it small.
    cfg = dataclasses.replace(cfg, priors=(*cfg.priors[:2], dataclasses.replace(top, n_ctx=256)))
    prior, cfg = random_prior(cfg, 2, torch.device(device), torch.float32, depth=2)
    n = 2
    z = torch.randint(0, 2048, (n, 256), device=device)
    y = torch.tensor([[3 * 60 * 44100, 0, 256 * 128, 5, 3, -1, -1, -1, -1] + [10] * 512] * n, device=device)
    with torch.no_grad():
        lo32 = prior(z, y)
        cast_matmul_weights(prior.prior.transformer, half)
        lo_half = prior(z, y, dtype=half)
    _close(lo_half, lo32)
