"""Sampling the tokens of one window with a key/value cache.

The window's known tokens (the prime: earlier music, and for 1b_lyrics the lyrics) are pushed
through the transformer in chunks of ``chunk_size`` to fill the cache (a batched, compute-bound
pass); then each new token is one cached step. Position ``t`` is fed the token at ``t - 1``, so
after priming ``P`` tokens the first step predicts token ``P``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from jukebox_cli.models.prior import Conditioning, Prior
from jukebox_cli.sampling.decode import DecodeLoop, ReferenceLoop
from jukebox_cli.sampling.draw import TokenSampling
from jukebox_cli.sampling.noise import NoiseKey


@torch.no_grad()
def sample_window(prior: Prior, cond: Conditioning, prime: torch.Tensor, n_total: int, chunk_size: int,
                  params: TokenSampling, key: NoiseKey, sample_ids: torch.Tensor, first_position: int,
                  dtype: torch.dtype = torch.float32, on_token: Callable[[int], None] | None = None,
                  engine: str = "fast") -> torch.Tensor:
    """Extend the token sequence ``prime`` (N, P) to (N, n_total) by sampling.

    ``first_position``: the absolute code position (at this level) of sequence position 0's target
    if it were music; noise for sequence position t is keyed on ``first_position + t``.
    ``on_token(n)`` is told after each step that ``n`` tokens were drawn (for progress bars).
    ``engine``: ``"fast"`` decodes with static buffers (CUDA graphs on a GPU, see
    ``sampling.decode``); ``"reference"`` runs every step through the general chunked path. Both
    compute the same thing; the reference engine is the baseline of ``jukebox bench``.
    """
    model = prior.prior
    N, P = prime.shape
    assert P < n_total <= model.n_ctx, f"window: prime {P}, total {n_total}, context {model.n_ctx}"
    assert engine in ("fast", "reference"), f"unknown engine {engine!r}; valid: fast, reference"
    device = prime.device
    caches = prior.new_caches(N, dtype, device, cond)
    tokens = torch.zeros(N, n_total, dtype=torch.long, device=device)
    tokens[:, :P] = prime
    for s in range(0, P, chunk_size):  # fill the cache with the prime: batched, compute-bound
        e = min(P, s + chunk_size)
        model.hidden(model.embed(tokens, s, e, cond.x_cond, cond.y_cond), s, caches, dtype=dtype)
    noise = key.stream(sample_ids, model.bins)
    loop = DecodeLoop if engine == "fast" else ReferenceLoop
    loop(prior, cond, tokens, caches, params, noise, first_position, dtype).run(P, n_total, on_token)
    return tokens
