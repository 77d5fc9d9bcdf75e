"""Labels: the artist/genre/lyrics/timing conditioning vector ``y`` of a Jukebox prior.

``Labeller.resolve`` turns a :class:`SongMeta` into ids and lyric tokens once per song;
``Labeller.y`` builds the int64 label of one sampling window, exactly as the original did.
"""

from jukebox_cli.labels.ids import IdTable, IdTables, genre_words, load_tables, normalise, table_path
from jukebox_cli.labels.labeller import Labeller, ResolvedLabel, SongMeta, UnknownName
from jukebox_cli.labels.lyrics import CleanedLyrics, clean_lyrics, detokenise, lyric_window, n_vocab, tokenise, vocab

__all__ = [
    "CleanedLyrics",
    "IdTable",
    "IdTables",
    "Labeller",
    "ResolvedLabel",
    "SongMeta",
    "UnknownName",
    "clean_lyrics",
    "detokenise",
    "genre_words",
    "load_tables",
    "lyric_window",
    "n_vocab",
    "normalise",
    "table_path",
    "tokenise",
    "vocab",
]
