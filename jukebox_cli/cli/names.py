"""``jukebox artists`` / ``jukebox genres``: search the id tables a model was trained with."""

from typing import Annotated, Optional

import typer

from jukebox_cli.cli.options import IdsDir, Model, ModelsDir
from jukebox_cli.config import load_config
from jukebox_cli.labels import load_tables
from jukebox_cli.models.jukebox import load_model

Search = Annotated[Optional[str], typer.Option("--search", "-s", help="Only names containing this text.",
                                               show_default=False)]
Limit = Annotated[int, typer.Option("--limit", help="Show at most this many names (0: all).")]


def _show(kind: str, search: str | None, model: str | None, models_dir: str | None, ids_dir: str | None,
          limit: int) -> None:
    """Print ``name<TAB>id`` lines of the top prior's table (v2 or v3), the names a label must use."""
    name = model or "5b_lyrics"
    cfg = load_config(name)
    version = cfg.prior(cfg.top_level).labels.ids
    ids = ids_dir or load_model(name, models_dir).ids_dir
    tables = load_tables(ids, version)
    table = tables.artists if kind == "artist" else tables.genres
    rows = table.search(search) if search else sorted((n, i) for n, i in table.ids.items() if n)
    for entry, i in rows[:limit or None]:
        typer.echo(f"{entry}\t{i}")  # plain tab-separated lines, for grep and cut
    if limit and len(rows) > limit:
        typer.echo(f"... {len(rows) - limit} more (use --limit 0 for all)")
    if not rows:
        hint = table.suggest(search or "")
        typer.echo(f"no {kind} in {version} tables contains {search!r}" + (f"; closest: {', '.join(hint)}" if hint
                                                                             else ""))
        raise typer.Exit(1)


def artists(search: Search = None, model: Model = None, models_dir: ModelsDir = None, ids_dir: IdsDir = None,
            limit: Limit = 50) -> None:
    """Artist names of the model's id table (v2 for 5b/5b_lyrics, v3 for 1b_lyrics)."""
    _show("artist", search, model, models_dir, ids_dir, limit)


def genres(search: Search = None, model: Model = None, models_dir: ModelsDir = None, ids_dir: IdsDir = None,
           limit: Limit = 0) -> None:
    """Genre names of the model's id table (v2: single words, combine several; v3: one full genre)."""
    _show("genre", search, model, models_dir, ids_dir, limit)
