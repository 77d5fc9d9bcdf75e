"""`jukebox sample` end to end on the tiny models: golden codes, run directory layout, re-runs, JSON log."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile as sf
import yaml

from jukebox_cli.config import load_config
from test_cli_support import codes, golden, invoke, model_args, preset, scenario_args


@pytest.fixture(scope="module")
def golden_run(tmp_path_factory):
    """`sample --top-k 1` with the settings of golden scenario ancestral/prior_5b (all three levels)."""
    out = tmp_path_factory.mktemp("runs") / "golden"
    args = ["sample", *model_args("5b"), *scenario_args("ancestral/prior_5b"), "--out", out]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    return out, args


def test_sample_codes_equal_golden_scenario(golden_run):
    out, _ = golden_run
    for level in range(3):
        assert np.array_equal(codes(out, level), golden(f"ancestral/prior_5b/z{level}")), level


def test_run_directory_layout(golden_run):
    out, _ = golden_run
    job = yaml.safe_load((out / "job.yaml").read_text())
    assert job["seed"] == 0 and len(job["songs"]) == 2
    assert job["songs"][0]["total_length"] == 2646000 and job["songs"][1]["offset"] == 441000
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["status"] == "done" and meta["seed"] == 0
    assert set(meta["timings"]) == {"level_0", "level_1", "level_2"}
    assert meta["labels"][0]["artist_names"] == ["alan_jackson"]
    assert meta["labels"][1]["ids"]["level_2"]["genre_ids"] and meta["settings"]["level_2"]["top_k"] == 1
    for level, hop in [(0, 8), (1, 32), (2, 128)]:
        c = codes(out, level)
        assert c.dtype == np.int64 and c.shape == (2, 12288 // hop)
        for i in range(2):
            audio, rate = sf.read(out / f"level_{level}" / f"sample_{i}.wav")
            assert rate == 44100 and audio.shape == (12288,)
    assert not list(out.rglob("*.tmp"))


def test_rerun_same_command_is_a_finished_resume(golden_run):
    out, args = golden_run
    before = (out / "level_0" / "codes.npy").stat().st_mtime_ns
    result = invoke(*args)
    assert result.exit_code == 0 and "already finished" in result.output
    assert (out / "level_0" / "codes.npy").stat().st_mtime_ns == before


def test_different_job_in_existing_run_dir_is_refused(golden_run):
    out, args = golden_run
    i = args.index("--n-samples")
    result = invoke(*args[:i], "--n-samples", "3", *args[i + 2:])
    assert result.exit_code == 2
    assert "already holds a different job" in result.output and "n_samples: run has 2, asked for 3" in result.output


def test_1b_lyrics_top_level_golden_and_json_log(tmp_path):
    out = tmp_path / "top"
    n_ctx = load_config(preset("1b_lyrics")).prior(2).n_ctx
    result = invoke("sample", *model_args("1b_lyrics"), *scenario_args("ancestral_top/prior_1b_lyrics", n_ctx),
                    "--out", out, "--log-json")
    assert result.exit_code == 0, result.output
    assert np.array_equal(codes(out, 2), golden("ancestral_top/prior_1b_lyrics/z2"))
    assert not (out / "level_1").exists()
    events = [json.loads(line) for line in result.stdout.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[-1] == "run_done" and "level_start" in kinds and kinds.count("window") >= 2
