"""``jukebox download MODEL``: fetch a model's weights and id tables, then convert them."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import torch
import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TransferSpeedColumn

from jukebox_cli.checkpoints.install import download_model
from jukebox_cli.checkpoints.store import default_models_dir
from jukebox_cli.errors import ConfigError

DTYPES = {"float16": torch.float16, "float32": torch.float32}
_RELEASED = ("5b", "5b_lyrics", "1b_lyrics")


def download_command(
    model: str = typer.Argument(..., help="5b, 5b_lyrics, 1b_lyrics, all, or a preset .yaml path"),
    models_dir: Optional[Path] = typer.Option(None, "--models-dir", help="Where models are kept "
                                              "[default: $JUKEBOX_MODELS_DIR or <HF_HOME>/jukebox-cli/models]"),
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Hugging Face hub cache [default: HF's]"),
    source: str = typer.Option("auto", "--from", help="auto, hub, original, a local directory or a mirror URL"),
    dtype: str = typer.Option("float16", "--dtype", help="float16 (half the disk, GPU sampling) or float32"),
    keep_original: bool = typer.Option(False, "--keep-original", help="Keep original .pth.tar files after converting"),
) -> None:
    """Download every file a model needs (resumable, verified) and convert it to safetensors."""
    if dtype not in DTYPES:
        raise ConfigError(f"--dtype must be one of {', '.join(DTYPES)}, got {dtype!r}")
    names = list(_RELEASED) if model == "all" else [model]
    target = models_dir or default_models_dir()
    console = Console(stderr=True)
    columns = ("[progress.description]{task.description}", BarColumn(), DownloadColumn(), TransferSpeedColumn())
    with Progress(*columns, console=console, transient=True) as bars:
        tasks: dict[str, int] = {}

        def progress(label: str, done: int, total: int | None) -> None:
            if label not in tasks:
                tasks[label] = bars.add_task(label.rsplit("/", 1)[-1], total=total)
            bars.update(tasks[label], completed=done, total=total)

        for name in names:
            done = download_model(name, target, source, cache_dir, DTYPES[dtype], keep_original, progress,
                                  log=console.print)
            console.print(f"{name}: ready in {target}" + (f" ({len(done)} steps)" if done else " (already complete)"))
