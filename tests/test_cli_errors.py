"""Bad input: a clear message and exit code 2, before any model is loaded (so these are fast)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from test_cli_support import invoke, model_args

SONG = ["--artist", "Alan Jackson", "--genre", "Country", "--sample-length", "12288"]


@pytest.mark.parametrize("extra, message", [
    (["--artist", "Frank Sinatrq", "--genre", "Country"], "did you mean 'frank_sinatra'"),
    (["--artist", "Alan Jackson", "--genre", "a b c d e f"], "at most 5 genre words"),
    (SONG + ["--total-length", "60", "--offset", "61"], "outside the song"),
    (SONG + ["--total-length", "10"], "outside what this model was trained on"),
    (["--artist", "Alan Jackson", "--genre", "Country", "--sample-length", "1024"], "upsampler window"),
    (SONG + ["--levels", "0,2"], "without gaps"),
    (SONG + ["--temperature", "0.9,0.9"], "takes one value or 3 comma-separated values"),
    (SONG + ["--top-p", "1.5"], "--top-p of level 0 must be between 0 and 1"),
    (SONG + ["--offset", "ten"], "is not a duration"),
    (SONG + ["--fp16"], "needs a CUDA device"),
    (["--genre", "Country"], "--artist required"),
])
def test_sample_rejects_bad_input(tmp_path, extra, message):
    result = invoke("sample", *model_args("5b"), *extra, "--out", tmp_path / "run")
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "run").exists()


def test_unknown_model_lists_valid_models(tmp_path):
    result = invoke("sample", "--model", "6b", *SONG, "--out", tmp_path / "run")
    assert result.exit_code == 2 and "valid models: 1b_lyrics, 5b, 5b_lyrics" in result.output


def test_continue_missing_and_unreadable_audio(tmp_path):
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"not audio at all")
    for path, message in [(tmp_path / "none.wav", "does not exist"), (bad, "cannot read audio file")]:
        result = invoke("continue", path, "--prompt-seconds", "0.05", *model_args("5b"), *SONG, "--out",
                        tmp_path / "run")
        assert result.exit_code == 2 and message in result.output, result.output


def test_prompt_longer_than_requested_length(tmp_path):
    wav = tmp_path / "p.wav"
    sf.write(wav, np.zeros(44100, np.float32), 44100)
    result = invoke("continue", wav, "--prompt-seconds", "0.5", *model_args("5b"), *SONG, "--out", tmp_path / "r")
    assert result.exit_code == 2 and "must be shorter than the requested length" in result.output


def test_resume_of_a_non_run_directory(tmp_path):
    result = invoke("resume", tmp_path)
    assert result.exit_code == 2 and "is not a run directory" in result.output
