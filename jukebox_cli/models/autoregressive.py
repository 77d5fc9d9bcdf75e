"""A token transformer: input embedding, positions, the transformer, and the output head.

Position ``p`` of the sequence is fed the token at ``p - 1`` (position 0 gets a start embedding:
the label embedding, or a learned start token for the lyrics encoder), plus a learned position
embedding, plus per-position conditioning. The hidden state at ``p`` predicts the token at ``p``.
"""

from __future__ import annotations

import torch
from torch import nn

from jukebox_cli.config import TransformerConfig
from jukebox_cli.models.attention import LayerCache
from jukebox_cli.models.transformer import Transformer


class PositionEmbedding(nn.Module):
    def __init__(self, n_ctx: int, width: int):
        super().__init__()
        self.pos_emb = nn.Parameter(torch.empty(n_ctx, width))


class AutoregressiveTransformer(nn.Module):
    """The original's ConditionalAutoregressive2D, for inference.

    ``start_token``: a learned first input (lyrics encoder) instead of the label embedding.
    ``head``: ``None`` (encoder only), ``"tied"`` (output shares the input embedding) or ``"own"``.
    ``add_cond_after``: add the per-position conditioning again after the transformer (all models
    except the "merged decoder" 5b top priors).
    """

    def __init__(self, bins: int, n_ctx: int, cfg: TransformerConfig, start_token: bool, head: str | None,
                 add_cond_after: bool, prime_len: int | None = None):
        super().__init__()
        self.bins, self.n_ctx, self.width = bins, n_ctx, cfg.width
        self.add_cond_after = add_cond_after
        self.x_emb = nn.Embedding(bins, cfg.width)
        if start_token:
            self.start_token = nn.Parameter(torch.empty(1, cfg.width))
        self.pos_emb = PositionEmbedding(n_ctx, cfg.width)
        self.transformer = Transformer(cfg, n_ctx, prime_len)
        if head is not None:
            self.x_out = nn.Linear(cfg.width, bins, bias=False)
            if head == "tied":
                self.x_out.weight = self.x_emb.weight

    def embed(self, tokens: torch.Tensor, start: int, end: int, x_cond: torch.Tensor | None,
              y_cond: torch.Tensor | None) -> torch.Tensor:
        """Inputs for positions [start, end): (N, end - start, W).

        tokens: (N, >= end - 1) the sequence so far; x_cond: (N, n_ctx, W) or (N, 1, W) or None;
        y_cond: (N, 1, W) start embedding, or None to use the learned start token.
        """
        parts = []
        if start == 0:
            parts.append(self.start_embedding(tokens.shape[0], y_cond))
        lo = max(start, 1)
        if end > lo:
            parts.append(self.x_emb(tokens[:, lo - 1:end - 1]))
        x = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
        x = x + self.pos_emb.pos_emb[start:end]
        if x_cond is not None:
            x = x + self.cond_slice(x_cond, start, end)
        return x

    def start_embedding(self, n: int, y_cond: torch.Tensor | None) -> torch.Tensor:
        """Input of position 0 (n, 1, W): the label embedding, or the learned start token."""
        first = y_cond.view(n, 1, self.width) if y_cond is not None else self.start_token.view(1, 1, -1).expand(n, 1, -1)
        return first.float()

    @staticmethod
    def cond_slice(x_cond: torch.Tensor, start: int, end: int) -> torch.Tensor:
        return x_cond if x_cond.shape[1] == 1 else x_cond[:, start:end]

    def hidden(self, x: torch.Tensor, start: int = 0, caches: list[LayerCache] | None = None,
               encoder_kv: torch.Tensor | None = None, dtype: torch.dtype | None = None) -> torch.Tensor:
        """Run the transformer on inputs at [start, start + c); fp32 out, ``dtype`` inside."""
        if dtype is not None:
            x = x.to(dtype)
        return self.transformer(x, start, caches, encoder_kv)

    def logits(self, h: torch.Tensor, x_cond: torch.Tensor | None, start: int, end: int) -> torch.Tensor:
        """Hidden states at [start, end) -> logits (N, end - start, bins) in fp32."""
        if self.add_cond_after and x_cond is not None:
            h = h + self.cond_slice(x_cond, start, end)
        return self.x_out(h)

    def forward(self, tokens: torch.Tensor, x_cond: torch.Tensor | None = None, y_cond: torch.Tensor | None = None,
                encoder_kv: torch.Tensor | None = None, dtype: torch.dtype | None = None) -> torch.Tensor:
        """Teacher-forced pass over the whole sequence: logits (N, L, bins), or hidden states if no head."""
        L = tokens.shape[1]
        h = self.hidden(self.embed(tokens, 0, L, x_cond, y_cond), 0, None, encoder_kv, dtype)
        if not hasattr(self, "x_out"):
            return h
        return self.logits(h, x_cond, 0, L)
