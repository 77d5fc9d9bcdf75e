"""Sampling the tokens of one window with a key/value cache.

The window's known tokens (the prime: earlier music, and for 1b_lyrics the lyrics) are pushed
through the transformer in chunks of ``chunk_size`` to fill the cache; then each new token is one
cached step. Position ``t`` is fed the token at ``t - 1``, so after priming ``P`` tokens the first
step predicts token ``P``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from jukebox_cli.models.prior import Conditioning, Prior
from jukebox_cli.sampling.noise import NoiseKey


@dataclass(frozen=True)
class TokenSampling:
    """How each token is drawn: temperature, then top-k or nucleus (top-p) filtering."""

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 0.0

    def __post_init__(self) -> None:
        assert self.temperature > 0, f"temperature must be > 0, got {self.temperature}"
        assert self.top_k >= 0, f"top_k must be >= 0, got {self.top_k}"
        assert 0.0 <= self.top_p <= 1.0, f"top_p must be in [0, 1], got {self.top_p}"
        assert self.top_k == 0 or self.top_p == 0.0, "use top_k or top_p, not both (as the original)"


def filter_logits(logits: torch.Tensor, top_k: int = 0, top_p: float = 0.0) -> torch.Tensor:
    """Set to -inf every logit outside the top-k, or outside the smallest set reaching mass top_p."""
    logits = logits.clone()
    top_k = min(top_k, logits.shape[-1])
    if top_k > 0:
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p > 0.0:
        sorted_logits, sorted_idx = torch.sort(logits, descending=True, dim=-1)
        cum = torch.cumsum(torch.softmax(sorted_logits, dim=-1), dim=-1)
        remove = cum > top_p
        remove[..., 1:] = remove[..., :-1].clone()  # keep the first token above the threshold
        remove[..., 0] = False
        logits = logits.masked_fill(torch.zeros_like(remove).scatter(-1, sorted_idx, remove), float("-inf"))
    return logits


def draw(logits: torch.Tensor, params: TokenSampling, noise: torch.Tensor) -> torch.Tensor:
    """Gumbel-max sampling: argmax(filtered logits / T + Gumbel noise) ~ Categorical(softmax)."""
    scaled = filter_logits(logits / params.temperature, params.top_k, params.top_p)
    return torch.argmax(scaled + noise, dim=-1)


@torch.no_grad()
def sample_window(prior: Prior, cond: Conditioning, prime: torch.Tensor, n_total: int, chunk_size: int,
                  params: TokenSampling, key: NoiseKey, sample_ids: torch.Tensor, first_position: int,
                  dtype: torch.dtype = torch.float32, on_token: Callable[[int], None] | None = None) -> torch.Tensor:
    """Extend the token sequence ``prime`` (N, P) to (N, n_total) by sampling.

    ``first_position``: the absolute code position (at this level) of sequence position 0's target
    if it were music; noise for sequence position t is keyed on ``first_position + t``.
    ``on_token(n)`` is told after each step that ``n`` tokens were drawn (for progress bars).
    """
    model = prior.prior
    N, P = prime.shape
    assert P < n_total <= model.n_ctx, f"window: prime {P}, total {n_total}, context {model.n_ctx}"
    device = prime.device
    caches = prior.new_caches(N, dtype, device, cond)
    tokens = torch.empty(N, n_total, dtype=torch.long, device=device)
    tokens[:, :P] = prime
    for s in range(0, P, chunk_size):
        e = min(P, s + chunk_size)
        model.hidden(model.embed(tokens, s, e, cond.x_cond, cond.y_cond), s, caches, dtype=dtype)
    for t in range(P, n_total):
        h = model.hidden(model.embed(tokens, t, t + 1, cond.x_cond, cond.y_cond), t, caches, dtype=dtype)
        logits = model.logits(h, cond.x_cond, t, t + 1)[:, 0]  # (N, bins)
        pos = torch.tensor([first_position + t], device=device)
        tokens[:, t] = draw(logits, params, key.gumbel(sample_ids, pos, logits.shape[-1])[:, 0])
        if on_token is not None:
            on_token(N)
    return tokens
