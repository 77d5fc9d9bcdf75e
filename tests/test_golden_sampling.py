"""Complete sampling runs equal the original's: ancestral, windowed and primed, all three levels.

Scenarios and outputs come from ../shared/reference/tiny (scenarios.json, golden.npz). With
top_k=1 the original is deterministic, so the codes must match exactly; the decoded audio of each
level must match to float32 rounding.
"""

import numpy as np
import pytest
import torch
from reference import IDS, TINY_MODELS, golden, scenarios, tiny_preset

from jukebox_cli.config import load_config
from jukebox_cli.labels import SongMeta
from jukebox_cli.models.jukebox import Jukebox
from jukebox_cli.sampling.levels import LevelSettings, sample_level
from jukebox_cli.sampling.pipeline import LevelCallbacks, SongLabels, empty_codes, encode_prompt, sample_song


def _jukebox(top_role: str) -> Jukebox:
    return Jukebox(load_config(tiny_preset(top_role)), TINY_MODELS, IDS, device="cpu")


@pytest.mark.parametrize("name", [n for n, s in scenarios().items() if "priors" in s])
def test_three_level_scenario(name):
    s, g = scenarios()[name], golden()
    jb = _jukebox(s["priors"][-1])
    labels = SongLabels(jb, [SongMeta(**m) for m in s["metas"]], allow_unknown=True)
    settings = [LevelSettings(top_k=s["top_k"], hop_fraction=s["hop_fraction"][lv], chunk_size=s["chunk_size"][lv],
                              max_batch_size=s["max_batch_size"][lv]) for lv in range(3)]
    n = len(s["metas"])
    if s["mode"] == "primed":
        zs = encode_prompt(jb, torch.from_numpy(g[s["prompt"]]))
    else:
        zs = empty_codes(n, 3)
    audio = {}
    zs = sample_song(jb, zs, [0, 1, 2], s["sample_length"], labels, settings, seed=1234,
                     callbacks=LevelCallbacks(on_level_done=lambda lv, _z, a: audio.__setitem__(lv, a)))
    for lv in range(3):
        np.testing.assert_array_equal(zs[lv].numpy(), g[f"{name}/z{lv}"], err_msg=f"level {lv} codes")
        ref = g[f"{name}/audio_level{lv}"]
        np.testing.assert_allclose(audio[lv].numpy(), ref, rtol=1e-4, atol=1e-5 * max(1.0, np.abs(ref).max()))


def test_windowed_top_level_1b_lyrics():
    name = "ancestral_top/prior_1b_lyrics"
    s, g = scenarios()[name], golden()
    jb = _jukebox(s["prior"])
    labels = SongLabels(jb, [SongMeta(**m) for m in s["metas"]], allow_unknown=True)
    prior = jb.prior(s["level"])
    settings = LevelSettings(top_k=s["top_k"], hop_fraction=s["hop_length"] / prior.n_ctx,
                             chunk_size=s["chunk_size"], max_batch_size=s["max_batch_size"])
    zs = sample_level(prior, empty_codes(len(s["metas"]), 3), s["total_tokens"], labels, settings, seed=99)
    np.testing.assert_array_equal(zs[2].numpy(), g[f"{name}/z2"])
