"""jukebox-cli: sample OpenAI Jukebox (5b, 5b_lyrics, 1b_lyrics) faithfully, fast and resumably.

The small public API::

    jb = load_model("5b_lyrics", models_dir=...)     # preset + lazily loaded VQ-VAE and priors
    labels = SongLabels(jb, [SongMeta(...), ...])     # one song description per sample
    zs = sample_song(jb, empty_codes(n, 3), [2, 1, 0], sample_length, labels, settings, seed)
    audio = jb.vqvae.decode(zs[0], level=0)
"""

from jukebox_cli.config import ModelConfig, available_models, load_config
from jukebox_cli.labels import SongMeta
from jukebox_cli.models.jukebox import Jukebox, load_model
from jukebox_cli.sampling.levels import LevelSettings, sample_level
from jukebox_cli.sampling.pipeline import SongLabels, decode_level, empty_codes, encode_prompt, sample_song

__all__ = [
    "Jukebox",
    "LevelSettings",
    "ModelConfig",
    "SongLabels",
    "SongMeta",
    "available_models",
    "decode_level",
    "empty_codes",
    "encode_prompt",
    "load_config",
    "load_model",
    "sample_level",
    "sample_song",
]
