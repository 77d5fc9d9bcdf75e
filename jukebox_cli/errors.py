"""Error types shared by the library and the CLI.

Every error a user can cause by what they typed or by the files they gave derives from
:class:`UserError`; the CLI turns those into a one-paragraph message and exit code 2 instead of a
traceback. Anything else is a bug in this package (or the environment) and keeps its traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class JukeboxError(Exception):
    """Base class of every error raised on purpose by jukebox_cli."""


class UserError(JukeboxError):
    """Bad input: the message says what was wrong and how to fix it. CLI exit code 2."""


class ConfigError(UserError):
    """A preset or job file is malformed (unknown/missing key, wrong type)."""


class CheckpointError(UserError):
    """A checkpoint file is missing, unreadable, or does not match the model it is loaded into."""


class LabelError(UserError):
    """Artist, genre, lyrics, length or offset cannot be turned into a label for this model."""


class AudioError(UserError):
    """An audio file cannot be read or is unusable as a prompt."""


def closest(name: str, choices: Iterable[str], n: int = 5) -> list[str]:
    """The valid names closest to ``name``, for 'did you mean' hints in error messages."""
    return difflib.get_close_matches(name, list(choices), n=n, cutoff=0.5)
