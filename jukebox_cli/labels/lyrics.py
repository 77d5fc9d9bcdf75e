"""Lyrics: cleaning to the model's character vocabulary, tokens, and the per-window lyric slice.

A lyrics model sees characters, one token each, from a small fixed vocabulary (token 0 is
padding/unknown). Text is first transliterated to ASCII (``unidecode``), a backslash is the
original's line-break shorthand, and anything still outside the vocabulary is removed. The v3
vocabulary (1b_lyrics) is the v2 one (5b_lyrics) without ``+``, so token numbers differ by model.

A model only sees ``n_tokens`` characters per window. Which ones is the original's linear
heuristic: the window's middle, as a fraction of the song, picks the middle character.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from unidecode import unidecode

from jukebox_cli.errors import LabelError

# Token i + 1 is VOCAB[i]; token 0 is padding / unknown.
_V3_VOCAB = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,:;!?-'\"()[] \t\n"
_V2_VOCAB = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.,:;!?-+'\"()[] \t\n"
VOCABS: dict[str, str] = {"v2": _V2_VOCAB, "v3": _V3_VOCAB}


def vocab(version: str) -> str:
    """The lyric characters of a table version, in token order (token = index + 1)."""
    try:
        return VOCABS[version]
    except KeyError:
        raise LabelError(f"unknown lyrics vocabulary {version!r}; valid: {', '.join(VOCABS)}") from None


def n_vocab(version: str) -> int:
    """Number of lyric token values including the padding token 0 (80 for v2, 79 for v3)."""
    return len(vocab(version)) + 1


@dataclass(frozen=True)
class CleanedLyrics:
    """Lyrics as the model will see them, plus what was lost on the way (for a warning)."""

    text: str
    dropped: frozenset[str] = frozenset()  # input characters removed without any replacement
    transliterated: dict[str, str] = field(default_factory=dict)  # input character -> what it became


def _clean(text: str, allowed: str) -> str:
    text = unidecode(text).replace("\\", "\n")
    return "".join(c for c in text if c in allowed)


def clean_lyrics(text: str, version: str) -> CleanedLyrics:
    """Clean exactly like the original (unidecode, backslash -> newline, drop non-vocab characters)."""
    allowed = vocab(version)
    cleaned = _clean(text, allowed)
    # unidecode maps each character on its own, so cleaning characters one by one tells what each became.
    dropped, transliterated = set(), {}
    for c in set(text) - set(allowed) - {"\\"}:
        out = _clean(c, allowed)
        if out:
            transliterated[c] = out
        else:
            dropped.add(c)
    return CleanedLyrics(cleaned, frozenset(dropped), dict(sorted(transliterated.items())))


def tokenise(text: str, version: str) -> list[int]:
    """Tokens of already cleaned text (see :func:`clean_lyrics`)."""
    table = {c: i + 1 for i, c in enumerate(vocab(version))}
    try:
        return [table[c] for c in text]
    except KeyError as e:
        raise LabelError(
            f"character {e.args[0]!r} is not in the {version} lyrics vocabulary; clean the text first"
        ) from None


def detokenise(tokens: list[int] | np.ndarray, version: str) -> str:
    """Text of lyric tokens; padding (0) becomes nothing."""
    chars = vocab(version)
    out = []
    for t in tokens:
        t = int(t)
        if not 0 <= t <= len(chars):
            raise LabelError(f"lyric token {t} is outside the {version} vocabulary (0..{len(chars)})")
        out.append(chars[t - 1] if t else "")
    return "".join(out)


def lyric_window(
    full_tokens: list[int],
    n_tokens: int,
    total_length: int,
    offset: int,
    duration: int,
    *,
    float32: bool = False,
) -> tuple[list[int], list[int]]:
    """The ``n_tokens`` lyric tokens a window at ``offset`` of length ``duration`` sees, and their indices.

    Short lyrics are left-padded with 0 (index -1). Longer ones are sliced around the character at
    the same fraction of the lyrics as the window's middle is of the song, kept inside the lyrics.
    The original does this arithmetic twice: with Python floats when it first builds a label
    (``float32=False``) and on float32 tensors when the sampler relabels each window
    (``float32=True``); the two rarely disagree by one character, so the caller picks which to match.
    """
    if n_tokens < 0:
        raise ValueError(f"n_tokens must be >= 0, got {n_tokens}")
    if total_length <= 0:
        raise LabelError(f"total length must be positive (in samples at 44.1 kHz), got {total_length}")
    if not 0 <= offset < total_length:
        raise LabelError(
            f"offset {offset} is outside the song: it must satisfy 0 <= offset < total length ({total_length} samples)"
        )
    n = len(full_tokens)
    if n < n_tokens:
        pad = n_tokens - n
        return [0] * pad + list(full_tokens), [-1] * pad + list(range(n))
    half = n_tokens // 2
    if 2 * half != n_tokens:  # every released model has an even n_tokens; the original asserts otherwise
        raise ValueError(f"n_tokens must be even, got {n_tokens}")
    if float32:
        f = np.float32
        mid = int(f(n) * (f(offset) + f(duration) / f(2.0)) / f(total_length))
    else:
        mid = int(n * (offset + duration / 2.0) / total_length)
    mid = min(max(mid, half), n - half)
    return list(full_tokens[mid - half : mid + half]), list(range(mid - half, mid + half))
