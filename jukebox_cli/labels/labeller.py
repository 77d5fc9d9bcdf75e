"""Turn a song description (artist, genre, lyrics, length, offset) into a prior's label vector ``y``.

``y = [total_length, offset, sample_length, artist_id, genre_ids (padded with -1), lyric tokens]``,
all int64, lengths in audio samples at 44.1 kHz. The ids and lyric tokens must equal the original's
bit for bit, so this module reproduces its lookup and windowing; where the original silently used
id 0 for a name it did not know, or crashed on an assertion, we raise a :class:`LabelError` that
says what to type instead (unknown names are still accepted with ``allow_unknown=True``).

Resolving names and cleaning lyrics is done once per song (:meth:`Labeller.resolve`); the sampler
then asks for ``y`` once per window (:meth:`Labeller.y`), because offset, window length and the
lyric slice change from window to window and from level to level.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from jukebox_cli.config import LabelConfig
from jukebox_cli.errors import LabelError
from jukebox_cli.labels.ids import IdTable, genre_words, load_tables
from jukebox_cli.labels.lyrics import clean_lyrics, detokenise, lyric_window, tokenise

SAMPLE_RATE = 44100


@dataclass(frozen=True)
class SongMeta:
    """What the user asks for. ``total_length`` and ``offset`` are in audio samples at 44.1 kHz."""

    artist: str
    genre: str
    lyrics: str
    total_length: int
    offset: int = 0


@dataclass(frozen=True)
class UnknownName:
    """An artist or genre entry missing from the id table (it maps to id 0 when allowed)."""

    kind: Literal["artist", "genre"]
    given: str  # what the user typed (the whole genre string for a genre word)
    normalised: str  # the table key it became
    table: Path
    suggestions: tuple[str, ...]

    def message(self) -> str:
        """One line for an error or warning: what was typed, what it became, and the closest names."""
        if not self.normalised:
            return f"{self.kind} {self.given!r} has no letters or digits to match in {self.table.name}"
        what = f"{self.kind} {self.given!r}"
        if self.kind == "genre" and self.normalised != self.given.lower():
            what = f"genre word {self.normalised!r} of {self.given!r}"
        elif self.normalised != self.given:
            what += f" (normalised to {self.normalised!r})"
        hint = f" (did you mean {', '.join(repr(s) for s in self.suggestions)}?)" if self.suggestions else ""
        return f"{what} is not in {self.table.name}{hint}"


@dataclass(frozen=True)
class ResolvedLabel:
    """A song's names turned into ids and its lyrics into tokens: everything ``y`` needs but the window."""

    meta: SongMeta
    artist_id: int
    genre_ids: tuple[int, ...]  # padded with -1 to max_bow_genre_size
    full_tokens: tuple[int, ...]  # all lyric tokens; each window sees a slice
    lyrics: str  # the cleaned lyrics the tokens spell
    dropped: frozenset[str] = frozenset()  # lyric characters removed entirely (warn the user)
    transliterated: dict[str, str] = field(default_factory=dict)  # lyric characters replaced by ASCII
    unknown: tuple[UnknownName, ...] = ()  # names that fell back to id 0 (allow_unknown=True)


def _as_int(value: object, what: str) -> int:
    try:
        return operator.index(value)  # ints and numpy integers; not floats or bools-as-strings
    except TypeError:
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise LabelError(f"{what} must be a whole number of audio samples at 44.1 kHz, got {value!r}") from None


def _check_position(total_length: int, offset: int) -> None:
    if total_length <= 0:
        raise LabelError(
            f"total length must be a positive number of samples at 44.1 kHz, got {total_length} "
            f"(e.g. {180 * SAMPLE_RATE} for a 3 minute song)"
        )
    if not 0 <= offset < total_length:
        raise LabelError(
            f"offset {offset} is outside the song: it must satisfy 0 <= offset < total length "
            f"({total_length} samples = {total_length / SAMPLE_RATE:.2f} s)"
        )


class Labeller:
    """Label vectors for one prior: its id tables (v2 or v3), genre slots and lyric window size."""

    def __init__(self, label_cfg: LabelConfig, n_tokens: int, ids_dir: Path | str) -> None:
        self.cfg = label_cfg
        self.n_tokens = n_tokens
        self.version = label_cfg.ids
        tables = load_tables(ids_dir, label_cfg.ids)
        self.artists: IdTable = tables.artists
        self.genres: IdTable = tables.genres

    @property
    def y_length(self) -> int:
        """Length of ``y``: 4 timing/artist slots, the genre slots and the lyric tokens."""
        return 4 + self.cfg.max_bow_genre_size + self.n_tokens

    # ---------------------------------------------------------------------------------------
    # once per song

    def _unknown(self, kind: Literal["artist", "genre"], given: str, key: str, table: IdTable) -> UnknownName:
        return UnknownName(kind, given, key, table.path, tuple(table.suggest(key)))

    def resolve(self, meta: SongMeta, allow_unknown: bool = False) -> ResolvedLabel:
        """Look up the artist and genre ids and tokenise the lyrics, or raise a LabelError saying why not.

        With ``allow_unknown`` an unknown artist or genre word gets id 0, as the original silently
        did; the names are listed in ``ResolvedLabel.unknown`` so the caller can still warn.
        """
        for what in ("artist", "genre", "lyrics"):
            if not isinstance(getattr(meta, what), str):
                raise LabelError(f"{what} must be text, got {getattr(meta, what)!r}")
        total_length = _as_int(meta.total_length, "total length")
        offset = _as_int(meta.offset, "offset")
        _check_position(total_length, offset)

        unknown = []
        artist_key = self.artists.normalise(meta.artist)
        artist_id = self.artists.lookup(artist_key)
        # The v2 artist table has an entry for the empty name; a name that normalises to nothing
        # ("???", "日本") is still not what the user meant, so it counts as unknown (same id 0).
        if artist_id is None or not artist_key:
            unknown.append(self._unknown("artist", meta.artist, artist_key, self.artists))
            artist_id = 0

        words = genre_words(meta.genre, self.version)
        max_words = self.cfg.max_bow_genre_size
        if len(words) > max_words:
            raise LabelError(
                f"genre {meta.genre!r} has {len(words)} words ({', '.join(words)}) but this model takes "
                f"at most {max_words} genre word{'s' if max_words != 1 else ''}; use fewer words"
            )
        genre_ids = []
        for word in words:
            gid = self.genres.lookup(word)
            if gid is None or not word:
                unknown.append(self._unknown("genre", meta.genre, word, self.genres))
                gid = 0
            genre_ids.append(gid)

        if unknown and not allow_unknown:
            problems = "; ".join(u.message() for u in unknown)
            raise LabelError(
                f"{problems}. This model uses the {self.version} id tables; search them (e.g. "
                f"`jukebox artists --search <text>`), or allow unknown names to use id 0 ('unknown') "
                f"as the original Jukebox silently did"
            )

        cleaned = clean_lyrics(meta.lyrics, self.version)
        return ResolvedLabel(
            meta=meta,
            artist_id=artist_id,
            genre_ids=tuple(genre_ids + [-1] * (max_words - len(genre_ids))),
            full_tokens=tuple(tokenise(cleaned.text, self.version)),
            lyrics=cleaned.text,
            dropped=cleaned.dropped,
            transliterated=cleaned.transliterated,
            unknown=tuple(unknown),
        )

    # ---------------------------------------------------------------------------------------
    # once per window

    def y(self, resolved: ResolvedLabel, offset: int, sample_length: int, *, float32: bool = True) -> np.ndarray:
        """The label vector of one window starting ``offset`` samples into the song, ``sample_length`` long.

        ``float32=True`` (default) reproduces the original sampler, which picks the lyric slice with
        float32 tensor arithmetic for every window; ``False`` reproduces the original's first label
        (Python floats). They differ by one character in rare cases.
        """
        total_length = _as_int(resolved.meta.total_length, "total length")
        offset = _as_int(offset, "offset")
        sample_length = _as_int(sample_length, "sample length")
        _check_position(total_length, offset)
        if sample_length <= 0:
            raise LabelError(f"sample length must be a positive number of samples, got {sample_length}")
        if len(resolved.genre_ids) != self.cfg.max_bow_genre_size:
            raise LabelError(
                f"label has {len(resolved.genre_ids)} genre slots but this model has {self.cfg.max_bow_genre_size}; "
                "resolve the song with this model's labeller"
            )
        full = list(resolved.full_tokens)
        tokens, _ = lyric_window(full, self.n_tokens, total_length, offset, sample_length, float32=float32)
        head = [total_length, offset, sample_length, resolved.artist_id, *resolved.genre_ids]
        y = np.array(head + tokens, dtype=np.int64)
        assert y.shape == (self.y_length,)
        return y

    def window_y(self, resolved: ResolvedLabel, start: int, n_ctx: int, raw_to_tokens: int) -> np.ndarray:
        """``y`` of the window whose first code is ``start`` at a level with ``raw_to_tokens`` samples per code.

        This is how the original sampler relabels each window: the offset moves by the codes
        already before the window and the length is the prior's context in samples.
        """
        offset = _as_int(resolved.meta.offset, "offset") + start * raw_to_tokens
        return self.y(resolved, offset, n_ctx * raw_to_tokens)

    def check_time_range(
        self, total_length: int, offset: int, sample_length: int, sample_rate: int = SAMPLE_RATE
    ) -> None:
        """Raise if a top prior's timing embeddings cannot represent this window (the original asserts there).

        Only top priors (those with ``min_duration``/``max_duration``) condition on time. The song must
        last at least ``min_duration`` and less than ``max_duration`` seconds, and the window must end
        by ``max_duration``.
        """
        lo, hi = self.cfg.min_duration, self.cfg.max_duration
        if lo is None or hi is None:
            return
        if not lo * sample_rate <= total_length < hi * sample_rate:
            raise LabelError(
                f"total length {total_length / sample_rate:.2f} s is outside what this model was trained on "
                f"({lo:g} s to under {hi:g} s); choose a total length in that range"
            )
        if offset + sample_length > hi * sample_rate:
            raise LabelError(
                f"window ending at {(offset + sample_length) / sample_rate:.2f} s goes past the model's "
                f"maximum of {hi:g} s; sample a shorter song"
            )

    def describe(self, y: np.ndarray) -> dict[str, object]:
        """Read a label vector back: the names behind its ids and the lyric text it carries."""
        y = [int(v) for v in np.asarray(y).reshape(-1)]
        if len(y) != self.y_length:
            raise LabelError(f"expected a label of length {self.y_length}, got {len(y)}")
        g = self.cfg.max_bow_genre_size
        return dict(
            total_length=y[0],
            offset=y[1],
            sample_length=y[2],
            artist=self.artists.names(y[3]),
            genre=[self.genres.names(i) for i in y[4 : 4 + g] if i >= 0],
            lyrics=detokenise(y[4 + g :], self.version),
        )
