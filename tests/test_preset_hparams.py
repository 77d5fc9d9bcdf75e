"""Presets agree with the hyperparameters stored in the original checkpoints.

The tiny presets in tests/presets were written by hand, as a user would write one for their own
model; here they are checked against each tiny checkpoint's ``hps``. A preset mistake that changes
no shape (a dilation cycle, an attention order) loads, but with a warning naming the field.
"""

import dataclasses
import warnings

import pytest
from reference import TINY_MODELS, tiny_preset

from jukebox_cli.checkpoints.hparams import prior_mismatches, vqvae_mismatches
from jukebox_cli.checkpoints.original import read_original_checkpoint
from jukebox_cli.config import load_config
from jukebox_cli.models.build import load_prior
from jukebox_cli.models.vqvae import load_vqvae


@pytest.mark.parametrize("name", ["tiny_5b", "tiny_5b_lyrics", "tiny_1b_lyrics"])
def test_tiny_presets_match_their_checkpoints(name):
    cfg = load_config(tiny_preset(name))
    assert vqvae_mismatches(cfg.vqvae, read_original_checkpoint(TINY_MODELS / cfg.vqvae.checkpoint)["hps"]) == []
    for p in cfg.priors:
        hps = read_original_checkpoint(TINY_MODELS / p.checkpoint)["hps"]
        assert prior_mismatches(p, hps) == [], p.level


def test_shape_neutral_preset_mistakes_are_reported_on_load():
    cfg = load_config(tiny_preset("tiny_5b"))
    wrong_vq = dataclasses.replace(cfg.vqvae, dilation_cycle=2)  # same shapes, different model
    with pytest.warns(RuntimeWarning, match="dilation_cycle: preset 2, checkpoint None"):
        load_vqvae(wrong_vq, TINY_MODELS)
    up = cfg.prior(1)
    wrong_up = dataclasses.replace(up, upper_conditioner=dataclasses.replace(up.upper_conditioner, res_scale=False))
    wrong = dataclasses.replace(cfg, priors=(cfg.priors[0], wrong_up, cfg.priors[2]))
    with pytest.warns(RuntimeWarning, match="cond_res_scale: preset False, checkpoint True"):
        load_prior(wrong, 1, TINY_MODELS)


def test_right_preset_loads_without_warnings():
    cfg = load_config(tiny_preset("tiny_1b_lyrics"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load_prior(cfg, 2, TINY_MODELS)
        load_vqvae(cfg.vqvae, TINY_MODELS)
