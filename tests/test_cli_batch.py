"""`jukebox batch`: jobs run in order, a failing job is reported and the others still run, re-runs skip."""

from __future__ import annotations

import yaml

from test_cli_support import IDS, MODELS, codes, invoke, preset


def test_batch_runs_reports_failures_and_skips_finished(tmp_path):
    jobs = {
        "defaults": {"model": preset("5b"), "models-dir": str(MODELS), "ids-dir": str(IDS), "device": "cpu",
                     "sample-length": 12288, "levels": 2, "genre": "Country", "seed": 5},
        "jobs": [
            {"out": str(tmp_path / "a"), "artist": "Alan Jackson"},
            {"out": str(tmp_path / "bad"), "artist": "Nobody At All Xyz"},
            {"out": str(tmp_path / "b"), "artist": ["Alan Jackson", "Frank Sinatra"], "n_samples": 2,
             "top_k": [0, 0, 1]},
        ],
    }
    path = tmp_path / "jobs.yaml"
    path.write_text(yaml.safe_dump(jobs))
    result = invoke("batch", path, "-q")
    assert result.exit_code == 1
    assert "job 2/3" in result.output and "failed" in result.output and "Nobody At All Xyz" in result.output
    assert codes(tmp_path / "a", 2).shape == (1, 96) and codes(tmp_path / "b", 2).shape == (2, 96)
    assert not (tmp_path / "bad").exists()
    again = invoke("batch", path, "--log-json")
    assert again.exit_code == 1 and again.stdout.count("already finished") == 2
