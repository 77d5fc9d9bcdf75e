"""Decoding speed against the hardware limit, on random weights of the real model sizes.

A decoding step must read every weight of the prior once, so ``weight bytes / copy bandwidth`` is
the physical floor of a step (for a batch of a few samples the arithmetic is negligible next to
it). The benchmark times a fixed number of steps of the fast loop and of the reference loop on the
same model, caches and positions, and reports achieved bandwidth and the extrapolated time per
minute of audio. No download is needed: weights are random, which does not change the cost.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import torch

from jukebox_cli.config import ModelConfig
from jukebox_cli.models.build import build_prior
from jukebox_cli.models.layers import cast_matmul_weights
from jukebox_cli.models.prior import Conditioning, Prior
from jukebox_cli.sampling.decode import DecodeLoop, ReferenceLoop
from jukebox_cli.sampling.draw import TokenSampling
from jukebox_cli.sampling.noise import NoiseKey


@dataclass(frozen=True)
class BenchResult:
    level: int
    engine: str
    n_samples: int
    steps: int
    ms_per_step: float
    weight_bytes: int
    copy_gbps: float
    peak_mem_bytes: int | None
    audio_seconds_per_step: float  # audio produced per step, per sample

    @property
    def tokens_per_s(self) -> float:
        return self.n_samples * 1000.0 / self.ms_per_step

    @property
    def achieved_gbps(self) -> float:
        return self.weight_bytes / (self.ms_per_step / 1000.0) / 1e9

    @property
    def fraction_of_limit(self) -> float:
        return self.achieved_gbps / self.copy_gbps

    @property
    def seconds_per_audio_minute(self) -> float:
        """Decode time for one minute of audio (all samples of the batch at once)."""
        return 60.0 / self.audio_seconds_per_step * self.ms_per_step / 1000.0


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def copy_bandwidth(device: torch.device, nbytes: int = 1 << 30) -> float:
    """Measured device copy bandwidth in GB/s (bytes read + written per second)."""
    n = nbytes // 4 if device.type == "cuda" else nbytes // 16
    src = torch.empty(n, dtype=torch.float32, device=device).fill_(1.0)
    dst = torch.empty_like(src)
    dst.copy_(src)
    _sync(device)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        dst.copy_(src)
        _sync(device)
        best = min(best, time.perf_counter() - t0)
    return 2 * src.numel() * 4 / best / 1e9


def random_prior(cfg: ModelConfig, level: int, device: torch.device, dtype: torch.dtype,
                 depth: int | None = None) -> tuple[Prior, ModelConfig]:
    """The level's prior at its real width with random weights (``depth`` layers if given)."""
    if depth is not None:
        pcfg = cfg.prior(level)
        pcfg = dataclasses.replace(pcfg, transformer=dataclasses.replace(pcfg.transformer, depth=depth))
        cfg = dataclasses.replace(cfg, priors=tuple(pcfg if p.level == level else p for p in cfg.priors))
    prior = build_prior(cfg, level).to_empty(device=device)
    g = torch.Generator(device=device).manual_seed(0)
    with torch.no_grad():
        for name, p in prior.named_parameters():
            if p.dim() >= 2:
                p.normal_(0.0, 0.02, generator=g)
            else:
                p.fill_(1.0 if name.endswith("weight") else 0.0)  # layer norms: identity
    cast_matmul_weights(prior.prior.transformer, dtype)
    return prior.eval().requires_grad_(False), cfg


def step_weight_bytes(prior: Prior) -> int:
    """Bytes a decoding step must read: the transformer's weights and the output layer."""
    t = prior.prior
    params = list(t.transformer.parameters()) + [t.x_out.weight]
    seen, total = set(), 0
    for p in params:
        if id(p) not in seen:
            seen.add(id(p))
            total += p.numel() * p.element_size()
    return total


def _random_conditioning(prior: Prior, n: int, device: torch.device, dtype: torch.dtype) -> Conditioning:
    w = prior.cfg.transformer.width
    g = torch.Generator(device=device).manual_seed(1)
    x_cond = torch.randn(n, prior.seq_len, w, device=device, generator=g)
    y_cond = torch.randn(n, 1, w, device=device, generator=g)
    enc = torch.randn(n, prior.n_tokens, w, device=device, generator=g) if hasattr(prior, "prime_prior") else None
    return Conditioning(x_cond, y_cond, enc, None)


@torch.no_grad()
def bench_level(cfg: ModelConfig, level: int, n_samples: int, steps: int, device: torch.device,
                dtype: torch.dtype, depth: int | None = None, engines: tuple[str, ...] = ("fast", "reference"),
                warmup: int = 5, copy_gbps: float | None = None) -> list[BenchResult]:
    """Time ``steps`` decoding steps of each engine at the end of a full context."""
    prior, cfg = random_prior(cfg, level, device, dtype, depth)
    copy_gbps = copy_gbps or copy_bandwidth(device)
    cond = _random_conditioning(prior, n_samples, device, dtype)
    noise = NoiseKey(0, level).stream(torch.arange(n_samples, device=device), prior.prior.bins)
    audio_per_step = cfg.raw_to_tokens(level) / cfg.sample_rate
    start = prior.seq_len - steps - warmup  # late in the window: the longest attention spans
    results = []
    for engine in engines:
        caches = prior.new_caches(n_samples, dtype, device, cond)
        for c in caches:
            c.k.normal_()
            c.v.normal_()
        tokens = torch.randint(0, prior.l_bins, (n_samples, prior.seq_len), device=device)
        loop_cls = DecodeLoop if engine == "fast" else ReferenceLoop
        loop = loop_cls(prior, cond, tokens, caches, TokenSampling(0.99), noise, 0, dtype)
        if device.type == "cuda":
            torch.cuda.reset_peak_memory_stats(device)
        loop.run(start, start + warmup)
        _sync(device)
        t0 = time.perf_counter()
        loop.run(start + warmup, start + warmup + steps)
        _sync(device)
        ms = (time.perf_counter() - t0) * 1000.0 / steps
        peak = torch.cuda.max_memory_allocated(device) if device.type == "cuda" else None
        results.append(BenchResult(level, engine, n_samples, steps, ms, step_weight_bytes(prior), copy_gbps, peak,
                                   audio_per_step))
    del prior
    if device.type == "cuda":
        torch.cuda.empty_cache()
    return results
