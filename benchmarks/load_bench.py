"""Load time and peak host RAM of a top prior: converted safetensors vs the original pickle format.

Writes a random-weight checkpoint of the real size in both formats (fp16 tensors, the pickle in
the legacy non-zip format of the released files), loads each in a fresh process with
``load_prior`` and reports wall time, peak RSS (``ru_maxrss``) and anonymous RSS, then deletes
the files. The 5b_lyrics top prior is ~5.6B parameters: ~11.3 GB per format on disk, and the
pickle side needs that much RAM. Usage::

    python benchmarks/load_bench.py --model 5b_lyrics --dir /tmp/jbbench [--skip-pickle]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import torch

from jukebox_cli.checkpoints.convert import write_safetensors
from jukebox_cli.checkpoints.store import converted_path
from jukebox_cli.config import load_config
from jukebox_cli.models.build import build_prior, load_prior


def make_files(model: str, level: int, root: Path, pickle: bool) -> None:
    cfg = load_config(model)
    ckpt = cfg.prior(level).checkpoint
    shapes = {k: (v.shape, v.dtype) for k, v in build_prior(cfg, level).state_dict().items()}
    state = {k: torch.empty(s, dtype=torch.float16 if d.is_floating_point else d).uniform_(-0.02, 0.02)
             for k, (s, d) in shapes.items()}
    n = sum(v.numel() for v in state.values())
    print(f"{model} level {level}: {n / 1e9:.3f}B parameters", flush=True)
    write_safetensors(converted_path(root / "converted", ckpt), state, torch.float16)
    if pickle:
        (root / "original" / ckpt).parent.mkdir(parents=True, exist_ok=True)
        torch.save({"hps": {}, "model": state, "step": 0}, root / "original" / ckpt, _use_new_zipfile_serialization=False)


def measure(model: str, level: int, models_dir: str) -> dict[str, float]:
    """Run in a fresh process: load the prior on the CPU in fp16 and report time and memory."""
    t0 = time.perf_counter()
    prior = load_prior(load_config(model), level, models_dir, "cpu", torch.float16)
    load_s = time.perf_counter() - t0
    anon_load = _rss_anon_gb()
    t0 = time.perf_counter()
    with torch.no_grad():  # touch every weight once, as moving it to a GPU would
        total = sum(float(p.float().sum()) for p in prior.parameters())
    touch_s = time.perf_counter() - t0
    return {"load_s": load_s, "touch_s": touch_s, "rss_anon_after_load_gb": anon_load,
            "rss_anon_after_touch_gb": _rss_anon_gb(), "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6,
            "checksum": total}


def _rss_anon_gb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) / 1e6
    return float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="5b_lyrics")
    ap.add_argument("--level", type=int, default=2)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/jbbench"))
    ap.add_argument("--skip-pickle", action="store_true", help="only the safetensors side (needs less RAM)")
    ap.add_argument("--measure", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(args.model, args.level, args.measure)))
        return
    try:
        t0 = time.perf_counter()
        make_files(args.model, args.level, args.dir, not args.skip_pickle)
        print(f"wrote test files in {time.perf_counter() - t0:.0f} s", flush=True)
        for fmt in ("converted",) + (() if args.skip_pickle else ("original",)):
            out = subprocess.run([sys.executable, __file__, "--model", args.model, "--level", str(args.level),
                                  "--measure", str(args.dir / fmt)], check=True, capture_output=True, text=True)
            print(fmt, out.stdout.strip().splitlines()[-1], flush=True)
    finally:
        shutil.rmtree(args.dir, ignore_errors=True)


if __name__ == "__main__":
    main()
