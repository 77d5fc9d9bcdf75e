"""`continue` (audio prompt and run directory) and `upsample` (chosen samples, or all in place)."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import yaml

from test_cli_support import codes, invoke, model_args

TOP = ["--artist", "Alan Jackson", "--genre", "Country", "--sample-length", "12288", "--levels", "2", "-q"]


@pytest.fixture(scope="module")
def top_run(tmp_path_factory):
    """A top-level-only run with two samples (the upsampling is left to the tests)."""
    out = tmp_path_factory.mktemp("runs") / "top"
    result = invoke("sample", *model_args("5b"), *TOP, "--n-samples", "2", "--seed", "3", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def test_continue_run_dir_extends_the_picked_sample(top_run):
    result = invoke("continue", top_run, "--pick", "1", "--seconds", "0.1", "--n-samples", "2", "-q")
    assert result.exit_code == 0, result.output
    new = top_run.parent / "top-continue-1"
    z = codes(new, 2)
    assert z.shape == (2, 96 + 4410 // 128)
    assert (z[:, :96] == codes(top_run, 2)[1]).all()
    job = yaml.safe_load((new / "job.yaml").read_text())
    assert job["prime"]["pick"] == [1] and job["songs"][0]["artist"] == "Alan Jackson"


def test_upsample_picked_samples_into_new_run(top_run):
    result = invoke("upsample", top_run, "--pick", "1", "-q")
    assert result.exit_code == 0, result.output
    new = top_run.parent / "top-upsample-1"
    assert np.array_equal(codes(new, 2), codes(top_run, 2)[1:2])
    assert codes(new, 1).shape == (1, 384) and codes(new, 0).shape == (1, 1536)
    assert (new / "level_0" / "sample_0.wav").exists() and not (new / "level_0" / "sample_1.wav").exists()


def test_upsample_all_samples_in_place(top_run):
    top_before = codes(top_run, 2)
    result = invoke("upsample", top_run, "-q")
    assert result.exit_code == 0, result.output
    assert np.array_equal(codes(top_run, 2), top_before)
    assert codes(top_run, 0).shape == (2, 1536) and (top_run / "level_0" / "sample_1.wav").exists()
    assert yaml.safe_load((top_run / "job.yaml").read_text())["levels"] == [0, 1, 2]


def test_continue_keeps_the_lower_levels_an_earlier_run_finished(top_run):
    assert invoke("upsample", top_run, "-q").exit_code == 0  # all levels (already done if run in file order)
    result = invoke("continue", top_run, "--pick", "0", "--seconds", "0.05", "--out", top_run.parent / "full-cont",
                    "-q")
    assert result.exit_code == 0, result.output
    new = top_run.parent / "full-cont"
    added = 2205 // 128 * 128
    for level, hop in ((2, 128), (1, 32), (0, 8)):
        z = codes(new, level)
        assert z.shape[1] == (12288 + added) // hop
        assert (z[:, :12288 // hop] == codes(top_run, level)[0]).all(), level


def test_continue_audio_file_resampled_prompt(tmp_path):
    wav = tmp_path / "song.wav"
    t = np.arange(int(0.3 * 22050)) / 22050
    sf.write(wav, np.stack([np.sin(2 * np.pi * 440 * t), np.sin(2 * np.pi * 660 * t)], 1) * 0.3, 22050)
    result = invoke("continue", wav, "--prompt-seconds", "0.1", *model_args("5b"), *TOP, "--n-samples", "2",
                    "--out", tmp_path / "cont")
    assert result.exit_code == 0, result.output
    z = codes(tmp_path / "cont", 2)
    assert z.shape == (2, 96) and (z[0, :34] == z[1, :34]).all()
    job = yaml.safe_load((tmp_path / "cont" / "job.yaml").read_text())
    assert job["prime"]["audio"] == str(wav) and job["prime"]["prompt_length"] == 4410
