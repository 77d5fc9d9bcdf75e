"""Showing a run: rich progress bars, JSON lines for logs, or only warnings.

Progress goes to stderr and JSON events to stdout, so ``--log-json`` output can be piped into a
log processor while warnings and errors stay readable. Nothing here ever reads stdin.
"""

import json
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from jukebox_cli.runs.events import RunEvents

stderr = Console(stderr=True, soft_wrap=True)  # messages hold paths and commands: never wrap them


class QuietEvents(RunEvents):
    """Warnings only (``--quiet``)."""

    def warning(self, text: str) -> None:
        stderr.print(f"[yellow]warning:[/] {text}", highlight=False)


class ConsoleEvents(QuietEvents):
    """One progress bar per level with tokens/s, plus a whole-run bar whose ETA covers every level."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.tasks: dict[int, TaskID] = {}
        self.total_task: TaskID | None = None

    def message(self, text: str) -> None:
        stderr.print(text, highlight=False)

    def run_start(self, run_dir: Path, remaining: dict[int, int]) -> None:
        self.progress = Progress(TextColumn("{task.description:<9}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]:>8} tok/s"), TimeRemainingColumn(),
                                 console=stderr, transient=False)
        self.progress.start()
        self.total_task = self.progress.add_task("whole run", total=sum(remaining.values()) or 1, rate="")
        for level in sorted(remaining, reverse=True):
            self.tasks[level] = self.progress.add_task(f"level {level}", total=remaining[level] or 1, rate="",
                                                       start=False)

    def level_start(self, level: int, remaining: int) -> None:
        if self.progress is not None:
            self.progress.start_task(self.tasks[level])

    def tokens(self, level: int, n: int) -> None:
        if self.progress is None:
            return
        task = self.tasks[level]
        self.progress.advance(task, n)
        self.progress.advance(self.total_task, n)
        for t in (task, self.total_task):
            speed = self.progress.tasks[t].speed
            self.progress.update(t, rate=f"{speed:.1f}" if speed else "")

    def level_done(self, level: int, seconds: float) -> None:
        if self.progress is not None:
            t = self.progress.tasks[self.tasks[level]]
            self.progress.update(self.tasks[level], completed=t.total)

    def run_done(self, run_dir: Path, seconds: float) -> None:
        self.close()
        stderr.print(f"done in {seconds:.1f} s: {run_dir}", highlight=False)

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None


class JsonEvents(RunEvents):
    """``--log-json``: one JSON object per line on stdout, with a timestamp."""

    def _emit(self, event: str, **fields: Any) -> None:
        sys.stdout.write(json.dumps({"time": round(time.time(), 3), "event": event, **fields}) + "\n")
        sys.stdout.flush()

    def message(self, text: str) -> None:
        self._emit("message", text=text)

    def warning(self, text: str) -> None:
        self._emit("warning", text=text)

    def run_start(self, run_dir: Path, remaining: dict[int, int]) -> None:
        self._emit("run_start", run_dir=str(run_dir), remaining_tokens={str(k): v for k, v in remaining.items()})

    def level_start(self, level: int, remaining: int) -> None:
        self._emit("level_start", level=level, remaining_tokens=remaining)

    def window(self, level: int, done: int, total: int) -> None:
        self._emit("window", level=level, codes=done, total=total)

    def level_done(self, level: int, seconds: float) -> None:
        self._emit("level_done", level=level, seconds=round(seconds, 3))

    def run_done(self, run_dir: Path, seconds: float) -> None:
        self._emit("run_done", run_dir=str(run_dir), seconds=round(seconds, 3))

    def error(self, text: str) -> None:
        self._emit("error", text=text)


def make_events(quiet: bool, log_json: bool) -> RunEvents:
    if log_json:
        return JsonEvents()
    return QuietEvents() if quiet else ConsoleEvents()
