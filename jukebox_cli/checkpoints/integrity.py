"""Checking downloaded files before anything reads them: size, sha256, and "is this an error page?".

A download can fail quietly: a proxy returns an HTML login page with status 200, a connection
drops and leaves a short file, a disk flips a bit. Such a file must never reach the unpickler or
the converter, so every fetched file is verified here first and deleted when it fails.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from jukebox_cli.errors import CheckpointError

_HTML_MAGIC = (b"<!doctype", b"<html", b"<?xml", b"<error")
_CHUNK = 8 << 20


class IntegrityError(CheckpointError):
    """A fetched file has the wrong size or checksum, or is an HTML/XML page."""


def looks_like_html(path: str | Path) -> bool:
    """True when the file starts like an HTML/XML page (a failed download saved as a file)."""
    with open(path, "rb") as f:
        return f.read(64).lstrip().lower().startswith(_HTML_MAGIC)


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def verify_file(path: str | Path, origin: str, size: int | None = None, sha256: str | None = None) -> None:
    """Raise :class:`IntegrityError` naming ``origin`` (the URL) unless ``path`` is plausible and matches.

    ``size``/``sha256`` of ``None`` are not checked (unknown for some released files).
    """
    path = Path(path)
    actual = path.stat().st_size
    if looks_like_html(path):
        raise IntegrityError(f"{origin} returned an HTML/XML page instead of the file (saved as {path}); "
                             "check the URL, your proxy, or your HF_TOKEN")
    if size is not None and actual != size:
        what = "truncated" if actual < size else "too long"
        raise IntegrityError(f"{path} from {origin} is {what}: {actual} bytes, expected {size}")
    if sha256 is not None:
        digest = sha256_file(path)
        if digest != sha256.lower():
            raise IntegrityError(f"{path} from {origin} is corrupted: sha256 {digest}, expected {sha256}")
