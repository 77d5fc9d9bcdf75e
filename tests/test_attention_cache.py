"""The cached path (chunked priming, then one token at a time) equals the full forward pass,
for every attention kind, over random shapes and chunkings (so windows start mid-block).

Both are also checked against a naive reference written here from the definition of each kind:
the list of earlier positions a query at position p may attend to.
"""

import math
import random

import pytest
import torch

from jukebox_cli.config import BLOCK, CROSS, DENSE, PREV_BLOCK, PRIME, TRANSPOSE_BLOCK, TransformerConfig
from jukebox_cli.models.attention import FactoredAttention, prime_key_count
from jukebox_cli.models.transformer import Transformer

KINDS = [DENSE, BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK, PRIME, CROSS]


def visible_positions(kind: int, p: int, bc: int, prime_keys: int) -> list[int]:
    row = p - p % bc
    if kind == DENSE:
        return list(range(p + 1))
    if kind == BLOCK:
        return list(range(row, p + 1))
    if kind == TRANSPOSE_BLOCK:
        return list(range(p % bc, p + 1, bc))
    if kind == PREV_BLOCK:
        return list(range(row - bc, row)) if row else []
    if kind == PRIME:
        return [q for q in range(p + 1) if q < prime_keys]
    raise AssertionError(kind)


def naive_attention(attn: FactoredAttention, x: torch.Tensor, enc: torch.Tensor | None) -> torch.Tensor:
    """One query at a time, softmax over exactly the visible keys (or the encoder output)."""
    B, L, _ = x.shape
    h, d = attn.heads, attn.n_state // attn.heads
    if attn.kind == CROSS:
        q = attn.c_attn(x)
        k, v = attn.c_enc_kv(enc).chunk(2, dim=2)
    else:
        q, k, v = attn.c_attn(x).chunk(3, dim=2)
    out = torch.zeros(B, L, attn.n_state, dtype=torch.float64)
    for p in range(L):
        keys = list(range(enc.shape[1])) if attn.kind == CROSS else visible_positions(attn.kind, p, attn.block_ctx, attn.prime_keys)
        if not keys:
            continue  # the original attends to zero padding: output 0
        qp = q[:, p].view(B, h, d).double()
        kp = k[:, keys].view(B, len(keys), h, d).double()
        vp = v[:, keys].view(B, len(keys), h, d).double()
        w = torch.softmax(torch.einsum("bhd,bkhd->bhk", qp, kp) / math.sqrt(d), dim=-1)
        out[:, p] = torch.einsum("bhk,bkhd->bhd", w, vp).reshape(B, -1)
    return attn.c_proj(out.float())


def random_partition(n: int, rng: random.Random) -> list[int]:
    sizes, left = [], n
    while left:
        sizes.append(min(left, rng.choice([1, 1, 2, 3, 5, 7, 8, 13])))
        left -= sizes[-1]
    return sizes


def _init(module: torch.nn.Module, seed: int) -> None:
    g = torch.Generator().manual_seed(seed)
    for p in module.parameters():
        p.data = torch.randn(p.shape, generator=g) * 0.5


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(6))
def test_cached_chunks_equal_full_forward(kind, seed):
    rng = random.Random(seed * 100 + kind)
    heads = rng.choice([1, 2, 4])
    n_state = heads * rng.choice([2, 4, 8])
    width = rng.choice([8, 16])
    blocks = rng.choice([2, 3, 4, 6])
    bc = rng.choice([2, 3, 5, 8])
    n_ctx = blocks * bc
    prime_len = rng.randrange(1, n_ctx - blocks) if kind == PRIME else None
    if prime_len is not None and prime_key_count(prime_len, blocks) > n_ctx:
        prime_len = 1
    attn = FactoredAttention(width, n_state, heads, kind, n_ctx, blocks, prime_len)
    _init(attn, seed)
    B = rng.choice([1, 2, 3])
    L = rng.randrange(1, n_ctx + 1)
    x = torch.randn(B, L, width, generator=torch.Generator().manual_seed(seed))
    enc = torch.randn(B, rng.choice([3, 7]), width) if kind == CROSS else None

    with torch.no_grad():
        full = attn(x, 0, None, enc)
        naive = naive_attention(attn, x, enc)
        cache = attn.new_cache(B, torch.float32, torch.device("cpu"), enc)
        parts, start = [], 0
        for size in random_partition(L, rng):
            parts.append(attn(x[:, start:start + size], start, cache, enc))
            start += size
        cached = torch.cat(parts, dim=1)
    torch.testing.assert_close(full, naive, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(cached, full, rtol=1e-5, atol=1e-5)


def test_block_caches_hold_only_the_rows_they_need():
    n_ctx, blocks = 64, 8
    sizes = {k: FactoredAttention(8, 4, 1, k, n_ctx, blocks, 10 if k == PRIME else None).cache_slots
             for k in (DENSE, BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK, PRIME)}
    assert sizes == {DENSE: 64, BLOCK: 8, TRANSPOSE_BLOCK: 64, PREV_BLOCK: 16, PRIME: 16}


@pytest.mark.parametrize("attn_order,depth,prime_len", [(2, 6, None), (10, 20, None), (12, 16, 9), (0, 2, None)])
def test_transformer_one_token_at_a_time_equals_forward(attn_order, depth, prime_len):
    blocks, n_ctx = 4, 32
    cfg = TransformerConfig(width=16, depth=depth, heads=2, attn_order=attn_order, blocks=blocks)
    tr = Transformer(cfg, n_ctx, prime_len)
    _init(tr, attn_order)
    for p in tr.parameters():
        p.data *= 0.3
    x = torch.randn(2, n_ctx, 16)
    enc = torch.randn(2, 5, 16) if attn_order == 10 else None
    with torch.no_grad():
        full = tr(x, 0, None, enc)
        caches = tr.new_caches(2, torch.float32, torch.device("cpu"), enc)
        prime = 11  # mid-block
        out = [tr(x[:, :prime], 0, caches, enc)]
        out += [tr(x[:, t:t + 1], t, caches, enc) for t in range(prime, n_ctx)]
    torch.testing.assert_close(torch.cat(out, dim=1), full, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("seed", range(4))
def test_static_step_equals_full_forward(kind, seed):
    """The fixed-shape one-token step (the CUDA-graph path) after a prefill that ends mid-block."""
    rng = random.Random(1000 + seed * 10 + kind)
    blocks, bc, heads = rng.choice([2, 4, 6]), rng.choice([2, 3, 5]), rng.choice([1, 2])
    n_ctx, width = blocks * bc, 8
    prime_len = rng.randrange(1, n_ctx - blocks) if kind == PRIME else None
    if prime_len is not None and prime_key_count(prime_len, blocks) > n_ctx:
        prime_len = 1
    attn = FactoredAttention(width, 2 * heads, heads, kind, n_ctx, blocks, prime_len)
    _init(attn, seed)
    x = torch.randn(2, n_ctx, width, generator=torch.Generator().manual_seed(seed))
    enc = torch.randn(2, 4, width) if kind == CROSS else None
    prefill = rng.randrange(0, n_ctx)
    with torch.no_grad():
        full = attn(x, 0, None, enc)
        cache = attn.new_cache(2, torch.float32, torch.device("cpu"), enc)
        out = [attn(x[:, :prefill], 0, cache, enc)] if prefill else []
        pos = torch.tensor(prefill)
        for t in range(prefill, n_ctx):
            out.append(attn.step(x[:, t:t + 1], pos, cache))
            pos += 1
    torch.testing.assert_close(torch.cat(out, dim=1), full, rtol=1e-5, atol=1e-5)
