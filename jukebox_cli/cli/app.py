"""The ``jukebox`` command: sampling, continuing, upsampling, batches, name search and diagnostics.

Commands are thin: they validate, build a job and hand it to :mod:`jukebox_cli.runs`. Every
:class:`UserError` becomes a one-paragraph message and exit code 2; nothing ever prompts.
"""

import functools
import sys
from collections.abc import Callable
from typing import Any

import typer

from jukebox_cli.cli.batch import batch
from jukebox_cli.cli.bench import bench
from jukebox_cli.cli.continue_ import continue_
from jukebox_cli.cli.doctor import doctor
from jukebox_cli.cli.download import download_command
from jukebox_cli.cli.names import artists, genres
from jukebox_cli.cli.progress import stderr
from jukebox_cli.cli.sample import resume, sample
from jukebox_cli.cli.upsample import upsample
from jukebox_cli.errors import UserError

app = typer.Typer(name="jukebox", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="Sample music from OpenAI's Jukebox checkpoints; runs survive crashes and resume.")


def user_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Bad input -> message and exit 2 instead of a traceback; Ctrl-C -> how to resume."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except UserError as e:
            stderr.print(f"[red]error:[/] {e}", highlight=False)
            raise typer.Exit(2) from None
        except KeyboardInterrupt:
            stderr.print("interrupted; the run so far is saved, `jukebox resume <run dir>` continues it")
            raise typer.Exit(130) from None

    return wrapper


for _name, _command in [("sample", sample), ("continue", continue_), ("upsample", upsample), ("resume", resume),
                        ("batch", batch), ("artists", artists), ("genres", genres), ("doctor", doctor),
                        ("download", download_command), ("bench", bench)]:
    app.command(_name)(user_errors(_command))


def main() -> None:
    app()


if __name__ == "__main__":
    sys.exit(main())
