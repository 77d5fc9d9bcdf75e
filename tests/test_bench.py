"""The benchmark runs on CPU (reduced depth) and reports consistent numbers for both engines."""

import torch

from jukebox_cli.bench import bench_level, random_prior, step_weight_bytes
from jukebox_cli.config import load_config


def test_bench_reports_both_engines_on_a_reduced_real_width_model():
    cfg = load_config("1b_lyrics")
    res = bench_level(cfg, 2, n_samples=2, steps=2, device=torch.device("cpu"), dtype=torch.float32, depth=2,
                      warmup=1, copy_gbps=10.0)
    assert [r.engine for r in res] == ["fast", "reference"]
    for r in res:
        assert r.ms_per_step > 0 and r.weight_bytes > 0
        # One step yields one token per sample: 128 audio samples at the top level.
        assert abs(r.seconds_per_audio_minute - 60 * 44100 / 128 * r.ms_per_step / 1000) < 1e-6
        assert abs(r.achieved_gbps - r.weight_bytes / r.ms_per_step / 1e6) < 1e-9


def test_weight_bytes_count_the_sampling_dtype():
    cfg = load_config("1b_lyrics")
    p32, _ = random_prior(cfg, 2, torch.device("cpu"), torch.float32, depth=1)
    p16, _ = random_prior(cfg, 2, torch.device("cpu"), torch.float16, depth=1)
    w = 2048
    conv = w * 3 * (w // 4) + (w // 4) * w + 2 * w * w  # c_attn, c_proj, mlp: the Conv1D weights of one layer
    assert step_weight_bytes(p32) - step_weight_bytes(p16) == conv * 2
