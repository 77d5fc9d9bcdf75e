"""Label vectors against the original labeller: ids, lyric cleaning/tokens, lyric windows, errors.

Expected values come from the reference data in ../shared (outputs of the original code), from the
id table files themselves, or are worked out by hand in the test; never from the code under test.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np
import pytest
import torch

from jukebox_cli.config import LabelConfig, load_config
from jukebox_cli.errors import LabelError
from jukebox_cli.labels import (
    IdTable,
    Labeller,
    SongMeta,
    clean_lyrics,
    detokenise,
    genre_words,
    load_tables,
    lyric_window,
    n_vocab,
    normalise,
    tokenise,
)

from reference import IDS, REPO, TINY  # noqa: E402  (paths of ../shared)

# Which released prior each reference case was labelled for: (preset, level).
CASE_PRIORS = {
    "5b": ("5b", 2),
    "5b_lyrics": ("5b_lyrics", 2),
    "1b_lyrics": ("1b_lyrics", 2),
    "upsampler_level_1": ("5b", 1),
}


@lru_cache(maxsize=None)
def _reference() -> dict:
    return json.loads((TINY / "labels.json").read_text())


@lru_cache(maxsize=None)
def _labeller(preset: str, level: int) -> Labeller:
    prior = load_config(preset).prior(level)
    return Labeller(prior.labels, prior.n_tokens, IDS)


def _case_labeller(case: dict) -> Labeller:
    preset, level = CASE_PRIORS[case["config"]]
    cfg = load_config(preset)
    prior = cfg.prior(level)
    # The presets must describe the same labeller the reference used.
    assert prior.labels.ids == ("v3" if case["v3"] else "v2")
    assert prior.labels.max_bow_genre_size == case["max_genre_words"]
    assert prior.n_tokens == case["n_tokens"]
    assert prior.n_ctx * cfg.raw_to_tokens(level) == case["sample_length"]
    return _labeller(preset, level)


def _table_file(version: str, kind: str) -> dict[str, int]:
    """Independent reading of a table file (the last duplicate wins, as in the original's dict)."""
    out = {}
    for line in (IDS / f"{version}_{kind}_ids.txt").read_text(encoding="utf-8").splitlines():
        name, i = line.strip().split(";")
        out[name] = int(i)
    return out


def _case_id(case: dict) -> str:
    m = case["meta"]
    return f"{case['config']}-{m['artist']}-{m['genre']}-{m['offset']}"


# ------------------------------------------------------------------------------------------------
# The reference cases


@pytest.mark.parametrize("case", _reference()["cases"], ids=_case_id)
@pytest.mark.parametrize("float32", [True, False], ids=["sampler", "first_label"])
def test_reference_case(case: dict, float32: bool) -> None:
    labeller = _case_labeller(case)
    meta = SongMeta(**case["meta"])
    g = case["max_genre_words"]
    # A zero id where the name is not 'unknown' in the table is the original's silent fallback.
    expect_unknown = case["y"][3] == 0 or 0 in case["y"][4 : 4 + g]
    if expect_unknown:
        with pytest.raises(LabelError, match="did you mean"):
            labeller.resolve(meta, allow_unknown=False)
    resolved = labeller.resolve(meta, allow_unknown=expect_unknown)
    assert bool(resolved.unknown) == expect_unknown

    y = labeller.y(resolved, meta.offset, case["sample_length"], float32=float32)
    assert y.dtype == np.int64
    assert y.shape == (4 + g + case["n_tokens"],)
    assert y.tolist() == case["y"]
    assert list(resolved.full_tokens) == case["full_tokens"]
    assert resolved.lyrics == case["cleaned_lyrics"]


def test_reference_covers_what_it_should() -> None:
    """Guard against the reference file silently shrinking: every kind of case is still there."""
    cases = _reference()["cases"]
    assert {c["config"] for c in cases} == set(CASE_PRIORS)
    assert any(len(c["full_tokens"]) > c["n_tokens"] > 0 for c in cases)  # windows of long lyrics
    assert any(0 < len(c["full_tokens"]) < c["n_tokens"] for c in cases)  # padded short lyrics
    assert any(c["meta"]["lyrics"] != c["cleaned_lyrics"] for c in cases)  # unicode cleaning


@pytest.mark.parametrize("bad", _reference()["must_be_rejected"], ids=lambda b: b["why"][:40])
def test_rejected_inputs_raise_label_error(bad: dict) -> None:
    preset = CASE_PRIORS[bad["config"]]
    meta = SongMeta(**bad["meta"])
    with pytest.raises(LabelError) as err:
        _labeller(*preset).resolve(meta, allow_unknown=True)
    msg = str(err.value)
    if "genre" in bad["why"]:
        assert meta.genre in msg and "5" in msg and "6 words" in msg
    else:
        assert "offset" in bad["why"]
        assert "offset" in msg and str(meta.total_length) in msg


def test_golden_forward_labels() -> None:
    """The y's fed to the tiny priors in golden.npz were built from the scenarios' metas."""
    scenarios = json.loads((TINY / "scenarios.json").read_text())
    metas_5b = scenarios["ancestral/prior_5b_lyrics"]["metas"]
    metas_1b = scenarios["ancestral_top/prior_1b_lyrics"]["metas"]
    priors = {
        "prior_5b_lyrics": ("tiny_5b_lyrics", 2, metas_5b),
        "prior_5b": ("tiny_5b", 2, metas_5b),
        "upsampler_level_1": ("tiny_5b", 1, metas_5b),
        "upsampler_level_0": ("tiny_5b", 0, metas_5b),
        "prior_1b_lyrics": ("tiny_1b_lyrics", 2, metas_1b),
    }
    with np.load(TINY / "golden.npz") as golden:
        for name, (preset, level, metas) in priors.items():
            cfg = load_config(REPO / "tests" / "presets" / f"{preset}.yaml")
            prior = cfg.prior(level)
            labeller = Labeller(prior.labels, prior.n_tokens, IDS)
            expected = golden[f"forward/{name}/y"]
            for meta, want in zip(metas, expected):
                resolved = labeller.resolve(SongMeta(**meta))
                y = labeller.window_y(resolved, start=0, n_ctx=prior.n_ctx, raw_to_tokens=cfg.raw_to_tokens(level))
                np.testing.assert_array_equal(y, want, err_msg=f"{name} {meta['artist']}")


# ------------------------------------------------------------------------------------------------
# Id tables and names


def test_v2_normalisation() -> None:
    assert normalise("Céline Dion", "v2") == "c_line_dion"
    assert normalise("  AC/DC!! ", "v2") == "ac_dc"
    assert normalise("Guns N' Roses", "v2") == "guns_n_roses"
    assert genre_words("Rock & Roll", "v2") == ["rock", "roll"]
    assert genre_words("R&B", "v2") == ["r", "b"]
    assert genre_words("Hip-Hop/Rap", "v2") == ["hip", "hop", "rap"]


def test_v3_normalisation_only_lower_cases() -> None:
    assert normalise("Céline Dion", "v3") == "céline dion"
    assert normalise("AC/DC", "v3") == "ac/dc"
    assert genre_words("Hip Hop", "v3") == ["hip hop"]


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_lookup_matches_table_files(version: str) -> None:
    tables = load_tables(IDS, version)
    artists, genres = _table_file(version, "artist"), _table_file(version, "genre")
    assert len(tables.artists) == len(artists) and len(tables.genres) == len(genres)
    for name in ["frank sinatra", "céline dion", "the beatles"]:
        key = normalise(name, version)
        assert tables.artists.lookup(name) == artists[key]
    for word in genre_words("Blues Rock", version):
        assert tables.genres.lookup(word) == genres[word]
    assert tables.artists.lookup("No Such Artist Xyzzy") is None


def test_multi_word_genre_ids() -> None:
    genres = _table_file("v2", "genre")
    labeller = _labeller("5b_lyrics", 2)
    resolved = labeller.resolve(SongMeta("The Beatles", "Rock & Roll", "", 180 * 44100))
    assert resolved.genre_ids == (genres["rock"], genres["roll"], -1, -1, -1)


def test_duplicate_name_last_wins_and_reverse_lookup() -> None:
    v3 = load_tables(IDS, "v3").artists
    assert v3.lookup("speaker") == 7896  # v3_artist_ids.txt lists 'speaker' twice: 3675, then 7896
    assert v3.names(3675) == []
    v2 = load_tables(IDS, "v2").artists
    assert v2.names(0) == ["", "unknown", "various"]
    assert v2.names(121) == ["frank_sinatra"]


def test_search_and_suggest() -> None:
    v2 = load_tables(IDS, "v2").artists
    hits = v2.search("Sinatra")
    assert ("frank_sinatra", 121) in hits and ("nancy_sinatra", 976) in hits and ("trashcan_sinatras", 2320) in hits
    assert all("sinatra" in name for name, _ in hits)
    assert v2.search("frank sinatra") == [("frank_sinatra", 121)]
    assert "frank_sinatra" in v2.suggest("Frank Sinatr")
    assert "céline dion" in load_tables(IDS, "v3").artists.suggest("Celine Dion")


@pytest.mark.parametrize("preset, artist, hint", [("5b_lyrics", "Zac Brwn Band", "zac_brown_band"),
                                                   ("1b_lyrics", "Celine Dion", "céline dion")])
def test_unknown_artist_error_names_input_and_suggests(preset: str, artist: str, hint: str) -> None:
    labeller = _labeller(preset, 2)
    meta = SongMeta(artist, "Pop", "", 180 * 44100)
    with pytest.raises(LabelError) as err:
        labeller.resolve(meta)
    msg = str(err.value)
    version = labeller.version
    assert repr(artist) in msg and repr(normalise(artist, version)) in msg
    assert f"{version}_artist_ids.txt" in msg and "did you mean" in msg and repr(hint) in msg
    resolved = labeller.resolve(meta, allow_unknown=True)
    assert resolved.artist_id == 0 and [u.kind for u in resolved.unknown] == ["artist"]


def test_unknown_genre_word_error() -> None:
    with pytest.raises(LabelError, match=r"'rokc'.*did you mean.*'rock'"):
        _labeller("5b", 2).resolve(SongMeta("The Beatles", "Pop Rokc", "", 180 * 44100))
    resolved = _labeller("5b", 2).resolve(SongMeta("The Beatles", "Pop Rokc", "", 180 * 44100), allow_unknown=True)
    assert resolved.genre_ids == (_table_file("v2", "genre")["pop"], 0, -1, -1, -1)


def test_name_without_letters_is_unknown() -> None:
    # The v2 table has an empty name (id 0); "???" normalises to it but is not a real artist.
    with pytest.raises(LabelError, match="no letters or digits"):
        _labeller("5b", 2).resolve(SongMeta("???", "Pop", "", 180 * 44100))


def test_missing_tables_say_how_to_get_them(tmp_path: Path) -> None:
    cfg = LabelConfig(ids="v2", genre_bins=120, artist_bins=4111, t_bins=128, max_bow_genre_size=5)
    with pytest.raises(LabelError, match="jukebox download"):
        Labeller(cfg, 0, tmp_path / "nowhere")
    with pytest.raises(LabelError, match=r"v2_artist_ids\.txt.*jukebox download"):
        Labeller(cfg, 0, tmp_path)
    with pytest.raises(LabelError, match=r"v2_genre_ids\.txt"):
        IdTable.load(tmp_path / "v2_genre_ids.txt", "genre", "v2")


# ------------------------------------------------------------------------------------------------
# Lyrics


def test_clean_lyrics_reports_what_changed() -> None:
    cleaned = clean_lyrics("Ünïcödé ✓ 1+1\\next & done", "v2")
    assert cleaned.text == "Unicode  1+1\nnext  done"
    assert cleaned.dropped == {"✓", "&"}
    assert cleaned.transliterated == {"Ü": "U", "ï": "i", "ö": "o", "é": "e"}
    assert clean_lyrics("1+1", "v3").text == "11"  # '+' is only in the v2 vocabulary
    assert clean_lyrics("1+1", "v3").dropped == {"+"}


def test_tokens() -> None:
    assert n_vocab("v2") == 80 and n_vocab("v3") == 79
    assert tokenise("Aa0\n", "v2") == [1, 27, 53, 79]
    assert tokenise("Aa0\n", "v3") == [1, 27, 53, 78]
    assert tokenise("+", "v2") == [70]  # after the 62 letters and digits: . , : ; ! ? - +
    with pytest.raises(LabelError):
        tokenise("+", "v3")
    assert detokenise([0, 0, 34, 35, 0], "v2") == "hi"
    text = 'Hey! "Jude" (1968) [x]; don\'t-stop, ok?\tyes:\n'
    assert detokenise(tokenise(text, "v3"), "v3") == text


FULL = list(range(1, 101))  # 100 lyric tokens whose values equal index + 1


@pytest.mark.parametrize(
    "offset, start",
    [
        (0, 0),  # midpoint int(100 * 50 / 1000) = 5, clamped up to n_tokens // 2 = 5
        (500, 50),  # midpoint int(100 * 550 / 1000) = 55
        (990, 90),  # midpoint int(100 * 1040 / 1000) = 104, clamped down to 100 - 5 = 95
    ],
)
def test_window_of_long_lyrics(offset: int, start: int) -> None:
    for float32 in (False, True):
        tokens, indices = lyric_window(FULL, 10, 1000, offset, 100, float32=float32)
        assert indices == list(range(start, start + 10))
        assert tokens == list(range(start + 1, start + 11))


def test_window_pads_short_lyrics() -> None:
    tokens, indices = lyric_window([5, 6, 7], 5, 1000, 0, 100)
    assert tokens == [0, 0, 5, 6, 7] and indices == [-1, -1, 0, 1, 2]
    assert lyric_window([], 3, 1000, 10, 100) == ([0, 0, 0], [-1, -1, -1])
    assert lyric_window([5, 6, 7], 0, 1000, 0, 100) == ([], [])


def _torch_midpoint(n: int, total_length: int, offset: int, duration: int) -> int:
    """The original sampler's arithmetic: the label row is an int64 tensor, so this runs in float32."""
    row = torch.tensor([total_length, offset, duration], dtype=torch.long)
    return int(n * (row[1] + row[2] / 2.0) / row[0])


def test_window_float32_matches_the_sampler() -> None:
    # A case where float32 and float64 midpoints differ: 2433 (float32) vs 2432 (Python floats).
    n, total, offset, duration = 3036, 26306725, 21075627, 12288
    assert int(n * (offset + duration / 2.0) / total) == 2432
    assert _torch_midpoint(n, total, offset, duration) == 2433
    full = list(range(n))
    assert lyric_window(full, 16, total, offset, duration, float32=True)[1][0] == 2433 - 8
    assert lyric_window(full, 16, total, offset, duration, float32=False)[1][0] == 2432 - 8
    rng = np.random.default_rng(0)
    for _ in range(300):
        n = int(rng.integers(600, 6000))
        total = int(rng.integers(44100, 600 * 44100))
        offset, duration = int(rng.integers(0, total)), int(rng.integers(1, 1 << 20))
        mid = min(max(_torch_midpoint(n, total, offset, duration), 256), n - 256)
        assert lyric_window(list(range(n)), 512, total, offset, duration, float32=True)[1][0] == mid - 256


# ------------------------------------------------------------------------------------------------
# Positions and per-window labels


@pytest.mark.parametrize("total_length, offset", [(1000, 1000), (1000, -1), (1000, 5000), (0, 0), (-5, 0)])
def test_bad_positions_raise_even_for_short_lyrics(total_length: int, offset: int) -> None:
    meta = SongMeta("The Beatles", "Rock", "hi", total_length, offset)
    for labeller in (_labeller("5b", 2), _labeller("5b_lyrics", 2), _labeller("1b_lyrics", 2)):
        with pytest.raises(LabelError, match="offset|total length"):
            labeller.resolve(meta)


def test_window_labels() -> None:
    labeller = _labeller("5b_lyrics", 2)
    meta = SongMeta("The Beatles", "Rock", "Here comes the sun", 180 * 44100, offset=44100)
    resolved = labeller.resolve(meta)
    artist, rock = _table_file("v2", "artist")["the_beatles"], _table_file("v2", "genre")["rock"]
    y = labeller.window_y(resolved, start=1024, n_ctx=8192, raw_to_tokens=128)
    assert y[:9].tolist() == [180 * 44100, 44100 + 1024 * 128, 8192 * 128, artist, rock, -1, -1, -1, -1]
    assert y[9:].tolist() == [0] * (512 - 18) + tokenise("Here comes the sun", "v2")
    with pytest.raises(LabelError, match="offset"):
        labeller.y(resolved, 180 * 44100, 8192 * 128)
    with pytest.raises(LabelError, match="sample length"):
        labeller.y(resolved, 0, 0)
    described = labeller.describe(y)
    assert described["artist"] == ["the_beatles"] and described["genre"] == [["rock"]]
    assert described["lyrics"] == "Here comes the sun"


def test_time_range_of_top_priors() -> None:
    sr = 44100
    _labeller("5b", 2).check_time_range(180 * sr, 0, 8192 * 128)
    with pytest.raises(LabelError, match="60 s"):
        _labeller("5b", 2).check_time_range(30 * sr, 0, 8192 * 128)  # 5b's min_duration is 60 s
    with pytest.raises(LabelError, match="600 s"):
        _labeller("5b", 2).check_time_range(599 * sr, 590 * sr, 8192 * 128)
    _labeller("5b", 1).check_time_range(30 * sr, 0, 8192 * 32)  # upsamplers have no time signal
