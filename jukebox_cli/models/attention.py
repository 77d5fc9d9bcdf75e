"""Factored self-attention of the Jukebox transformers, with static key/value caches.

A sequence of length ``n_ctx`` is viewed as ``blocks`` rows of ``block_ctx`` positions. Each layer
uses one attention *kind* (see ``config.attention_kind``):

- dense: every earlier position;
- block: earlier positions of the same row;
- transpose block: earlier positions of the same column (same ``pos % block_ctx``);
- previous block: every position of the previous row (nothing in the first row: output 0);
- cross (5b_lyrics): every position of the lyrics encoder's output;
- prime (1b_lyrics): earlier positions among the first ``prime_keys`` (the lyrics and a little music).

All kinds share one code path: the keys a chunk of queries needs are gathered from the cache,
concatenated with the chunk's own keys, and a boolean mask built from absolute positions selects
what each query sees. That path serves the teacher-forced forward pass, chunked priming of the
cache and the one-token step alike, so they cannot drift apart. Caches are preallocated and written
in place; block and previous-block layers keep only the one or two rows they can ever look at.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from jukebox_cli.config import BLOCK, CROSS, DENSE, PREV_BLOCK, PRIME, TRANSPOSE_BLOCK
from jukebox_cli.models.layers import Conv1D

KIND_NAMES = {DENSE: "dense", BLOCK: "block", TRANSPOSE_BLOCK: "transpose_block", PREV_BLOCK: "prev_block",
              CROSS: "cross", PRIME: "prime"}


@dataclass
class LayerCache:
    """Keys and values of one attention layer: (batch, slots, n_state), written in place."""

    k: torch.Tensor
    v: torch.Tensor


def prime_key_count(prime_len: int, blocks: int) -> int:
    """How many leading positions prime attention can see: the original rounds the lyrics length
    up by ``blocks`` (not by the block length), so a few music positions are visible too."""
    return (prime_len // blocks + 1) * blocks


class FactoredAttention(nn.Module):
    def __init__(self, width: int, n_state: int, heads: int, kind: int, n_ctx: int, blocks: int | None,
                 prime_len: int | None = None):
        super().__init__()
        assert n_state % heads == 0, f"attention width {n_state} must be divisible by heads {heads}"
        assert kind in KIND_NAMES, f"unsupported attention kind {kind}"
        self.kind, self.heads, self.n_state, self.n_ctx = kind, heads, n_state, n_ctx
        if kind == CROSS:
            self.c_attn = Conv1D(width, n_state)
            self.c_enc_kv = Conv1D(width, 2 * n_state)
        else:
            self.c_attn = Conv1D(width, 3 * n_state)
        self.c_proj = Conv1D(n_state, width)
        if kind in (BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK):
            assert blocks and n_ctx % blocks == 0, f"n_ctx {n_ctx} must be a multiple of blocks {blocks}"
        self.block_ctx = n_ctx // blocks if blocks else n_ctx
        self.prime_keys = prime_key_count(prime_len, blocks) if kind == PRIME else 0
        if kind == PRIME:
            assert prime_len is not None and blocks, "prime attention needs prime_len and blocks"

    # ---------------------------------------------------------------- cache layout per kind

    @property
    def cache_slots(self) -> int:
        """Positions a step can ever look back at: the cache length of this layer."""
        return {DENSE: self.n_ctx, TRANSPOSE_BLOCK: self.n_ctx, BLOCK: self.block_ctx,
                PREV_BLOCK: 2 * self.block_ctx, PRIME: self.prime_keys, CROSS: 0}[self.kind]

    def _past_positions(self, start: int, device: torch.device) -> torch.Tensor:
        """Absolute positions before ``start`` that queries at ``start`` and later may need."""
        row_start = start - start % self.block_ctx
        lo = {DENSE: 0, TRANSPOSE_BLOCK: 0, BLOCK: row_start, PREV_BLOCK: max(0, row_start - self.block_ctx),
              PRIME: 0}[self.kind]
        hi = min(start, self.prime_keys) if self.kind == PRIME else start
        return torch.arange(lo, hi, device=device)

    def _visible(self, q_pos: torch.Tensor, k_pos: torch.Tensor) -> torch.Tensor:
        """(queries, keys) boolean mask: which key positions each query position attends to."""
        q, k = q_pos[:, None], k_pos[None, :]
        bc = self.block_ctx
        if self.kind == DENSE:
            return k <= q
        if self.kind == BLOCK:
            return (k <= q) & (k // bc == q // bc)
        if self.kind == TRANSPOSE_BLOCK:
            return (k <= q) & (k % bc == q % bc)
        if self.kind == PREV_BLOCK:
            return k // bc == q // bc - 1
        if self.kind == PRIME:
            return (k <= q) & (k < self.prime_keys)
        raise AssertionError(self.kind)

    def new_cache(self, batch: int, dtype: torch.dtype, device: torch.device,
                  encoder_kv: torch.Tensor | None = None) -> LayerCache:
        """Preallocate this layer's cache; cross-attention projects the encoder output once here."""
        if self.kind == CROSS:
            assert encoder_kv is not None, "cross attention needs the lyrics encoder output"
            k, v = self.c_enc_kv(encoder_kv.to(dtype)).chunk(2, dim=2)  # (B, n_tokens, n_state) each
            return LayerCache(k.contiguous(), v.contiguous())
        shape = (batch, self.cache_slots, self.n_state)
        return LayerCache(torch.zeros(shape, dtype=dtype, device=device), torch.zeros(shape, dtype=dtype, device=device))

    # ---------------------------------------------------------------- forward

    def forward(self, x: torch.Tensor, start: int = 0, cache: LayerCache | None = None,
                encoder_kv: torch.Tensor | None = None) -> torch.Tensor:
        """Attend for the chunk ``x`` (B, c, width) at absolute positions ``[start, start + c)``.

        Without a cache the chunk must start at 0 and is the whole sequence (teacher forcing).
        With a cache, the chunk's keys/values are written to it and earlier ones are read from it.
        """
        B, c, _ = x.shape
        device = x.device
        if self.kind == CROSS:
            q = self.c_attn(x)  # (B, c, n_state)
            if cache is not None:
                k, v = cache.k, cache.v
            else:
                assert encoder_kv is not None, "cross attention needs the lyrics encoder output"
                k, v = self.c_enc_kv(encoder_kv.type_as(x)).chunk(2, dim=2)
            return self.c_proj(self._attend(q, k, v, None))

        q, k_new, v_new = self.c_attn(x).chunk(3, dim=2)  # (B, c, n_state) each
        q_pos = torch.arange(start, start + c, device=device)
        if cache is None:
            assert start == 0, "a forward pass without a cache must start at position 0"
            k, v, k_pos = k_new, v_new, q_pos
        else:
            past = self._past_positions(start, device)
            slots = past % self.cache_slots if self.cache_slots else past
            k = torch.cat([cache.k[:, slots], k_new], dim=1)  # (B, n_past + c, n_state)
            v = torch.cat([cache.v[:, slots], v_new], dim=1)
            k_pos = torch.cat([past, q_pos])
            self._write(cache, q_pos, k_new, v_new)
        visible = self._visible(q_pos, k_pos)  # (c, n_keys)
        a = self._attend(q, k, v, visible)
        if self.kind == PREV_BLOCK:
            # Queries in the first row see only the original's zero padding: their output is exactly 0.
            a = a.masked_fill(~visible.any(dim=1)[None, :, None], 0.0)
        return self.c_proj(a)

    # ---------------------------------------------------------------- one-token step, static shapes

    def step(self, x: torch.Tensor, pos: torch.Tensor, cache: LayerCache) -> torch.Tensor:
        """Attend for one token ``x`` (B, 1, width) at the position held in the 0-d tensor ``pos``.

        Every shape is fixed and ``pos`` never leaves the device, so a whole decoding step can be
        captured once in a CUDA graph and replayed. Each kind reads a fixed-size set of cache slots:
        the whole (small) cache for block/prime/dense, one column for transpose block, one row for
        previous block; a mask built on the device hides slots the query may not see.
        """
        if self.kind == CROSS:
            return self.c_proj(self._attend(self.c_attn(x), cache.k, cache.v, None))
        q, k_new, v_new = self.c_attn(x).chunk(3, dim=2)  # (B, 1, n_state) each
        bc = self.block_ctx
        if self.kind == PRIME:
            # Positions past the lyrics are never stored: rewrite the last slot with itself.
            slot = pos.clamp(max=self.prime_keys - 1).view(1)
            keep = pos < self.prime_keys
            k_new = torch.where(keep, k_new, cache.k.index_select(1, slot))
            v_new = torch.where(keep, v_new, cache.v.index_select(1, slot))
        else:
            slot = (pos % self.cache_slots).view(1)
        cache.k.index_copy_(1, slot, k_new)
        cache.v.index_copy_(1, slot, v_new)

        if self.kind == TRANSPOSE_BLOCK:
            key_pos = torch.arange(0, self.n_ctx, bc, device=x.device) + pos % bc  # (blocks,) one column
            idx, visible = key_pos, key_pos <= pos
        elif self.kind == PREV_BLOCK:
            row_start = pos - pos % bc
            key_pos = row_start - bc + torch.arange(bc, device=x.device)  # the previous row
            idx, visible = key_pos % self.cache_slots, (key_pos >= 0)
        else:  # dense, block, prime: every slot, masked to the positions already written
            idx = torch.arange(self.cache_slots, device=x.device)
            limit = pos % bc if self.kind == BLOCK else pos
            visible = idx <= limit
        k, v = cache.k.index_select(1, idx), cache.v.index_select(1, idx)
        a = self._attend(q, k, v, visible.view(1, -1))
        if self.kind == PREV_BLOCK:
            a = a * visible.any().to(a.dtype)  # first row: output exactly 0, as the original
        return self.c_proj(a)

    def _write(self, cache: LayerCache, pos: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> None:
        keep = pos < self.prime_keys if self.kind == PRIME else pos >= pos[-1] - self.cache_slots + 1
        if not bool(keep.all()):
            pos, k, v = pos[keep], k[:, keep], v[:, keep]
        slots = pos % self.cache_slots
        cache.k[:, slots] = k
        cache.v[:, slots] = v

    def _attend(self, q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, visible: torch.Tensor | None) -> torch.Tensor:
        """Multi-head attention; scores and softmax in fp32 like the original, output in q's dtype."""
        B, c, _ = q.shape
        h, d = self.heads, self.n_state // self.heads
        q = q.view(B, c, h, d).transpose(1, 2)  # (B, h, c, d)
        k = k.reshape(B, -1, h, d).permute(0, 2, 3, 1)  # (B, h, d, n_keys)
        v = v.reshape(B, -1, h, d).transpose(1, 2)  # (B, h, n_keys, d)
        scale = 1.0 / math.sqrt(math.sqrt(d))
        w = torch.matmul(q, k) * (scale * scale)  # (B, h, c, n_keys)
        wtype = w.dtype
        w = w.float()
        if visible is not None:
            w = w.masked_fill(~visible, -1e9)
        w = torch.softmax(w, dim=-1).type(wtype)
        a = torch.matmul(w, v)  # (B, h, c, d)
        return a.transpose(1, 2).reshape(B, c, h * d)
