"""Where a model's files can be fetched from, in order of preference.

A preset lists its sources (``sources:``) and what is known about each original file
(``files:``, size and sha256, null where unknown):

1. ``{kind: hub, repo, revision}``: a Hugging Face repository in the transformers layout (the
   5b_lyrics and 1b_lyrics models; fast, resumable, cached, checksummed by the hub).
2. ``{kind: url, base, ids}``: the original OpenAI hosting, files at ``<base><checkpoint>``
   (the only home of the plain 5b top prior) and the id tables at ``<ids><file>``.

A user can instead name a local directory (original or hub layout) or a mirror URL of the
original layout; those replace the preset's list.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jukebox_cli.config import ModelConfig
from jukebox_cli.errors import ConfigError

# The label tables' public home and checksums (the openai/jukebox repository, jukebox/data/ids/).
IDS_URL = "https://raw.githubusercontent.com/openai/jukebox/master/jukebox/data/ids/"
IDS_SHA256 = {
    "v2_artist_ids.txt": "fce2ecc0c7b00838cf8cc90273609c5460fa1ec8d3211ce9f6546ed792feb001",
    "v2_genre_ids.txt": "04d7c5e5f0002c74789ee2a72a1e33f11057eb6c183ed0cf8f4b140164197e48",
    "v3_artist_ids.txt": "85ab98ca035945a917ec3d3e1f06bcd938767196281cfb8caecf058872a9e9ed",
    "v3_genre_ids.txt": "f85f72dca1e6052da129041bb927e29eb143e5f1450951006565f4a8af6f31cb",
}


@dataclass(frozen=True)
class HubSource:
    """A transformers-layout repository on the Hugging Face hub."""

    repo: str
    revision: str = "main"

    def __str__(self) -> str:
        return f"hub:{self.repo}@{self.revision}"


@dataclass(frozen=True)
class UrlSource:
    """Original-layout files under ``base``; id tables under ``ids``."""

    base: str
    ids: str

    def __str__(self) -> str:
        return self.base


@dataclass(frozen=True)
class LocalSource:
    """A directory in the original layout (``5b/vqvae.pth.tar`` ..., ``ids/``) or the hub layout."""

    root: Path

    def __str__(self) -> str:
        return str(self.root)


Source = HubSource | UrlSource | LocalSource


@dataclass(frozen=True)
class FileInfo:
    size: int | None = None
    sha256: str | None = None


def _source(entry: dict, where: str) -> Source:
    kind = entry.get("kind")
    fields = {k: v for k, v in entry.items() if k != "kind"}
    try:
        if kind == "hub":
            return HubSource(**fields)
        if kind == "url":
            return UrlSource(**fields)
    except TypeError as e:
        raise ConfigError(f"{where}: {e}") from e
    raise ConfigError(f"{where}: kind must be 'hub' or 'url', got {kind!r}")


def preset_sources(cfg: ModelConfig) -> list[Source]:
    return [_source(dict(e), f"preset {cfg.name}: sources[{i}]") for i, e in enumerate(cfg.sources)]


def select_sources(cfg: ModelConfig, spec: str | None) -> list[Source]:
    """The sources to try: the preset's (``None``/``auto``), only its ``hub`` or ``original`` ones,
    or the user's directory / mirror URL."""
    sources = preset_sources(cfg)
    if spec in (None, "auto"):
        return sources
    if spec == "hub":
        return [s for s in sources if isinstance(s, HubSource)]
    if spec == "original":
        return [s for s in sources if isinstance(s, UrlSource)]
    if spec.startswith(("http://", "https://")):
        base = spec.rstrip("/") + "/"
        return [UrlSource(base=base, ids=base + "ids/")]
    root = Path(spec).expanduser()
    if not root.is_dir():
        raise ConfigError(f"source {spec!r} is not 'auto', 'hub', 'original', an http(s) URL or a directory")
    return [LocalSource(root)]


def file_info(cfg: ModelConfig, checkpoint: str) -> FileInfo:
    """Known size/sha256 of an original checkpoint file (fields None where unknown)."""
    entry = dict(cfg.files.get(checkpoint) or {})
    unknown = set(entry) - {"size", "sha256"}
    if unknown:
        raise ConfigError(f"preset {cfg.name}: files.{checkpoint} has unknown keys {sorted(unknown)}")
    return FileInfo(entry.get("size"), entry.get("sha256"))
