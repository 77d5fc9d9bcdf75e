"""Audio reading (any rate/channels -> 44.1 kHz mono) and the memory presets."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import torch

from jukebox_cli.audio import read_audio
from jukebox_cli.config import load_config
from jukebox_cli.errors import AudioError
from jukebox_cli.memory import load_presets, pick_preset


def test_read_audio_resamples_and_downmixes(tmp_path):
    t = np.arange(22050) / 22050
    stereo = np.stack([np.sin(2 * np.pi * 440 * t), -np.sin(2 * np.pi * 440 * t) * 0 + 0.5], 1).astype(np.float32)
    sf.write(tmp_path / "a.flac", stereo, 22050)
    audio = read_audio(tmp_path / "a.flac")
    assert audio.dtype == np.float32 and audio.shape == (44100,)
    mid = audio[1000:-1000]
    assert abs(mid.mean() - 0.25) < 0.01 and abs(mid.max() - 0.75) < 0.02  # (sine + 0.5) / 2


def test_read_audio_errors(tmp_path):
    with pytest.raises(AudioError, match="does not exist"):
        read_audio(tmp_path / "missing.wav")
    (tmp_path / "x.ogg").write_bytes(b"garbage")
    with pytest.raises(AudioError, match="cannot read"):
        read_audio(tmp_path / "x.ogg")


def test_memory_presets():
    names = {p.name for p in load_presets()}
    assert {"cpu", "16gb", "80gb"} <= names
    assert pick_preset(torch.device("cpu")).fp16 is False
    p16 = next(p for p in load_presets() if p.name == "16gb")
    five, one = p16.levels(load_config("5b_lyrics")), p16.levels(load_config("1b_lyrics"))
    assert (five[2].max_batch_size, five[2].chunk_size) == (3, 16)
    assert (one[2].max_batch_size, one[2].chunk_size) == (16, 32)
    assert (five[0].max_batch_size, five[0].chunk_size) == (16, 32)
