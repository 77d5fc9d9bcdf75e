"""Audio in and out: any file soundfile reads becomes 44.1 kHz mono float32; wav files are written atomically.

Prompts come from whatever users have (wav, flac, ogg, mp3 ...) at whatever rate; the VQ-VAE only
understands 44.1 kHz mono, so the file is down-mixed and resampled with soxr (a real band-limited
resampler: naive interpolation would alias and the codes would not represent the music).
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import numpy as np
import soundfile as sf
import soxr

from jukebox_cli.errors import AudioError

SAMPLE_RATE = 44100


def read_audio(path: str | Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """The file's audio as a 1-D float32 array at ``sample_rate``, channels averaged to mono."""
    path = Path(path)
    if not path.is_file():
        raise AudioError(f"audio file {path} does not exist")
    try:
        data, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError) as e:
        raise AudioError(f"cannot read audio file {path}: {e} (formats: {', '.join(sorted(sf.available_formats()))})") from e
    if data.shape[0] == 0:
        raise AudioError(f"audio file {path} is empty")
    mono = data.mean(axis=1)
    if rate != sample_rate:
        mono = soxr.resample(mono, rate, sample_rate, quality="VHQ")
    return np.ascontiguousarray(mono, dtype=np.float32)


def write_wav(f: BinaryIO, audio: np.ndarray, sample_rate: int = SAMPLE_RATE) -> None:
    """Write mono float32 wav (float keeps the decoder's output exactly, peaks above 1.0 included)."""
    sf.write(f, np.asarray(audio, dtype=np.float32).reshape(-1), sample_rate, format="WAV", subtype="FLOAT")
