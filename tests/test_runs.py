"""The runs layer without sampling: job files, differences, atomic writes, request parsing."""

from __future__ import annotations

import numpy as np
import pytest

from jukebox_cli.config import load_config
from jukebox_cli.errors import ConfigError, UserError
from jukebox_cli.runs.job import Job, LevelJob, Song
from jukebox_cli.runs.request import SampleRequest, parse_duration, per_level, resolve_songs
from jukebox_cli.runs.run_dir import RunDir

SETTINGS = tuple(LevelJob(0.99, 0, 0.0, 0.5, 32, 16) for _ in range(3))
JOB = Job(model="5b", songs=(Song("a", "b", 2646000, "la", 0),), sample_length=12288, seed=1, levels=(0, 1, 2),
          settings=SETTINGS)


def test_job_yaml_round_trip_and_strictness():
    assert Job.from_yaml(JOB.to_yaml(), "job") == JOB
    with pytest.raises(ConfigError, match="unknown key 'sed'"):
        Job.from_yaml(JOB.to_yaml().replace("seed:", "sed:"), "job")


def test_differences_ignore_runtime_settings():
    faster = Job(**{**JOB.__dict__, "settings": tuple(LevelJob(0.99, 0, 0.0, 0.5, 8, 1) for _ in range(3)),
                    "device": "cuda", "levels": (2,)})
    assert JOB.differences(faster) == []
    other = Job(**{**JOB.__dict__, "seed": 2})
    assert JOB.differences(other) == ["seed: run has 1, asked for 2"]


def test_atomic_write_keeps_old_file_on_failure(tmp_path):
    run = RunDir(tmp_path)
    run.save_codes(2, np.arange(6).reshape(2, 3))

    def failing(f):
        f.write(b"partial")
        raise OSError(28, "No space left on device")

    with pytest.raises(UserError, match="disk full while saving"):
        run.write("level_2/codes.npy", failing)
    assert np.array_equal(run.load_codes(2), np.arange(6).reshape(2, 3))
    assert [p.name for p in (tmp_path / "level_2").iterdir()] == ["codes.npy"]


def test_durations_round_trip_exactly():
    assert parse_duration("60", "x") == 2646000 and parse_duration("90s", "x") == 3969000
    assert parse_duration("2646000samples", "x") == 2646000 and parse_duration("0.5", "x") == 22050
    with pytest.raises(UserError):
        parse_duration("1.5samples", "x")


def test_songs_cycle_and_lyrics_from_file(tmp_path):
    lyrics = tmp_path / "l.txt"
    lyrics.write_text("hello\nworld")
    req = SampleRequest.from_data({"artist": ["a", "b"], "genre": "g", "lyrics": f"@{lyrics}", "n-samples": 3,
                                   "total-length": [60, "90s"]}, "test")
    songs = resolve_songs(req)
    assert [s.artist for s in songs] == ["a", "b", "a"] and songs[2].lyrics == "hello\nworld"
    assert [s.total_length for s in songs] == [2646000, 3969000, 2646000]


def test_per_level_values():
    cfg = load_config("5b")
    assert per_level("top_k", (5,), cfg, [0, 0, 0]) == [5, 5, 5]
    assert per_level("top_k", (), cfg, [0, 0, 0]) == [0, 0, 0]
    assert SampleRequest.from_data({"chunk-size": "16,16,8"}, "t").chunk_size == (16, 16, 8)
    with pytest.raises(UserError, match="one value or 3"):
        per_level("top_k", (1, 2), cfg, [0, 0, 0])
