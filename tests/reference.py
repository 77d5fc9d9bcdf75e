"""Paths and loaders for the reference data in ../shared (never copied into this repository)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "reference"
TINY = SHARED / "tiny"
TINY_MODELS = TINY / "models"
IDS = SHARED / "ids"
TINY_PRESETS = REPO / "tests" / "presets"

# Golden role name -> (tiny preset file, level)
ROLES = {
    "upsampler_level_0": ("tiny_5b", 0),
    "upsampler_level_1": ("tiny_5b", 1),
    "prior_5b": ("tiny_5b", 2),
    "prior_5b_lyrics": ("tiny_5b_lyrics", 2),
    "prior_1b_lyrics": ("tiny_1b_lyrics", 2),
}
REAL_PRESET = {"prior_5b": ("5b", 2), "prior_5b_lyrics": ("5b_lyrics", 2), "prior_1b_lyrics": ("1b_lyrics", 2),
               "upsampler_level_0": ("5b", 0), "upsampler_level_1": ("5b", 1)}


@functools.cache
def golden() -> dict[str, np.ndarray]:
    with np.load(TINY / "golden.npz") as g:
        return {k: g[k] for k in g.files}


@functools.cache
def scenarios() -> dict:
    return json.loads((TINY / "scenarios.json").read_text())


@functools.cache
def manifest() -> dict:
    return json.loads((SHARED / "openai_state_dict_manifest.json").read_text())


def tiny_preset(role_or_name: str) -> Path:
    name = ROLES[role_or_name][0] if role_or_name in ROLES else role_or_name
    return TINY_PRESETS / f"{name}.yaml"
