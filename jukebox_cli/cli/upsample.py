"""``jukebox upsample``: sample the upsampler levels for chosen top-level samples of a run."""

import dataclasses
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from jukebox_cli.cli.options import LogJson, Quiet, build_request, runtime_options
from jukebox_cli.cli.progress import make_events
from jukebox_cli.cli.sample import Out, RunArg
from jukebox_cli.config import load_config
from jukebox_cli.errors import UserError
from jukebox_cli.runs.job import Prime
from jukebox_cli.runs.request import with_runtime
from jukebox_cli.runs.run_dir import RunDir
from jukebox_cli.runs.runner import run_job


@runtime_options
def upsample(run_dir: RunArg,
             pick: Annotated[Optional[str], typer.Option("--pick", help="Comma list of samples to upsample "
                                                         "(default: all).", show_default=False)] = None,
             out: Out = None, quiet: Quiet = False, log_json: LogJson = False, *, opts: dict[str, Any]) -> None:
    """Upsample top-level samples of a run (e.g. one sampled with --levels 2) to full-quality audio.

    All samples: written into RUN_DIR itself (levels 1 and 0 are added to it). A subset (--pick):
    written to a new run directory, --out or RUN_DIR-upsample-<picks>, whose sample i is pick i.
    """
    run = RunDir(run_dir)
    old = run.load_job()
    cfg = load_config(old.model)
    picks = _parse_picks(pick, old.n_samples)
    job = with_runtime(dataclasses.replace(old, levels=tuple(p.level for p in cfg.priors)), cfg, build_request(opts))
    if picks is None or (picks == list(range(old.n_samples)) and out is None):
        run_job(job, run_dir, make_events(quiet, log_json))
        return
    top = cfg.top_level
    need = old.sample_length // cfg.raw_to_tokens(top)
    codes = run.load_codes(top)
    if codes is None or codes.shape[1] < need:
        raise UserError(f"{run_dir} has not finished its top level; `jukebox resume {run_dir}` first")
    job = dataclasses.replace(job, songs=tuple(old.songs[i] for i in picks),
                              prime=Prime(run=str(run_dir.resolve()), pick=tuple(picks), tokens=need))
    target = Path(out) if out else Path(f"{run_dir}-upsample-{'-'.join(map(str, picks))}")
    run_job(job, target, make_events(quiet, log_json))


def _parse_picks(text: str | None, n_samples: int) -> list[int] | None:
    if text is None:
        return None
    try:
        picks = [int(p) for p in text.split(",")]
    except ValueError:
        raise UserError(f"--pick takes sample numbers like 0,2; got {text!r}") from None
    bad = [p for p in picks if not 0 <= p < n_samples]
    if bad or len(set(picks)) != len(picks):
        raise UserError(f"--pick {text}: the run has samples 0 to {n_samples - 1}, each picked at most once")
    return picks
