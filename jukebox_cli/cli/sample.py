"""``jukebox sample`` and ``jukebox resume``: start a run, or finish one from its run directory."""

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from jukebox_cli.config import load_config
from jukebox_cli.cli.options import LogJson, Quiet, build_request, runtime_options, sampling_options
from jukebox_cli.cli.progress import make_events
from jukebox_cli.runs.request import with_runtime
from jukebox_cli.runs.run_dir import RunDir
from jukebox_cli.runs.runner import run_job, run_request

Out = Annotated[Optional[str], typer.Option("--out", "-o", help="Run directory (re-running with the same --out "
                                            "resumes). Default: runs/<model>-<time>.", show_default=False)]
RunArg = Annotated[Path, typer.Argument(help="Run directory of an earlier run.", show_default=False)]


@sampling_options
def sample(out: Out = None, quiet: Quiet = False, log_json: LogJson = False, *, opts: dict[str, Any]) -> None:
    """Sample new songs from scratch (ancestral sampling), top prior then upsamplers."""
    run_request(build_request(opts, out=out), make_events(quiet, log_json))


@runtime_options
def resume(run_dir: RunArg, quiet: Quiet = False, log_json: LogJson = False, *, opts: dict[str, Any]) -> None:
    """Finish a run from its last saved window (after a crash, kill or disk-full error)."""
    run = RunDir(run_dir)
    job = run.load_job()
    job = with_runtime(job, load_config(job.model), build_request(opts))
    run_job(job, run_dir, make_events(quiet, log_json))
