"""``jukebox bench``: decoding speed of each level against the GPU's memory-bandwidth limit."""

from typing import Annotated, Optional

import torch
import typer
from rich.console import Console
from rich.table import Table

from jukebox_cli.bench import BenchResult, bench_level, copy_bandwidth
from jukebox_cli.config import load_config
from jukebox_cli.errors import UserError
from jukebox_cli.models.jukebox import default_device

DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16, "fp32": torch.float32}


def bench(
    model: Annotated[str, typer.Option("--model", "-m", help="Preset name or YAML path.")] = "5b_lyrics",
    level: Annotated[str, typer.Option(help="Level to time (0, 1, 2) or 'all' for the whole pipeline.")] = "all",
    n_samples: Annotated[int, typer.Option("--n-samples", help="Samples decoded together (batch).")] = 3,
    steps: Annotated[int, typer.Option(help="Timed decoding steps per level and engine.")] = 64,
    random_weights: Annotated[bool, typer.Option("--random-weights/--no-random-weights",
                                                 help="Random weights of the real sizes (no download).")] = True,
    depth: Annotated[Optional[int], typer.Option(help="Use this many layers (a CPU-sized model); default: real depth.")] = None,
    device: Annotated[Optional[str], typer.Option(help="cuda or cpu (default: cuda if available).")] = None,
    dtype: Annotated[Optional[str], typer.Option(help="fp16, bf16 or fp32 (default: fp16 on GPU, fp32 on CPU).")] = None,
    reference: Annotated[bool, typer.Option("--reference/--no-reference",
                                            help="Also time the reference engine and print the speed-up.")] = True,
) -> None:
    """Time the one-token decoding step per level: ms/token, tokens/s, GB/s against the measured copy
    bandwidth, peak memory, and seconds per minute of audio; with the reference engine's speed-up."""
    if not random_weights:
        raise UserError("bench measures speed only, which random weights of the real sizes give exactly; "
                        "run it with --random-weights")
    cfg = load_config(model)
    dev = torch.device(device) if device else default_device()
    if dtype is not None and dtype not in DTYPES:
        raise UserError(f"unknown dtype {dtype!r}; valid: {', '.join(DTYPES)}")
    dt = DTYPES[dtype] if dtype else (torch.float16 if dev.type == "cuda" else torch.float32)
    levels = [p.level for p in cfg.priors] if level == "all" else [int(level)] if level.isdigit() else []
    if not levels or any(lv not in range(len(cfg.priors)) for lv in levels):
        raise UserError(f"unknown level {level!r}; valid: all, " + ", ".join(str(p.level) for p in cfg.priors))
    if n_samples < 1 or steps < 1:
        raise UserError("--n-samples and --steps must be at least 1")
    console = Console()
    gbps = copy_bandwidth(dev)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "CPU"
    console.print(f"{cfg.name}: {name}, {str(dt).replace('torch.', '')}, batch {n_samples}, copy bandwidth {gbps:.0f} GB/s"
                  + (f", depth reduced to {depth}" if depth else ""))
    engines = ("fast", "reference") if reference else ("fast",)
    results: list[BenchResult] = []
    for lv in sorted(levels, reverse=True):
        results += bench_level(cfg, lv, n_samples, steps, dev, dt, depth, engines, copy_gbps=gbps)
    console.print(_table(results))
    fast = [r for r in results if r.engine == "fast"]
    if len(fast) == len(cfg.priors):
        console.print(f"whole pipeline (decode steps): {sum(r.seconds_per_audio_minute for r in fast):.0f} s "
                      "per minute of audio for the batch")


def _table(results: list[BenchResult]) -> Table:
    table = Table("level", "engine", "ms/token", "tokens/s", "GB/s", "of limit", "peak mem", "s / audio min", "speed-up")
    by_level = {(r.level, r.engine): r for r in results}
    for r in results:
        ref = by_level.get((r.level, "reference"))
        speedup = f"{ref.ms_per_step / r.ms_per_step:.1f}x" if ref and r.engine == "fast" else ""
        mem = f"{r.peak_mem_bytes / 2**30:.1f} GiB" if r.peak_mem_bytes is not None else "-"
        table.add_row(str(r.level), r.engine, f"{r.ms_per_step:.2f}", f"{r.tokens_per_s:.0f}", f"{r.achieved_gbps:.0f}",
                      f"{r.fraction_of_limit:.0%}", mem, f"{r.seconds_per_audio_minute:.0f}", speedup)
    return table
