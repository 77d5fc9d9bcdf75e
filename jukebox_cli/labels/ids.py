"""Artist and genre id tables, and the name normalisation that maps user input onto them.

The released checkpoints learned one embedding per artist id and per genre (word) id, so a name
must be turned into exactly the id the original labeller produced or the model is conditioned on
someone else. Two table versions exist:

- ``v2`` (5b, 5b_lyrics and the upsamplers): names are lower-cased, every character outside
  ``[a-z0-9]`` becomes ``_``, runs of ``_`` collapse and the ends are stripped. A genre is a bag of
  words: ``"Hip Hop"`` is the two entries ``hip`` and ``hop``.
- ``v3`` (1b_lyrics): names are only lower-cased (accents and spaces stay) and a genre is one
  entry: ``"Hip Hop"`` is the entry ``hip hop``.

The tables are ``name;id`` text files (``v2_artist_ids.txt`` ...). Several names may share an id;
if a name appears twice the later line wins, as in the original's dict.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from jukebox_cli.errors import LabelError, closest

Version = Literal["v2", "v3"]
Kind = Literal["artist", "genre"]
VERSIONS: tuple[str, ...] = ("v2", "v3")

_NOT_ALNUM = re.compile(r"[^a-z0-9]")
_UNDERSCORES = re.compile(r"_+")


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise LabelError(f"unknown id table version {version!r}; valid versions: {', '.join(VERSIONS)}")


def normalise(name: str, version: str) -> str:
    """One table entry's key for ``name``, exactly as the original computes it before lookup."""
    _check_version(version)
    if version == "v3":
        return name.lower()
    # v2: only ASCII letters and digits survive; everything else (accents included) becomes '_'.
    s = _NOT_ALNUM.sub("_", name.lower())
    return _UNDERSCORES.sub("_", s).strip("_")


def genre_words(genre: str, version: str) -> list[str]:
    """The genre table entries a genre string stands for: a bag of words in v2, one name in v3."""
    if version == "v3":
        return [normalise(genre, version)]
    return normalise(genre, version).split("_")


@dataclass(frozen=True)
class IdTable:
    """One ``name;id`` table (artists or genres of one version), with forward and reverse lookup."""

    kind: Kind
    version: Version
    path: Path
    ids: dict[str, int] = field(repr=False)

    @classmethod
    def load(cls, path: Path | str, kind: Kind, version: Version) -> IdTable:
        """Read a table file; names are lower-cased like the original does, the last duplicate wins."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise LabelError(
                f"{kind} id table {path.name} not found in {path.parent}; the id tables are fetched "
                f"with the checkpoints by `jukebox download` (or point to a directory holding "
                f"{version}_artist_ids.txt and {version}_genre_ids.txt)"
            ) from None
        except (OSError, UnicodeDecodeError) as e:
            raise LabelError(f"cannot read {kind} id table {path}: {e}") from e
        ids: dict[str, int] = {}
        for lineno, line in enumerate(text.splitlines(), 1):
            line = line.strip()  # strips the whole line only: "gabriel faur ;2262" keeps its inner space
            if not line:
                continue
            name, sep, num = line.rpartition(";")
            if not sep or not num.strip().lstrip("-").isdigit():
                raise LabelError(f"{path}:{lineno}: expected 'name;id', got {line!r}; re-download the id tables")
            ids[name.lower()] = int(num)
        return cls(kind=kind, version=version, path=path, ids=ids)

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, name: str) -> bool:
        return self.lookup(name) is not None

    def normalise(self, name: str) -> str:
        return normalise(name, self.version)

    def lookup(self, name: str) -> int | None:
        """The id of one entry (normalised first), or None if the table does not have it."""
        return self.ids.get(self.normalise(name))

    @functools.cached_property
    def _reverse(self) -> dict[int, list[str]]:
        rev: dict[int, list[str]] = {}
        for name, i in self.ids.items():
            rev.setdefault(i, []).append(name)
        return {i: sorted(names) for i, names in rev.items()}

    def names(self, id_: int) -> list[str]:
        """All names that map to ``id_`` (sorted; empty if none), e.g. to describe a label vector."""
        return list(self._reverse.get(int(id_), []))

    def search(self, substring: str) -> list[tuple[str, int]]:
        """Entries whose name contains ``substring`` (normalised like a name), sorted by name."""
        key = self.normalise(substring)
        return sorted((name, i) for name, i in self.ids.items() if name and key in name)

    def suggest(self, name: str, n: int = 5) -> list[str]:
        """Valid names closest to ``name``, for a 'did you mean' hint: fuzzy matches, then substrings."""
        key = self.normalise(name)
        valid = [v for v in self.ids if v]  # the v2 artist table's empty entry is no useful hint
        out = closest(key, valid, n=n)
        if key:
            out += [v for v, _ in self.search(key) if v not in out]
        return out[:n]


@dataclass(frozen=True)
class IdTables:
    """The artist and genre tables of one version, as a model's labeller needs them."""

    version: Version
    artists: IdTable
    genres: IdTable


def table_path(ids_dir: Path | str, version: str, kind: Kind) -> Path:
    """Where the ``kind`` table of ``version`` lives inside ``ids_dir`` (``v2_artist_ids.txt`` ...)."""
    return Path(ids_dir) / f"{version}_{kind}_ids.txt"


def load_tables(ids_dir: Path | str, version: str) -> IdTables:
    """Load (once per directory and version) the artist and genre tables of ``version``."""
    _check_version(version)
    return _load_tables(str(Path(ids_dir).resolve()), version)


@functools.lru_cache(maxsize=8)
def _load_tables(ids_dir: str, version: Version) -> IdTables:
    if not Path(ids_dir).is_dir():
        raise LabelError(
            f"id table directory {ids_dir} does not exist; `jukebox download` fetches the artist and "
            f"genre tables ({version}_artist_ids.txt, {version}_genre_ids.txt) with the checkpoints"
        )
    return IdTables(
        version=version,
        artists=IdTable.load(table_path(ids_dir, version, "artist"), "artist", version),
        genres=IdTable.load(table_path(ids_dir, version, "genre"), "genre", version),
    )
