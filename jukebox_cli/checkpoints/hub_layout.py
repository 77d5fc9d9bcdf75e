"""The Hugging Face (transformers) layout of the Jukebox weights, and its mapping to ours.

The hub repositories ``openai/jukebox-5b-lyrics`` and ``openai/jukebox-1b-lyrics`` hold one
``JukeboxModel.state_dict()`` split into ``pytorch_model-*.bin`` shards, listed by
``pytorch_model.bin.index.json``. transformers renamed the original keys (``x_emb`` ->
``embed_tokens``, the VQ-VAE's nested ``model.i.j`` -> flat ``downsample_block.(2i+j)`` ...) and
numbers the priors from the top (``priors.0`` is our level 2). The tensors themselves are
unchanged: its ``JukeboxConv1D`` keeps the original ``(in, out)`` weight layout and nothing is
split or fused, so the mapping is a pure renaming (the tests check every shape against the real
key lists). Our modules use the original names, so weights from the hub are renamed back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import torch

from jukebox_cli.errors import CheckpointError

INDEX_FILE = "pytorch_model.bin.index.json"
_P = r"(weight|bias)"
_CONV = {"1": "1", "3": "2"}  # a residual block's two convolutions: model.1 and model.3


def _resnet(stack: str, offset: int) -> Callable[[re.Match[str]], str]:
    """Rename ``model.i.j.model.k.model.c`` (a resnet inside a down/up-sampling stack) to a flat index."""
    def rename(m: re.Match[str]) -> str:
        head, i, j, k, c, p = m.groups()
        return f"{head}.{stack}.{2 * int(i) + int(j) + offset}.resnet_block.{k}.conv1d_{_CONV[c]}.{p}"
    return rename


def _conv(stack: str, offset: int) -> Callable[[re.Match[str]], str]:
    def rename(m: re.Match[str]) -> str:
        head, i, j, p = m.groups()
        return f"{head}.{stack}.{2 * int(i) + int(j) + offset}.{p}"
    return rename


_ENC, _DEC = r"(encoders\.\d+\.level_blocks\.\d+)", r"(decoders\.\d+\.level_blocks\.\d+)"
_COND = r"(conditioner_blocks)\.0\.cond"
_RES = r"\.model\.(\d+)\.(\d+)\.(?:model|blocks)\.(\d+)\.model\.([13])\." + _P
# Structural renames of the convolutional stacks: the first full match wins.
_STACKS: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(_ENC + _RES), _resnet("downsample_block", 0)),
    (re.compile(_ENC + r"\.model\.(\d+)\.(\d+)\." + _P), _conv("downsample_block", 0)),
    (re.compile(_ENC + r"\.model\.\d+\." + _P), lambda m: f"{m[1]}.proj_out.{m[2]}"),
    (re.compile(_DEC + _RES), _resnet("upsample_block", -2)),
    (re.compile(_DEC + r"\.model\.(\d+)\.(\d+)\." + _P), _conv("upsample_block", -2)),
    (re.compile(_DEC + r"\.model\.\d+\." + _P), lambda m: f"{m[1]}.proj_in.{m[2]}"),
    (re.compile(_COND + _RES), lambda m: _resnet("upsampler.upsample_block", -2)(m)),
    (re.compile(_COND + r"\.model\.(\d+)\.(\d+)\." + _P), _conv("upsampler.upsample_block", -2)),
    (re.compile(_COND + r"\.model\.\d+\." + _P), lambda m: f"{m[1]}.upsampler.proj_in.{m[2]}"),
]
# Name renames applied in order to whatever the stacks left.
_NAMES: list[tuple[re.Pattern[str], str]] = [(re.compile(a), b) for a, b in [
    (r"^conditioner_blocks\.0\.x_emb\.", "conditioner_blocks.embed_tokens."),
    (r"^conditioner_blocks\.0\.ln\.", "conditioner_blocks.layer_norm."),
    (r"\.k$", ".codebook"),
    (r"^y_emb\.(bow_genre_emb|artist_emb)\.emb\.", r"metadata_embedding.\1."),
    (r"^y_emb\.", "metadata_embedding."),
    (r"^prime_prior\.", "encoder."),
    (r"^prime_state_proj\.", "encoder.proj_in."),
    (r"^prime_state_ln\.", "encoder.final_layer_norm."),
    (r"^prime_x_out\.", "encoder.lm_head."),
    (r"\.x_emb\.", ".embed_tokens."),
    (r"^prior\.x_out\.", "prior.fc_proj_out."),
    (r"\.ln_(\d)\.", r".layer_norm_\1."),
    (r"\.w$", ".weight"),
    (r"\.b$", ".bias"),
]]


def part_prefix(level: int | None, top_level: int) -> str:
    """The hub prefix of one part: ``vqvae.`` or ``priors.<top_level - level>.`` (hub priors count from the top)."""
    return "vqvae." if level is None else f"priors.{top_level - level}."


def hub_key(original_key: str, prefix: str) -> str:
    """The hub name of one of our (= the original's) state-dict keys of the part at ``prefix``."""
    for pattern, rename in _STACKS:
        m = pattern.fullmatch(original_key)
        if m:
            return prefix + rename(m)
    key = original_key
    for pattern, repl in _NAMES:
        key = pattern.sub(repl, key)
    return prefix + key


def hub_key_map(original_keys: Iterable[str], prefix: str) -> dict[str, str]:
    """``{hub key: original key}`` for one part; an error if two keys would collide (a mapping bug)."""
    out: dict[str, str] = {}
    for k in original_keys:
        h = hub_key(k, prefix)
        if h in out:
            raise CheckpointError(f"hub key mapping collides: {out[h]!r} and {k!r} both map to {h!r}")
        out[h] = k
    return out


def read_index(index_path: str | Path) -> dict[str, str]:
    """``{hub key: shard file name}`` from ``pytorch_model.bin.index.json``."""
    try:
        return dict(json.loads(Path(index_path).read_text())["weight_map"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise CheckpointError(f"cannot read the hub index {index_path}: {e}") from e


def iter_shard(path: str | Path) -> Iterator[tuple[str, torch.Tensor]]:
    """The tensors of one hub shard, memory-mapped and unpickled with the restricted (weights-only) loader."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception as e:  # noqa: BLE001 - any unpickling failure means a bad file; name it
        raise CheckpointError(f"cannot read hub shard {path}: {e.__class__.__name__}: {str(e)[:300]} "
                              "(truncated or corrupted download? delete it and download again)") from e
    if not isinstance(state, dict):
        raise CheckpointError(f"{path} is not a state-dict shard")
    yield from state.items()
