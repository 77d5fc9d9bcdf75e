"""Long-form windowing: which windows of ``n_ctx`` codes cover a level, and in what order.

Kept apart from the transformer (audiocraft-style): a window is just a range of code positions;
what is already known in it is the prime, the rest is sampled.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    start: int  # first code position of the window at its level
    length: int  # codes in the window (n_ctx, or fewer for a level shorter than one context)


def window_starts(total: int, n_ctx: int, hop: int) -> list[int]:
    """Starts of windows of ``n_ctx`` advancing by ``hop``; the last is pulled back to end at ``total``
    so it keeps a full context (the original's rule)."""
    assert total >= n_ctx and 0 < hop <= n_ctx, f"total {total}, n_ctx {n_ctx}, hop {hop}"
    starts = []
    for start in range(0, total - n_ctx + hop, hop):
        if start + n_ctx >= total:
            start = total - n_ctx
        starts.append(start)
    return starts


def level_windows(total: int, n_ctx: int, hop_fraction: float) -> list[Window]:
    """The windows that cover ``total`` codes of one level, in sampling order."""
    if total < n_ctx:
        return [Window(0, total)]
    hop = int(hop_fraction * n_ctx)
    return [Window(s, n_ctx) for s in window_starts(total, n_ctx, hop)]
