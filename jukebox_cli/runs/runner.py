"""Run a job into a run directory: validate, sample level by level, save after every window, resume.

Everything that can be checked without weights is checked first (names, lengths, offsets, every
window's label, the prompt), so bad input fails in a second rather than after a model load. The
codes already in the directory are the starting point, so a killed run continues from its last
saved window and, the noise being keyed by position, ends with the codes of an uninterrupted run.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import torch

from jukebox_cli.audio import read_audio
from jukebox_cli.errors import AudioError, UserError
from jukebox_cli.labels import Labeller
from jukebox_cli.models.jukebox import Jukebox, load_model
from jukebox_cli.runs.events import RunEvents
from jukebox_cli.config import load_config
from jukebox_cli.runs.job import Job, Prime
from jukebox_cli.runs.request import SampleRequest, resolve_job
from jukebox_cli.runs.run_dir import RunDir
from jukebox_cli.sampling.pipeline import LevelCallbacks, SongLabels, check_length, decode_level, encode_prompt, sample_song
from jukebox_cli.sampling.windows import level_windows


@dataclass
class Prepared:
    """A validated job with its (lazily loaded) model and labels."""

    job: Job
    jb: Jukebox
    labels: SongLabels
    top_labeller: Labeller

    def total(self, level: int) -> int:
        """Codes per sample at ``level`` when the run is complete."""
        return self.job.sample_length // self.jb.cfg.raw_to_tokens(level)


def prepare(job: Job, events: RunEvents) -> Prepared:
    """Check the job against the model without loading any weights; warn about cleaned lyrics or unknown names."""
    jb = load_model(job.model, job.models_dir, job.ids_dir, job.device,
                    torch.float16 if job.fp16 else torch.float32)
    cfg = jb.cfg
    if len(job.settings) != len(cfg.priors):
        raise UserError(f"the job has settings for {len(job.settings)} levels, model {cfg.name} has {len(cfg.priors)}")
    labels = SongLabels(jb, [s.meta() for s in job.songs], job.allow_unknown)
    top = cfg.prior(cfg.top_level)
    top_labeller = Labeller(top.labels, top.n_tokens, jb.ids_dir)
    for i, (song, res) in enumerate(zip(job.songs, labels.resolved(cfg.top_level))):
        if res.dropped:
            events.warning(f"sample {i}: lyrics characters outside the model's vocabulary were removed: "
                           f"{''.join(sorted(res.dropped))!r}")
        for unknown in res.unknown:
            events.warning(f"sample {i}: {unknown.message()}; using id 0 (unknown)")
        top_labeller.check_time_range(song.total_length, song.offset, job.sample_length)
    check_length(jb, job.sample_length, job.levels)
    prepared = Prepared(job, jb, labels, top_labeller)
    for level in job.levels:
        p = cfg.prior(level)
        for win in level_windows(prepared.total(level), p.n_ctx, job.settings[level].hop_fraction):
            labels(level, win.start)  # raises if a window falls outside a song (offset past its end)
    _check_prime(prepared)
    return prepared


def _check_prime(prep: Prepared) -> None:
    prime, job = prep.job.prime, prep.job
    if prime is None:
        return
    hop = prep.jb.cfg.raw_to_tokens(prep.jb.cfg.top_level)
    if prime.audio is not None:
        if prime.prompt_length // hop * hop >= job.sample_length:
            raise AudioError(f"the prompt ({prime.prompt_length / 44100:.2f} s) must be shorter than the requested "
                             f"length ({job.sample_length / 44100:.2f} s); ask for a longer song or a shorter prompt")
        read_audio(prime.audio)
    if prime.run is not None and prime.tokens * hop > job.sample_length:
        raise UserError(f"the codes taken from {prime.run} ({prime.tokens * hop} samples) are longer than "
                        f"the requested length ({job.sample_length} samples)")


def prime_codes(prep: Prepared) -> list[torch.Tensor | None]:
    """Codes every sample starts from at each level (None where a level starts empty)."""
    job, jb = prep.job, prep.jb
    levels = len(jb.cfg.priors)
    prime = job.prime
    if prime is None:
        return [None] * levels
    if prime.audio is not None:
        audio = read_audio(prime.audio)[:prime.prompt_length]
        zs = encode_prompt(jb, torch.from_numpy(audio)[None, :, None])
        return [z.repeat(job.n_samples, 1) for z in zs]
    # Every level the earlier run finished for the picked samples is kept (as the original's
    # continue does); a level it did not finish is sampled afresh over the whole song.
    top, hops, source = jb.cfg.top_level, jb.cfg.vqvae.hop_lengths, RunDir(prime.run)
    out: list[torch.Tensor | None] = []
    for level in range(levels):
        n = prime.tokens * hops[top] // hops[level]
        codes = source.load_codes(level)
        if codes is None or codes.shape[1] < n or max(prime.pick) >= codes.shape[0]:
            if level == top:
                raise UserError(f"{prime.run} no longer has the top-level codes this run starts from")
            out.append(None)
            continue
        z = torch.from_numpy(codes[list(prime.pick), :n])
        out.append(z.repeat(job.n_samples, 1) if len(prime.pick) == 1 else z)
    return out


def initial_codes(prep: Prepared, run: RunDir) -> list[torch.Tensor]:
    """Saved codes where the run directory has them, else the prime, else nothing."""
    job = prep.job
    primes: list[torch.Tensor | None] | None = None
    zs = []
    for level in range(len(prep.jb.cfg.priors)):
        saved = run.load_codes(level)
        if saved is not None:
            if saved.shape[0] != job.n_samples or saved.shape[1] > prep.total(level):
                raise UserError(f"{run.codes_path(level)} holds {saved.shape[0]} x {saved.shape[1]} codes but the "
                                f"job has {job.n_samples} samples of at most {prep.total(level)} codes")
            zs.append(torch.from_numpy(saved))
            continue
        if primes is None:
            primes = prime_codes(prep)
        zs.append(primes[level] if primes[level] is not None else torch.zeros(job.n_samples, 0, dtype=torch.long))
    return zs


def open_run(job: Job, out: Path) -> tuple[RunDir, Job | None]:
    """The run directory for ``job`` and the job it already holds; a different job there is an error."""
    run = RunDir(out)
    if not run.exists():
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise UserError(f"{out} exists and is not a run directory; choose another --out")
        return run, None
    old = run.load_job()
    diffs = old.differences(job)
    if diffs:
        raise UserError(f"{out} already holds a different job; use another --out, or `jukebox resume {out}` to "
                        "finish the one there. Differences:\n  " + "\n  ".join(diffs))
    return run, old


def is_finished(run: RunDir, job: Job, hop_lengths: tuple[int, ...]) -> bool:
    for level in job.levels:
        codes = run.load_codes(level)
        if codes is None or codes.shape[1] < job.sample_length // hop_lengths[level]:
            return False
        if not run.has_wavs(level, job.n_samples):
            return False
    return True


def run_job(job: Job, out: Path, events: RunEvents) -> bool:
    """Sample ``job`` into ``out``, resuming whatever is already saved there; False if it was already finished."""
    run, old = open_run(job, out)
    if old is not None:
        job = _merge_levels(old, job)
    prep = prepare(job, events)
    if is_finished(run, job, prep.jb.cfg.vqvae.hop_lengths):
        events.message(f"{out}: already finished")
        return False
    run.save_job(job)
    events.message(f"{'resuming' if old else 'writing'} run {out}")
    try:
        _Execution(prep, run, events).run()
    finally:
        events.close()
    return True


def run_request(req: SampleRequest, events: RunEvents, prime: Prime | None = None) -> bool:
    """Resolve a user's request against the model (and the run already in ``req.out``) and run it."""
    cfg = load_config(req.model)
    out = Path(req.out) if req.out else Path("runs") / f"{cfg.name}-{datetime.now():%Y%m%d-%H%M%S}"
    existing = RunDir(out).load_job() if RunDir(out).exists() else None
    return run_job(resolve_job(req, cfg, existing, prime), out, events)


def _merge_levels(old: Job, new: Job) -> Job:
    """A resumed job keeps the levels it had and gains the newly asked ones."""
    return dataclasses.replace(new, levels=tuple(sorted(set(old.levels) | set(new.levels))))


class _Execution:
    """One sitting of a run: sampling the unfinished levels, saving codes, audio and metadata."""

    def __init__(self, prep: Prepared, run: RunDir, events: RunEvents):
        self.prep, self.run_dir, self.events = prep, run, events
        self.meta = _base_metadata(prep, run.load_metadata())
        self.level = prep.jb.cfg.top_level  # the level being sampled, for token counts

    def run(self) -> None:
        prep, job = self.prep, self.prep.job
        zs = initial_codes(prep, self.run_dir)
        remaining = {lv: (prep.total(lv) - zs[lv].shape[1]) * job.n_samples for lv in job.levels}
        self.events.run_start(self.run_dir.path, remaining)
        self._save_meta("running")
        started = time.monotonic()
        settings = [s.settings() for s in job.settings]
        callbacks = LevelCallbacks(on_window=self._window, on_tokens=self._tokens, on_level_done=self._level_done)
        for level in sorted(job.levels, reverse=True):
            if zs[level].shape[1] >= prep.total(level) and self.run_dir.has_wavs(level, job.n_samples):
                continue
            t0 = time.monotonic()
            self.level = level
            self.events.level_start(level, remaining[level])
            if zs[level].shape[1] < prep.total(level):
                zs = sample_song(prep.jb, zs, [level], job.sample_length, prep.labels, settings, job.seed,
                                 callbacks=callbacks)
            else:
                self._level_done(level, zs, decode_level(prep.jb, zs[level], level))
            prep.jb.release(level)
            timings = self.meta["timings"]
            timings[f"level_{level}"] = round(timings.get(f"level_{level}", 0.0) + time.monotonic() - t0, 3)
            self._save_meta("running")
            self.events.level_done(level, time.monotonic() - t0)
        self._save_meta("done")
        self.events.run_done(self.run_dir.path, time.monotonic() - started)

    def _tokens(self, n: int) -> None:
        self.events.tokens(self.level, n)

    def _window(self, level: int, zs: list[torch.Tensor]) -> None:
        self.run_dir.save_codes(level, zs[level].numpy())
        self.events.window(level, zs[level].shape[1], self.prep.total(level))

    def _level_done(self, level: int, zs: list[torch.Tensor], audio: torch.Tensor) -> None:
        self.run_dir.save_codes(level, zs[level].numpy())
        rate = self.prep.jb.cfg.sample_rate
        for i in range(audio.shape[0]):
            self.run_dir.save_wav(level, i, audio[i, :, 0].numpy(), rate)

    def _save_meta(self, status: str) -> None:
        self.meta["status"] = status
        self.meta["updated"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.run_dir.save_metadata(self.meta)


def _base_metadata(prep: Prepared, old: dict[str, Any]) -> dict[str, Any]:
    """Model, labels (ids and the names they stand for), seed and settings; timings carried over."""
    job, cfg = prep.job, prep.jb.cfg
    labels = []
    for i, song in enumerate(job.songs):
        ids = {}
        for level in sorted(job.levels, reverse=True):
            r = prep.labels.resolved(level)[i]
            ids[f"level_{level}"] = {"artist_id": r.artist_id, "genre_ids": [g for g in r.genre_ids if g >= 0]}
        top = prep.labels.resolved(cfg.top_level)[i]
        labels.append({"artist": song.artist, "genre": song.genre,
                       "artist_names": prep.top_labeller.artists.names(top.artist_id),
                       "genre_names": [prep.top_labeller.genres.names(g) for g in top.genre_ids if g >= 0],
                       "lyrics": top.lyrics, "total_length": song.total_length, "offset": song.offset, "ids": ids})
    return {
        "model": job.model, "n_samples": job.n_samples, "sample_length": job.sample_length,
        "sample_rate": cfg.sample_rate, "seconds": job.sample_length / cfg.sample_rate, "seed": job.seed,
        "levels": list(job.levels), "fp16": job.fp16, "device": str(prep.jb.device),
        "settings": {f"level_{lv}": dataclasses.asdict(s) for lv, s in enumerate(job.settings)},
        "labels": labels, "timings": dict(old.get("timings", {})), "status": "running",
    }
