"""``jukebox batch``: many jobs from one YAML file, one after another, surviving each other's failures.

Meant for overnight runs: a finished job is skipped, an unfinished one resumes, and a job that
fails (bad input, out of memory, disk full) is reported while the next one starts anyway.
"""

import traceback
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml

from jukebox_cli.cli.options import LogJson, Quiet
from jukebox_cli.cli.progress import JsonEvents, make_events, stderr
from jukebox_cli.errors import ConfigError, UserError
from jukebox_cli.runs.request import SampleRequest
from jukebox_cli.runs.runner import run_request


def batch(jobs_file: Annotated[Path, typer.Argument(help="YAML file: a list of jobs, or {defaults: {...}, "
                                                    "jobs: [...]}.", show_default=False)],
          quiet: Quiet = False, log_json: LogJson = False) -> None:
    """Run the jobs of a YAML file in order (each with the options of `sample`, and `out`)."""
    requests = load_jobs(jobs_file)
    events = make_events(quiet, log_json)
    failed, skipped = [], 0
    for i, (req, error) in enumerate(requests):
        name = f"job {i + 1}/{len(requests)} ({req.out if req else 'invalid'})"
        try:
            if error is not None:
                raise error
            events.message(f"{name}: starting")
            if not run_request(req, events):
                skipped += 1
        except UserError as e:
            failed.append(name)
            _report(events, f"{name} failed: {e}")
        except Exception as e:  # noqa: BLE001 -- one job's crash (e.g. out of memory) must not stop the night
            failed.append(name)
            _report(events, f"{name} failed: {type(e).__name__}: {e}\n{traceback.format_exc()}")
    summary = f"{len(requests) - len(failed)} of {len(requests)} jobs finished ({skipped} already were)"
    events.message(summary + (f"; failed: {', '.join(failed)}" if failed else ""))
    if failed:
        raise typer.Exit(1)


def _report(events: Any, text: str) -> None:
    if isinstance(events, JsonEvents):
        events.error(text)
    else:
        stderr.print(f"[red]error:[/] {text}", highlight=False)


def load_jobs(path: Path) -> list[tuple[SampleRequest | None, UserError | None]]:
    """Every job of the file, each either a request or the error that makes it invalid (reported in turn)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as e:
        raise ConfigError(f"cannot read jobs file {path}: {e}") from e
    defaults: dict[str, Any] = {}
    if isinstance(data, dict):
        unknown = set(data) - {"defaults", "jobs"}
        if unknown:
            raise ConfigError(f"{path}: unknown top-level keys {sorted(unknown)}; valid: defaults, jobs")
        defaults, data = data.get("defaults") or {}, data.get("jobs")
    if not isinstance(data, list) or not data or not isinstance(defaults, dict):
        raise ConfigError(f"{path}: expected a list of jobs (mappings of sample options, each with `out`)")
    out: list[tuple[SampleRequest | None, UserError | None]] = []
    for i, entry in enumerate(data):
        source = f"{path}: job {i + 1}"
        try:
            if not isinstance(entry, dict) or not entry.get("out"):
                raise ConfigError(f"{source}: each job needs an `out` run directory")
            out.append((SampleRequest.from_data({**defaults, **entry}, source), None))
        except UserError as e:
            out.append((None, e))
    return out
