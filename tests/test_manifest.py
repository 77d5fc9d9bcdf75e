"""Models built from the real presets have exactly the released checkpoints' keys and shapes.

The models are built on the ``meta`` device (no memory), so the full 5B-parameter sizes are cheap.
No renaming is involved: our module tree uses the original's names.
"""

import pytest
from reference import REAL_PRESET, manifest

from jukebox_cli.config import load_config
from jukebox_cli.models.build import build_prior


@pytest.mark.parametrize("role", sorted(REAL_PRESET))
def test_prior_matches_released_checkpoint(role):
    name, level = REAL_PRESET[role]
    prior = build_prior(load_config(name), level)
    ours = {k: list(v.shape) for k, v in prior.state_dict(keep_vars=True).items()}
    theirs = {k: shape for k, (shape, _dtype) in manifest()[role].items()}
    assert sorted(set(theirs) - set(ours)) == [], "keys missing from our model"
    assert sorted(set(ours) - set(theirs)) == [], "keys our model has that the checkpoint lacks"
    assert {k: s for k, s in ours.items() if theirs[k] != s} == {}


def test_parameter_counts_match_the_release():
    # ../shared/README.md: upsamplers 0.985B each, prior_5b 5.060B, prior_5b_lyrics 5.641B, prior_1b_lyrics 0.947B.
    expected = {"upsampler_level_0": 0.985, "upsampler_level_1": 0.985, "prior_5b": 5.060,
                "prior_5b_lyrics": 5.641, "prior_1b_lyrics": 0.947}
    for role, billions in expected.items():
        name, level = REAL_PRESET[role]
        prior = build_prior(load_config(name), level)
        n = sum(t.numel() for t in prior.state_dict().values())  # tied weights counted like the checkpoint
        assert round(n / 1e9, 3) == billions, role
