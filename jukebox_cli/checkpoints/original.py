"""Reading OpenAI's original ``.pth.tar`` checkpoints without executing pickled code.

The released files are ``{'hps': dict, 'model': state_dict, 'step': int}`` written by ``torch.save``
in the legacy (non-zip) format, some with a ``module.`` prefix left by DistributedDataParallel.
``torch.load(weights_only=True)`` unpickles them with PyTorch's restricted unpickler, which only
rebuilds tensors and plain containers: a tampered file cannot run code on the user's machine.
"""

from __future__ import annotations

import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from jukebox_cli.checkpoints.integrity import looks_like_html
from jukebox_cli.errors import CheckpointError


def read_original_checkpoint(path: str | Path) -> dict[str, Any]:
    """Load ``{'hps', 'model', 'step'}`` from an original checkpoint, tensors on the CPU.

    The state dict has any ``module.`` prefix removed. Raises :class:`CheckpointError` naming the
    file for a missing, truncated, HTML (a failed download saved as a page) or non-checkpoint file.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint file not found: {path}")
    if looks_like_html(path):
        raise CheckpointError(f"{path} is an HTML/XML page, not a checkpoint (a failed download?); delete it and download again")
    try:
        ckpt = torch.load(path, map_location="cpu", weights_only=True, mmap=False)
    except (pickle.UnpicklingError, RuntimeError, EOFError, zipfile.BadZipFile, ValueError) as e:
        raise CheckpointError(f"cannot read checkpoint {path}: {e.__class__.__name__}: {str(e)[:300]} "
                              "(truncated or corrupted download? delete it and download again)") from e
    if not isinstance(ckpt, dict) or "model" not in ckpt or not isinstance(ckpt["model"], dict):
        raise CheckpointError(f"{path} is not a Jukebox checkpoint (expected a dict with a 'model' state dict)")
    state = {(k[len("module."):] if k.startswith("module.") else k): v for k, v in ckpt["model"].items()}
    return {"hps": ckpt.get("hps", {}), "model": state, "step": ckpt.get("step", 0)}
