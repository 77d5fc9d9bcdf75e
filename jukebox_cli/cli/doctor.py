"""``jukebox doctor``: what this machine has (device, free memory, models) and what `sample` would pick."""

from pathlib import Path
from typing import Annotated, Optional

import torch
import typer
from rich.console import Console
from rich.table import Table

from jukebox_cli.checkpoints.store import default_models_dir, missing_ids, model_parts, part_status
from jukebox_cli.cli.options import Model, ModelsDir
from jukebox_cli.config import available_models, load_config
from jukebox_cli.memory import GB, free_memory, pick_preset
from jukebox_cli.runs.request import resolve_device


def doctor(model: Model = None, models_dir: ModelsDir = None,
           device: Annotated[Optional[str], typer.Option("--device", help="Device to check (default: cuda if "
                                                         "present).", show_default=False)] = None) -> None:
    """Show the device, its free memory, which models are downloaded, and the settings `sample` would use."""
    console = Console(highlight=False)
    dev = resolve_device(device)
    console.print(f"torch {torch.__version__}, device {dev}")
    if dev.type == "cuda":
        props = torch.cuda.get_device_properties(dev)
        console.print(f"GPU: {props.name}, {props.total_memory / GB:.1f} GiB total, "
                      f"{(free_memory(dev) or 0) / GB:.1f} GiB free")
    else:
        console.print("no GPU in use: sampling runs in fp32 on the CPU (very slow for the real models)")
    root = Path(models_dir) if models_dir else default_models_dir()
    console.print(f"models directory: {root}")
    table = Table("model", "files", "missing")
    for name in available_models():
        parts = model_parts(load_config(name))
        missing = [p.checkpoint for p in parts if part_status(root, p) is None]
        table.add_row(name, f"{len(parts) - len(missing)}/{len(parts)}", ", ".join(missing) or "-")
    console.print(table)
    ids = missing_ids(root / "ids")
    console.print(f"id tables: {'all present' if not ids else 'missing ' + ', '.join(ids)}")
    cfg = load_config(model or "5b_lyrics")
    preset = pick_preset(dev)
    console.print(f"memory preset for {cfg.name}: {preset.name} (fp16 {'on' if preset.fp16 else 'off'})")
    for level, mem in sorted(preset.levels(cfg).items(), reverse=True):
        console.print(f"  level {level}: --max-batch-size {mem.max_batch_size}, --chunk-size {mem.chunk_size}")
