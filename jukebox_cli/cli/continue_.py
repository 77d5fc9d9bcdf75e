"""``jukebox continue``: primed sampling from an audio file, or extending a sample of an earlier run."""

from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from jukebox_cli.cli.options import LogJson, Quiet, build_request, sampling_options
from jukebox_cli.cli.progress import make_events
from jukebox_cli.cli.sample import Out
from jukebox_cli.config import load_config
from jukebox_cli.errors import UserError
from jukebox_cli.runs.job import Job, Prime
from jukebox_cli.runs.request import SAMPLE_RATE
from jukebox_cli.runs.run_dir import RunDir
from jukebox_cli.runs.runner import run_request




@sampling_options
def continue_(source: Annotated[Path, typer.Argument(help="An audio file (wav, flac, ogg, mp3 ...) or a run "
                                                     "directory.", show_default=False)],
              prompt_seconds: Annotated[Optional[float], typer.Option(
                  "--prompt-seconds", help="Audio file: seconds of it to continue from.", show_default=False)] = None,
              pick: Annotated[Optional[int], typer.Option(
                  "--pick", help="Run directory: which sample to extend (default 0).", show_default=False)] = None,
              seconds: Annotated[Optional[float], typer.Option(
                  "--seconds", help="Run directory: seconds to add.", show_default=False)] = None,
              out: Out = None, quiet: Quiet = False, log_json: LogJson = False, *, opts: dict[str, Any]) -> None:
    """Continue an audio file (primed sampling) or extend a sample of an earlier run into new variations.

    From a run directory the new run goes to --out (default RUN_DIR-continue-<pick>), with the
    earlier run's labels and settings unless given again.
    """
    events = make_events(quiet, log_json)
    if RunDir(source).exists():
        if prompt_seconds is not None:
            raise UserError("--prompt-seconds is for audio files; to extend a run use --pick and --seconds")
        req, prime = _extend_run(RunDir(source), 0 if pick is None else pick, seconds, out, opts)
        run_request(req, events, prime)
        return
    if pick is not None or seconds is not None:
        raise UserError(f"--pick and --seconds are for run directories; {source} is not one (no job.yaml). For an "
                        "audio file give --prompt-seconds and --length")
    if prompt_seconds is None:
        raise UserError("--prompt-seconds is required: how many seconds of the audio file to continue from")
    run_request(build_request(opts, out=out, prompt=str(source), prompt_seconds=prompt_seconds), events)


def _extend_run(run: RunDir, pick: int, seconds: float | None, out: str | None, opts: dict[str, Any]):
    """The request and prime of a continuation: sample ``pick``'s codes, ``seconds`` longer."""
    old = run.load_job()
    if seconds is None or seconds <= 0:
        raise UserError("--seconds is required and must be positive: how much to add to the sample")
    if not 0 <= pick < old.n_samples:
        raise UserError(f"--pick {pick}: {run.path} has samples 0 to {old.n_samples - 1}")
    if opts["length"] is not None or opts["sample_length"] is not None:
        raise UserError("a continuation's length is the earlier sample's plus --seconds; drop --length/--sample-length")
    cfg = load_config(opts["model"] or old.model)
    top, hop = cfg.top_level, cfg.raw_to_tokens(cfg.top_level)
    codes = run.load_codes(top)
    need = old.sample_length // hop
    if codes is None or codes.shape[1] < need:
        raise UserError(f"{run.path} has not finished its top level; `jukebox resume {run.path} --levels "
                        f"{top}` first")
    data = {**_inherited(old, pick), **{k: v for k, v in opts.items() if v not in (None, False)}}
    data["sample_length"] = need * hop + round(seconds * SAMPLE_RATE) // hop * hop
    data["out"] = out or f"{run.path}-continue-{pick}"
    prime = Prime(run=str(run.path.resolve()), pick=(pick,), tokens=need)
    return build_request(data), prime


def _inherited(old: Job, pick: int) -> dict[str, Any]:
    """The earlier run's options for sample ``pick``, as a request would spell them."""
    song = old.songs[pick]
    per_level = {f: [getattr(s, f) for s in old.settings] for f in ("temperature", "top_k", "top_p", "hop_fraction",
                                                                   "chunk_size", "max_batch_size")}
    return {"model": old.model, "models_dir": old.models_dir, "ids_dir": old.ids_dir, "device": old.device,
            "fp16": old.fp16, "allow_unknown": old.allow_unknown, "levels": list(old.levels),
            "artist": [song.artist], "genre": [song.genre], "lyrics": [song.lyrics],
            "total_length": [f"{song.total_length}samples"], "offset": [f"{song.offset}samples"], **per_level}


