"""Converting checkpoints to safetensors in our key layout, and memory-mapped reading.

Each model part (VQ-VAE, each prior) becomes one ``.safetensors`` file with our (= the
original's) key names, in fp16 by default (the released 5b priors were trained and sampled in
fp16; fp32 is available and round-trips exactly). Files are written streaming, one tensor at a
time, so converting the 5.6B-parameter 5b_lyrics prior never holds it twice in RAM, and under a
temporary name renamed at the end, so an interrupted conversion never looks finished. Reading
maps the file into memory with ``UntypedStorage.from_file``: no tensor is copied until it is used.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

import torch

from jukebox_cli.checkpoints.hub_layout import hub_key_map, iter_shard, read_index
from jukebox_cli.checkpoints.original import read_original_checkpoint
from jukebox_cli.errors import CheckpointError
from jukebox_cli.files import atomic_write

_CODES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8",
          torch.bool: "BOOL"}
_DTYPES = {v: k for k, v in _CODES.items()}


def write_safetensors(path: str | Path, tensors: Mapping[str, torch.Tensor], dtype: torch.dtype | None = None,
                      metadata: Mapping[str, str] | None = None) -> Path:
    """Write ``tensors`` (floating ones cast to ``dtype``) as a safetensors file, one tensor at a time."""
    path = Path(path)
    target = {k: (dtype if dtype is not None and v.is_floating_point() else v.dtype) for k, v in tensors.items()}
    # Largest element size first keeps every tensor aligned for the zero-copy reader.
    order = sorted(tensors, key=lambda k: (-target[k].itemsize, k))
    header: dict[str, object] = {"__metadata__": dict(metadata or {})}
    offset = 0
    for k in order:
        nbytes = tensors[k].numel() * target[k].itemsize
        header[k] = {"dtype": _CODES[target[k]], "shape": list(tensors[k].shape), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    raw = json.dumps(header, separators=(",", ":")).encode()
    raw += b" " * (-len(raw) % 8)

    def write(f: BinaryIO) -> None:
        f.write(struct.pack("<Q", len(raw)) + raw)
        for k in order:
            t = tensors[k].detach().to("cpu", target[k]).contiguous()
            f.write(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")

    return atomic_write(path, write)


def read_safetensors(path: str | Path) -> dict[str, torch.Tensor]:
    """All tensors of a safetensors file, backed by a private memory map of it (copy-on-write)."""
    path = Path(path)
    size = path.stat().st_size
    try:
        with open(path, "rb") as f:
            (n,) = struct.unpack("<Q", f.read(8))
            header = json.loads(f.read(n))
    except (OSError, struct.error, ValueError) as e:
        raise CheckpointError(f"cannot read {path}: {e} (delete it and run `jukebox download` again)") from e
    header.pop("__metadata__", None)
    storage = torch.UntypedStorage.from_file(str(path), shared=False, nbytes=size)
    data = torch.empty(0, dtype=torch.uint8).set_(storage)
    out = {}
    for k, info in header.items():
        begin, end = (8 + n + o for o in info["data_offsets"])
        if end > size:
            raise CheckpointError(f"{path} is truncated (tensor {k} ends past the end of the file)")
        out[k] = data[begin:end].view(_DTYPES[info["dtype"]]).view(info["shape"])
    return out


def convert_original(src: str | Path, dst: str | Path, dtype: torch.dtype | None = torch.float16) -> Path:
    """Convert one original ``.pth.tar`` (read without code execution) to safetensors."""
    state = read_original_checkpoint(src)["model"]
    return write_safetensors(dst, state, dtype, {"format": "jukebox-cli", "source": Path(src).name})


def convert_hub(index_path: str | Path, parts: Mapping[str, tuple[list[str], Path]],
                dtype: torch.dtype | None = torch.float16) -> list[Path]:
    """Convert parts of a transformers-layout download to safetensors in our layout.

    ``parts`` maps a hub prefix (``vqvae.``, ``priors.0.``) to our key names for that part and the
    output path. Only the shards holding those parts are opened, memory-mapped.
    """
    index_path = Path(index_path)
    weight_map = read_index(index_path)
    maps = {prefix: hub_key_map(keys, prefix) for prefix, (keys, _) in parts.items()}
    owner = {h: prefix for prefix, m in maps.items() for h in m}
    missing = sorted(set(owner) - set(weight_map))
    if missing:
        raise CheckpointError(f"{index_path} lacks {len(missing)} tensors this model needs, e.g. {missing[:3]}")
    states: dict[str, dict[str, torch.Tensor]] = {prefix: {} for prefix in parts}
    for shard in sorted({weight_map[h] for h in owner}):
        for h, tensor in iter_shard(index_path.parent / shard):
            if h in owner:
                states[owner[h]][maps[owner[h]][h]] = tensor
    out = []
    for prefix, (_, dst) in parts.items():
        lacking = sorted(set(maps[prefix].values()) - set(states[prefix]))
        if lacking:
            raise CheckpointError(f"the hub shards of {index_path.parent} lack {lacking[:3]} (index and shards disagree)")
        out.append(write_safetensors(dst, states[prefix], dtype, {"format": "jukebox-cli", "source": "hub"}))
    return out
