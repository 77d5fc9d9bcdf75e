"""Safetensors conversion: exact fp32 round trip, fp16 on request, memory-mapped and preferred on load."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from reference import TINY_MODELS, golden, tiny_preset

from jukebox_cli.checkpoints.convert import convert_original, read_safetensors, write_safetensors
from jukebox_cli.checkpoints.original import read_original_checkpoint
from jukebox_cli.checkpoints.store import converted_path, load_part_state
from jukebox_cli.config import load_config
from jukebox_cli.errors import CheckpointError
from jukebox_cli.models.build import load_prior
from jukebox_cli.models.vqvae import load_vqvae

TOP = "5b_lyrics/prior_level_2.pth.tar"


def test_fp32_conversion_round_trips_exactly(tmp_path):
    original = read_original_checkpoint(TINY_MODELS / TOP)["model"]
    back = read_safetensors(convert_original(TINY_MODELS / TOP, tmp_path / "p.safetensors", torch.float32))
    assert back.keys() == original.keys()
    for k, v in original.items():
        assert back[k].dtype == (torch.float32 if v.is_floating_point() else v.dtype)
        assert torch.equal(back[k], v.float() if v.is_floating_point() else v), k


def test_fp16_conversion_and_mixed_dtypes(tmp_path):
    tensors = {"a": torch.randn(3, 5), "i": torch.arange(7), "h": torch.randn(3).half(), "e": torch.zeros(0)}
    back = read_safetensors(write_safetensors(tmp_path / "t.safetensors", tensors, torch.float16))
    assert back["a"].dtype == torch.float16 and torch.equal(back["a"], tensors["a"].half())
    assert back["i"].dtype == torch.int64 and torch.equal(back["i"], tensors["i"])
    assert back["e"].shape == (0,)


def test_reading_is_memory_mapped_and_truncation_is_an_error(tmp_path):
    path = write_safetensors(tmp_path / "t.safetensors", {"x": torch.ones(1000)})
    x = read_safetensors(path)["x"]
    maps = Path("/proc/self/maps")
    if maps.exists():
        assert str(path) in maps.read_text()  # backed by a mapping of the file, not a heap copy
    assert torch.equal(x, torch.ones(1000))
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(CheckpointError, match="truncated"):
        read_safetensors(path)


def test_converted_files_are_preferred_and_give_the_golden_logits(tmp_path):
    cfg = load_config(tiny_preset("tiny_1b_lyrics"))
    for ckpt in (cfg.vqvae.checkpoint, cfg.prior(2).checkpoint):
        convert_original(TINY_MODELS / ckpt, converted_path(tmp_path, ckpt), torch.float32)
    _, source = load_part_state(tmp_path, cfg.prior(2).checkpoint, "cpu", torch.float32)
    assert source.endswith(".safetensors")
    g, role = golden(), "prior_1b_lyrics"
    with torch.no_grad():
        logits = load_prior(cfg, 2, tmp_path)(torch.from_numpy(g[f"forward/{role}/z"]),
                                              torch.from_numpy(g[f"forward/{role}/y"]), None)
    np.testing.assert_array_equal(logits.numpy(), load_prior(cfg, 2, TINY_MODELS)(
        torch.from_numpy(g[f"forward/{role}/z"]), torch.from_numpy(g[f"forward/{role}/y"]), None).detach().numpy())
    vq = load_vqvae(cfg.vqvae, tmp_path)
    ref = load_vqvae(cfg.vqvae, TINY_MODELS)
    assert all(torch.equal(a, b) for a, b in zip(vq.state_dict().values(), ref.state_dict().values()))
