"""Shared helpers of the CLI tests (no tests here): tiny models, the golden scenario's options, runners."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from jukebox_cli.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "reference"
MODELS = SHARED / "tiny" / "models"
IDS = SHARED / "ids"
GOLDEN = SHARED / "tiny" / "golden.npz"
SCENARIOS = json.loads((SHARED / "tiny" / "scenarios.json").read_text())


def preset(name: str) -> str:
    return str(ROOT / "tests" / "presets" / f"tiny_{name}.yaml")


def model_args(name: str = "5b") -> list[str]:
    return ["--model", preset(name), "--models-dir", str(MODELS), "--ids-dir", str(IDS), "--device", "cpu"]


def scenario_args(scenario: str, top_n_ctx: int = 64) -> list[str]:
    """The options that reproduce a golden scenario: its two songs as repeated options, its per-level settings."""
    s = SCENARIOS[scenario]
    args = ["--n-samples", str(len(s["metas"])), "--top-k", str(s["top_k"]), "--seed", "0"]
    for m in s["metas"]:
        args += ["--artist", m["artist"], "--genre", m["genre"], "--lyrics", m["lyrics"],
                 "--total-length", f"{m['total_length'] / 44100:g}", "--offset", f"{m['offset'] / 44100:g}"]
    if "level" in s:  # top level only
        return args + ["--levels", "2", "--sample-length", str(s["total_tokens"] * 128),
                       "--hop-fraction", str(s["hop_length"] / top_n_ctx), "--chunk-size", str(s["chunk_size"]),
                       "--max-batch-size", str(s["max_batch_size"])]
    join = lambda xs: ",".join(map(str, xs))  # noqa: E731
    return args + ["--sample-length", str(s["sample_length"]), "--hop-fraction", join(s["hop_fraction"]),
                   "--chunk-size", join(s["chunk_size"]), "--max-batch-size", join(s["max_batch_size"])]


def golden(key: str) -> np.ndarray:
    with np.load(GOLDEN) as g:
        return g[key]


def codes(run: Path, level: int) -> np.ndarray:
    return np.load(run / f"level_{level}" / "codes.npy")


def invoke(*args: str):
    """Run the real Typer app in-process (fast; what a user types, minus the process)."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "jukebox_cli.cli.app", *map(str, args)]


def run_cli(*args: str, **kw) -> subprocess.CompletedProcess:
    """Run the CLI in a fresh process (for kills, resource limits and closed stdin)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(cli_command(*args), cwd=ROOT, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=300, **kw)
