"""The one-token decoding loop with static buffers: the speed-critical part of sampling.

Everything a step touches is preallocated (the token buffer, the caches, the position held in a
0-d device tensor), every shape is fixed, and nothing is read back to the host. So on a GPU the
step is captured once in a CUDA graph and replayed for every token, removing the per-kernel launch
overhead that bounds the original (one Python-driven launch per small op). On the CPU the same
step runs eagerly: the graph-free fallback, which CI tests.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable

import torch

from jukebox_cli.models.attention import LayerCache
from jukebox_cli.models.prior import Conditioning, Prior
from jukebox_cli.sampling.noise import NoiseStream
from jukebox_cli.sampling.draw import TokenSampling, draw

WARMUP_STEPS = 3  # eager steps before capture (CUDA requires warm-up launches outside the graph)


class DecodeLoop:
    """Samples tokens ``tokens[:, pos]`` for pos = start, start + 1, ... in place."""

    def __init__(self, prior: Prior, cond: Conditioning, tokens: torch.Tensor, caches: list[LayerCache],
                 params: TokenSampling, noise: NoiseStream, first_position: int, dtype: torch.dtype,
                 use_graph: bool | None = None):
        self.model, self.cond, self.tokens, self.caches = prior.prior, cond, tokens, caches
        self.params, self.noise, self.dtype = params, noise, dtype
        self.first_position = first_position
        device = tokens.device
        self.pos = torch.zeros((), dtype=torch.long, device=device)
        self.start_emb = self.model.start_embedding(tokens.shape[0], cond.y_cond)
        if use_graph is None:  # JUKEBOX_CUDA_GRAPHS=0 turns capture off (e.g. to debug a GPU problem)
            use_graph = device.type == "cuda" and os.environ.get("JUKEBOX_CUDA_GRAPHS", "1") != "0"
        self.use_graph = use_graph
        self.graph: torch.cuda.CUDAGraph | None = None

    def _cond_at(self) -> torch.Tensor:
        x_cond = self.cond.x_cond
        return x_cond if x_cond.shape[1] == 1 else x_cond.index_select(1, self.pos.view(1))

    def _step(self) -> None:
        m, pos = self.model, self.pos
        prev = self.tokens.index_select(1, (pos - 1).clamp(min=0).view(1))  # (N, 1)
        x = torch.where(pos == 0, self.start_emb, m.x_emb(prev))  # (N, 1, W)
        cond = self._cond_at()
        x = x + m.pos_emb.pos_emb.index_select(0, pos.view(1)) + cond
        h = m.transformer.step(x.to(self.dtype), pos, self.caches)
        if m.add_cond_after:
            h = h + cond
        logits = m.x_out(h)[:, 0]  # (N, bins)
        noise = self.noise.gumbel((self.first_position + pos).view(1))[:, 0]
        self.tokens.index_copy_(1, pos.view(1), draw(logits, self.params, noise).view(-1, 1))
        pos.add_(1)

    @torch.no_grad()
    def run(self, start: int, end: int, on_token: Callable[[int], None] | None = None) -> None:
        """Sample positions [start, end)."""
        self.pos.fill_(start)
        n = self.tokens.shape[0]
        for i in range(end - start):
            if self.use_graph and self.graph is None and i == WARMUP_STEPS and end - start - i > 1:
                self._capture()
            if self.graph is not None:
                self.graph.replay()
            else:
                self._step()
            if on_token is not None:
                on_token(n)

    def _capture(self) -> None:
        """Record one step into a CUDA graph (recording runs nothing; replays do the work).

        If capture fails (an op that cannot be captured on this PyTorch/driver), the loop goes on
        with eager steps: slower, never a lost run. Recording does not touch the buffers, so the
        state is as before the attempt.
        """
        torch.cuda.synchronize()
        graph = torch.cuda.CUDAGraph()
        try:
            with torch.cuda.graph(graph):
                self._step()
        except RuntimeError as e:
            warnings.warn(f"CUDA graph capture failed, decoding without it (slower): {e}", RuntimeWarning)
            self.use_graph = False
            torch.cuda.synchronize()
            return
        self.graph = graph


class ReferenceLoop:
    """The same sampling computed step by step through the general chunked attention path.

    It recomputes key positions and masks on the host for every step and reads only the cache
    slots each step needs; it is the straightforward baseline that ``jukebox bench`` compares the
    fast loop against (and a cross-check in the tests), not what ``sample`` uses.
    """

    def __init__(self, prior: Prior, cond: Conditioning, tokens: torch.Tensor, caches: list[LayerCache],
                 params: TokenSampling, noise: NoiseStream, first_position: int, dtype: torch.dtype):
        self.model, self.cond, self.tokens, self.caches = prior.prior, cond, tokens, caches
        self.params, self.noise, self.dtype, self.first_position = params, noise, dtype, first_position

    @torch.no_grad()
    def run(self, start: int, end: int, on_token: Callable[[int], None] | None = None) -> None:
        m, cond, tokens = self.model, self.cond, self.tokens
        for t in range(start, end):
            h = m.hidden(m.embed(tokens, t, t + 1, cond.x_cond, cond.y_cond), t, self.caches, dtype=self.dtype)
            logits = m.logits(h, cond.x_cond, t, t + 1)[:, 0]  # (N, bins)
            pos = torch.tensor([self.first_position + t], device=tokens.device)
            tokens[:, t] = draw(logits, self.params, self.noise.gumbel(pos)[:, 0])
            if on_token is not None:
                on_token(tokens.shape[0])
