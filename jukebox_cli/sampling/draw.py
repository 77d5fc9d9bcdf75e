"""How one token is drawn from the model's logits: temperature, top-k / top-p, Gumbel-max."""

from __future__ import annotations

from dataclasses import dataclass

import torch


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
