"""`jukebox artists` / `genres` (v2 vs v3 tables) and `jukebox doctor`."""

from __future__ import annotations

from test_cli_support import IDS, MODELS, invoke


def test_artists_search_v2():
    result = invoke("artists", "--search", "sinatra", "--ids-dir", IDS)
    assert result.exit_code == 0 and "frank_sinatra\t" in result.output


def test_genres_v3_for_1b_lyrics_and_v2_words():
    v3 = invoke("genres", "--model", "1b_lyrics", "--ids-dir", IDS, "--search", "pop")
    assert v3.exit_code == 0 and "classic pop\t" in v3.output
    v2 = invoke("genres", "--model", "5b", "--ids-dir", IDS, "--search", "pop")
    assert v2.exit_code == 0 and "classic pop" not in v2.output and "pop\t" in v2.output


def test_no_match_suggests():
    result = invoke("artists", "--search", "zzzzqqq", "--ids-dir", IDS)
    assert result.exit_code == 1 and "no artist" in result.output


def test_doctor_reports_device_models_and_settings():
    result = invoke("doctor", "--models-dir", MODELS, "--device", "cpu")
    assert result.exit_code == 0, result.output
    assert "device cpu" in result.output and "5b_lyrics" in result.output
    assert "memory preset for 5b_lyrics: cpu" in result.output and "--max-batch-size" in result.output
