"""Presets load into typed configs; any unknown or missing key is an error naming file and key."""

import pytest
import yaml
from reference import TINY_PRESETS

from jukebox_cli.config import CROSS, DENSE, PRIME, available_models, load_config
from jukebox_cli.errors import ConfigError


def test_bundled_presets_load():
    assert {"5b", "5b_lyrics", "1b_lyrics"} <= set(available_models())
    cfg = load_config("5b_lyrics")
    assert cfg.vqvae.hop_lengths == (8, 32, 128)
    top = cfg.prior(2)
    assert top.n_tokens == 512 and top.transformer.kinds().count(CROSS) == 7
    kinds = load_config("1b_lyrics").prior(2).transformer.kinds()
    # Every 16th layer (15, 31, 47, 63) looks back at the lyrics, except 47 which is dense.
    assert [d for d, k in enumerate(kinds) if k == PRIME] == [15, 31, 63] and kinds[47] == DENSE
    assert cfg.sample_rate == 44100


def _write(tmp_path, data):
    p = tmp_path / "mine.yaml"
    p.write_text(yaml.safe_dump(data))
    return p


def _tiny():
    return yaml.safe_load((TINY_PRESETS / "tiny_5b.yaml").read_text())


def test_unknown_key_names_file_and_key(tmp_path):
    data = _tiny()
    data["priors"][2]["transformer"]["heds"] = 2
    with pytest.raises(ConfigError) as e:
        load_config(_write(tmp_path, data))
    assert "mine.yaml" in str(e.value) and "priors[2].transformer.heds" in str(e.value) and "heads" in str(e.value)


def test_missing_key_names_file_and_key(tmp_path):
    data = _tiny()
    del data["vqvae"]["l_bins"]
    with pytest.raises(ConfigError, match=r"mine.yaml: missing key 'vqvae.l_bins'"):
        load_config(_write(tmp_path, data))


def test_wrong_type_is_an_error(tmp_path):
    data = _tiny()
    data["priors"][0]["n_ctx"] = "big"
    with pytest.raises(ConfigError, match=r"priors\[0\].n_ctx must be an integer"):
        load_config(_write(tmp_path, data))


def test_unknown_model_lists_the_valid_ones():
    with pytest.raises(ConfigError, match=r"unknown model '5b_lyric'.*1b_lyrics, 5b, 5b_lyrics"):
        load_config("5b_lyric")


def test_inconsistent_sizes_are_rejected(tmp_path):
    data = _tiny()
    data["priors"][2]["transformer"]["blocks"] = 7  # 64 positions do not split into 7 rows
    with pytest.raises(ConfigError, match="not a multiple of blocks"):
        load_config(_write(tmp_path, data))
