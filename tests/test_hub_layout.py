"""Our key mapping against the full key lists of the real hub repositories (tests/data/hub_keys_*.json).

The key lists come from transformers' ``JukeboxModel`` built with the released configurations
(``tests/data/make_hub_keys.py``). Each model part's original keys (the manifest) must map one to
one onto that part's hub keys with equal shapes: then the hub weights load into our modules
without transposes or splits.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from reference import manifest

from jukebox_cli.checkpoints.hub_layout import hub_key, hub_key_map, part_prefix
from jukebox_cli.errors import CheckpointError

DATA = Path(__file__).parent / "data"
PARTS = {"vqvae": None, "upsampler_level_0": 0, "upsampler_level_1": 1}


@pytest.mark.parametrize("model, top", [("5b_lyrics", "prior_5b_lyrics"), ("1b_lyrics", "prior_1b_lyrics")])
def test_mapping_is_a_bijection_onto_the_hub_keys_with_equal_shapes(model, top):
    hub = json.loads((DATA / f"hub_keys_{model}.json").read_text())["keys"]
    mapped: dict[str, list[int]] = {}
    for role, level in {**PARTS, top: 2}.items():
        part = manifest()[role]
        prefix = part_prefix(level, 2)
        m = hub_key_map(part, prefix)  # raises on a collision: injective within the part
        assert len(m) == len(part)
        assert set(m) == {k for k in hub if k.startswith(prefix)}, role
        for h, k in m.items():
            mapped[h] = part[k][0]
    assert mapped == hub  # onto, and every shape equal


def test_examples_of_the_renaming():
    assert hub_key("bottleneck.level_blocks.1.k", "vqvae.") == "vqvae.bottleneck.level_blocks.1.codebook"
    assert (hub_key("encoders.0.level_blocks.0.model.0.1.model.2.model.3.weight", "vqvae.")
            == "vqvae.encoders.0.level_blocks.0.downsample_block.1.resnet_block.2.conv1d_2.weight")
    assert (hub_key("conditioner_blocks.0.cond.model.1.0.blocks.0.model.1.bias", "priors.2.")
            == "priors.2.conditioner_blocks.upsampler.upsample_block.0.resnet_block.0.conv1d_1.bias")
    assert hub_key("prime_prior.x_emb.weight", "priors.0.") == "priors.0.encoder.embed_tokens.weight"
    assert hub_key("prior.transformer._attn_mods.3.attn.c_attn.w", "priors.0.") == \
        "priors.0.prior.transformer._attn_mods.3.attn.c_attn.weight"


def test_collisions_are_reported():
    with pytest.raises(CheckpointError, match="collides"):
        hub_key_map(["a.w", "a.weight"], "vqvae.")
