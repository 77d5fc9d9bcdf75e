"""What a run reports while it works; the CLI turns these into progress bars or JSON lines.

The runs layer only calls these hooks, so sampling code never knows how (or whether) it is shown.
"""

from __future__ import annotations

from pathlib import Path


class RunEvents:
    """No-op base: override what a display needs. Token counts are per level, all samples together."""

    def message(self, text: str) -> None:
        """Something the user should know (where the run is written, a skipped finished job)."""

    def warning(self, text: str) -> None:
        """Input that was accepted but changed (lyrics characters dropped, unknown names allowed)."""

    def run_start(self, run_dir: Path, remaining: dict[int, int]) -> None:
        """Sampling begins; ``remaining[level]`` tokens are still to be drawn at each level to run."""

    def level_start(self, level: int, remaining: int) -> None:
        """A level begins with ``remaining`` tokens to draw."""

    def tokens(self, level: int, n: int) -> None:
        """``n`` more tokens were drawn at ``level``."""

    def window(self, level: int, done: int, total: int) -> None:
        """A window's codes were saved: ``done`` of ``total`` codes per sample exist at ``level``."""

    def level_done(self, level: int, seconds: float) -> None:
        """A level's codes and audio are saved."""

    def run_done(self, run_dir: Path, seconds: float) -> None:
        """Every requested level is saved."""

    def close(self) -> None:
        """Stop any display; called after the run ends, also when it failed."""
