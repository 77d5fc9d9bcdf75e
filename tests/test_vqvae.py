"""The VQ-VAE codec against the original implementation: outputs, state-dict layout, strict loading."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import torch

from jukebox_cli.checkpoints.original import read_original_checkpoint
from jukebox_cli.checkpoints.state_dict import load_state_dict_strict
from jukebox_cli.config import load_config
from jukebox_cli.errors import CheckpointError
from jukebox_cli.models.conv import DecoderConvBlock
from jukebox_cli.models.vqvae import VQVAE, load_vqvae

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
TINY = SHARED / "reference" / "tiny"
MODELS_DIR = TINY / "models"
MANIFEST = SHARED / "reference" / "openai_state_dict_manifest.json"
TINY_PRESET = REPO / "tests" / "presets" / "tiny_5b.yaml"


@lru_cache(maxsize=None)
def _golden() -> dict[str, np.ndarray]:
    with np.load(TINY / "golden.npz") as g:
        return {k: g[k] for k in g.files if k.startswith("vqvae/")}


@lru_cache(maxsize=None)
def _manifest() -> dict:
    return json.loads(MANIFEST.read_text())


@lru_cache(maxsize=None)
def _tiny_vqvae() -> VQVAE:
    return load_vqvae(load_config(TINY_PRESET).vqvae, MODELS_DIR)


def _shapes(module: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in module.state_dict().items()}


def _manifest_shapes(role: str, prefix: str = "") -> dict[str, tuple[int, ...]]:
    return {k[len(prefix):]: tuple(shape) for k, (shape, _dtype) in _manifest()[role].items() if k.startswith(prefix)}


# ---------------------------------------------------------------------------------------------
# Equivalence with the original on the tiny random-weight model


def test_loaded_model_is_frozen_fp32_eval():
    model = _tiny_vqvae()
    assert not model.training
    assert all(not p.requires_grad for p in model.parameters())
    assert all(t.dtype == torch.float32 and t.device.type == "cpu" for t in model.state_dict().values())
    assert model.hop_lengths == (8, 32, 128)


def test_encode_matches_original_codes_exactly():
    g = _golden()
    with torch.no_grad():
        zs = _tiny_vqvae().encode(torch.from_numpy(g["vqvae/x"]))
    assert len(zs) == 3
    for level, z in enumerate(zs):
        assert z.dtype == torch.int64
        np.testing.assert_array_equal(z.numpy(), g[f"vqvae/z{level}"], err_msg=f"level {level}")


def test_encode_level_range_equals_slice_of_all_levels():
    g = _golden()
    x = torch.from_numpy(g["vqvae/x"])
    with torch.no_grad():
        top = _tiny_vqvae().encode(x, start_level=2)
        middle = _tiny_vqvae().encode(x, start_level=1, end_level=2)
    assert len(top) == 1 and len(middle) == 1
    np.testing.assert_array_equal(top[0].numpy(), g["vqvae/z2"])
    np.testing.assert_array_equal(middle[0].numpy(), g["vqvae/z1"])


@pytest.mark.parametrize("level", [0, 1, 2])
def test_decode_matches_original_audio(level):
    g = _golden()
    z = torch.from_numpy(g[f"vqvae/z{level}"])
    with torch.no_grad():
        audio = _tiny_vqvae().decode(z, level)
    expected = g[f"vqvae/decoded_from_level{level}"]
    assert tuple(audio.shape) == expected.shape == (z.shape[0], z.shape[1] * (8, 32, 128)[level], 1)
    np.testing.assert_allclose(audio.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_encode_accepts_lengths_that_are_not_a_multiple_of_the_hop():
    x = torch.from_numpy(_golden()["vqvae/x"][:, :1000])
    with torch.no_grad():
        zs = _tiny_vqvae().encode(x)
    assert [tuple(z.shape) for z in zs] == [(2, 125), (2, 31), (2, 7)]


def test_bad_inputs_are_rejected():
    model = _tiny_vqvae()
    with pytest.raises(ValueError, match=r"\(N, T, 1\)"):
        model.encode(torch.zeros(2, 1024))
    with pytest.raises(ValueError, match="start_level"):
        model.encode(torch.zeros(1, 1024, 1), start_level=2, end_level=2)
    with pytest.raises(ValueError, match="shorter"):
        model.encode(torch.zeros(1, 64, 1))
    with pytest.raises(ValueError, match="0..63"):
        model.decode(torch.full((1, 4), 64), level=0)
    with pytest.raises(ValueError, match="level"):
        model.decode(torch.zeros(1, 4, dtype=torch.long), level=3)
    with pytest.raises(ValueError, match="integer codes"):
        model.decode(torch.zeros(1, 4), level=0)


def test_quantiser_breaks_ties_towards_the_lowest_index():
    model = VQVAE(load_config(TINY_PRESET).vqvae)
    codebook = model.bottleneck.level_blocks[0]
    emb = codebook.k.shape[1]
    with torch.no_grad():
        codebook.k.zero_()
        codebook.k[5] = 1.0
        codebook.k[9] = 1.0  # identical to code 5
        codebook.k[3] = -1.0
    x = torch.zeros(1, emb, 3)  # (N, C, T)
    x[0, :, 0] = 1.0  # equidistant from codes 5 and 9
    x[0, :, 1] = 0.0  # exactly every zero code: 0, 1, 2, 4, ...
    x[0, :, 2] = -0.9  # nearest to code 3
    assert codebook.encode(x).tolist() == [[5, 0, 3]]
    assert torch.equal(codebook.decode(torch.tensor([[5, 3]])), codebook.k[[5, 3]].t().unsqueeze(0))


# ---------------------------------------------------------------------------------------------
# State-dict layout of the real models


def test_5b_vqvae_has_exactly_the_original_keys_and_shapes():
    with torch.device("meta"):
        model = VQVAE(load_config(REPO / "presets" / "5b.yaml").vqvae)
    assert _shapes(model) == _manifest_shapes("vqvae")


def test_tiny_vqvae_has_exactly_the_checkpoint_keys_and_shapes():
    with torch.device("meta"):
        model = VQVAE(load_config(TINY_PRESET).vqvae)
    state = read_original_checkpoint(MODELS_DIR / "5b" / "vqvae.pth.tar")["model"]
    assert _shapes(model) == {k: tuple(v.shape) for k, v in state.items()}


@pytest.mark.parametrize("role, res_scale", [("upsampler_level_0", False), ("upsampler_level_1", True)])
def test_checkpointed_decoder_block_has_the_upsampler_conditioner_keys(role, res_scale):
    with torch.device("meta"):
        block = DecoderConvBlock(input_emb_width=1920, output_emb_width=1920, down_t=2, stride_t=2, width=1024,
                                 depth=16, m_conv=1.0, dilation_growth_rate=3, dilation_cycle=8,
                                 res_scale=res_scale, reverse_dilation=False, checkpointed_resnet=True)
    expected = _manifest_shapes(role, prefix="conditioner_blocks.0.cond.")
    assert expected, f"no conditioner keys for {role} in the manifest"
    assert _shapes(block) == expected


@pytest.mark.parametrize("res_scale", [False, True])
def test_checkpointed_resnet_only_renames_keys(res_scale):
    torch.manual_seed(0)
    kwargs = dict(input_emb_width=6, output_emb_width=5, down_t=2, stride_t=2, width=7, depth=3, m_conv=2.0,
                  dilation_growth_rate=3, dilation_cycle=2, res_scale=res_scale, reverse_dilation=True)
    plain = DecoderConvBlock(**kwargs, checkpointed_resnet=False)
    checkpointed = DecoderConvBlock(**kwargs, checkpointed_resnet=True)
    renamed = {k.replace(".0.model.", ".0.blocks.", 1) if ".0.model." in k else k: v
               for k, v in plain.state_dict().items()}
    checkpointed.load_state_dict(renamed, strict=True)
    x = torch.randn(2, 5, 9)  # (N, output_emb_width, T)
    with torch.no_grad():
        out = plain(x)
        assert tuple(out.shape) == (2, 6, 36)
        assert torch.equal(out, checkpointed(x))


# ---------------------------------------------------------------------------------------------
# Strict loading


def _tiny_state() -> dict[str, torch.Tensor]:
    return dict(read_original_checkpoint(MODELS_DIR / "5b" / "vqvae.pth.tar")["model"])


def _meta_tiny() -> VQVAE:
    with torch.device("meta"):
        return VQVAE(load_config(TINY_PRESET).vqvae)


def test_strict_load_rejects_a_missing_key():
    state = _tiny_state()
    del state["decoders.2.out.bias"]
    with pytest.raises(CheckpointError, match=r"missing keys: decoders\.2\.out\.bias"):
        load_state_dict_strict(_meta_tiny(), state, "vqvae.pth.tar", dtype=torch.float32)


def test_strict_load_rejects_an_unexpected_key():
    state = _tiny_state()
    state["bottleneck.level_blocks.3.k"] = torch.zeros(64, 16)
    with pytest.raises(CheckpointError, match=r"unexpected keys: bottleneck\.level_blocks\.3\.k"):
        load_state_dict_strict(_meta_tiny(), state, "vqvae.pth.tar", dtype=torch.float32)


def test_strict_load_rejects_a_shape_mismatch():
    state = _tiny_state()
    state["bottleneck.level_blocks.1.k"] = torch.zeros(128, 16)
    with pytest.raises(CheckpointError, match=r"bottleneck\.level_blocks\.1\.k \(checkpoint \(128, 16\)"):
        load_state_dict_strict(_meta_tiny(), state, "vqvae.pth.tar", dtype=torch.float32)


@pytest.mark.filterwarnings("ignore:.*the preset differs from the checkpoint:RuntimeWarning")
def test_load_vqvae_rejects_a_preset_that_does_not_fit_the_checkpoint():
    cfg = load_config(REPO / "presets" / "5b.yaml").vqvae
    with pytest.raises(CheckpointError, match="does not match the model preset"):
        load_vqvae(cfg, MODELS_DIR)  # the real 5b preset against the tiny checkpoint


def test_load_vqvae_names_a_missing_file(tmp_path):
    with pytest.raises(CheckpointError, match="not found"):
        load_vqvae(load_config(TINY_PRESET).vqvae, tmp_path)
