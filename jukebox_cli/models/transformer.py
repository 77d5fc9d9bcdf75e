"""The Jukebox transformer: pre-norm residual blocks of factored attention and an MLP."""

from __future__ import annotations

import torch
from torch import nn

from jukebox_cli.config import CROSS, TransformerConfig
from jukebox_cli.models.attention import FactoredAttention, LayerCache
from jukebox_cli.models.layers import MLP, LayerNorm


class ResAttnBlock(nn.Module):
    def __init__(self, cfg: TransformerConfig, n_ctx: int, kind: int, prime_len: int | None):
        super().__init__()
        width = cfg.width
        self.attn = FactoredAttention(width, int(cfg.m_attn * width), cfg.heads, kind, n_ctx, cfg.blocks, prime_len)
        self.ln_0 = LayerNorm(width)
        self.mlp = MLP(width, int(cfg.m_mlp * width))
        self.ln_1 = LayerNorm(width)
        self.res_scale = 1.0 / cfg.depth if cfg.res_scale else 1.0

    def forward(self, x: torch.Tensor, start: int, cache: LayerCache | None,
                encoder_kv: torch.Tensor | None) -> torch.Tensor:
        return self.residual(x, self.attn(self.ln_0(x), start, cache, encoder_kv))

    def residual(self, x: torch.Tensor, a: torch.Tensor) -> torch.Tensor:
        """x + attention + MLP(x + attention), in the original's order of additions."""
        m = self.mlp(self.ln_1(x + a))
        if self.res_scale == 1.0:
            return x + a + m
        return x + self.res_scale * (a + m)


class Transformer(nn.Module):
    """``depth`` blocks whose attention kinds follow ``cfg.attn_order`` (see ``config.attention_kind``).

    ``prime_len`` is the lyrics length of a single-sequence (1b_lyrics) prior, for its prime layers.
    """

    def __init__(self, cfg: TransformerConfig, n_ctx: int, prime_len: int | None = None):
        super().__init__()
        self.cfg, self.n_ctx = cfg, n_ctx
        self._attn_mods = nn.ModuleList([ResAttnBlock(cfg, n_ctx, kind, prime_len) for kind in cfg.kinds()])

    def forward(self, x: torch.Tensor, start: int = 0, caches: list[LayerCache] | None = None,
                encoder_kv: torch.Tensor | None = None) -> torch.Tensor:
        """(B, c, width) at positions [start, start + c) -> (B, c, width) in fp32."""
        for i, block in enumerate(self._attn_mods):
            x = block(x, start, caches[i] if caches is not None else None, encoder_kv)
        return x.float()

    def step(self, x: torch.Tensor, pos: torch.Tensor, caches: list[LayerCache]) -> torch.Tensor:
        """One token (B, 1, width) at device position ``pos`` through every block (static shapes)."""
        for block, cache in zip(self._attn_mods, caches):
            a = block.attn.step(block.ln_0(x), pos, cache)
            x = block.residual(x, a)
        return x.float()

    def new_caches(self, batch: int, dtype: torch.dtype, device: torch.device,
                   encoder_kv: torch.Tensor | None = None) -> list[LayerCache]:
        return [b.attn.new_cache(batch, dtype, device, encoder_kv if b.attn.kind == CROSS else None)
                for b in self._attn_mods]
