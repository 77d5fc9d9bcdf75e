"""``jukebox download``: get every part of a model and its id tables, then convert to safetensors.

Parts already converted are skipped, so running it again resumes (partial URL downloads continue
from their ``.part`` files, partial hub downloads from the hub cache). Sources are tried in the
preset's order; each fills what it can (the hub has no plain 5b top prior, so 5b falls through
to the original OpenAI files). The disk-space need is checked before each source starts.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import torch

from jukebox_cli.checkpoints.convert import convert_hub, convert_original
from jukebox_cli.checkpoints.download import Progress, ensure_space, fetch_url, hub_file, offline
from jukebox_cli.checkpoints.hub_layout import INDEX_FILE, part_prefix, read_index
from jukebox_cli.checkpoints.integrity import verify_file
from jukebox_cli.checkpoints.sources import (IDS_SHA256, HubSource, LocalSource, UrlSource, file_info,
                                             select_sources)
from jukebox_cli.checkpoints.store import Part, converted_path, missing_ids, model_parts, part_status
from jukebox_cli.config import ModelConfig, load_config
from jukebox_cli.errors import CheckpointError
from jukebox_cli.models.build import build_prior
from jukebox_cli.models.vqvae import VQVAE

Log = Callable[[str], None]


def part_shapes(cfg: ModelConfig, part: Part) -> dict[str, torch.Size]:
    """Our state-dict keys and shapes of one part (from a model built on ``meta``: no memory)."""
    if part.level is None:
        with torch.device("meta"):
            module = VQVAE(cfg.vqvae)
    else:
        module = build_prior(cfg, part.level)
    return {k: v.shape for k, v in module.state_dict().items()}


def converted_bytes(cfg: ModelConfig, parts: list[Part], dtype: torch.dtype) -> int:
    return sum(s.numel() for p in parts for s in part_shapes(cfg, p).values()) * dtype.itemsize


def download_model(name: str | Path, models_dir: str | Path, source: str | None = None,
                   cache_dir: str | Path | None = None, dtype: torch.dtype = torch.float16,
                   keep_original: bool = False, progress: Progress | None = None, log: Log = print) -> list[str]:
    """Fetch and convert every missing part of model ``name`` into ``models_dir``; returns what was done."""
    cfg = load_config(name)
    models_dir = Path(models_dir)
    done: list[str] = []
    for part in model_parts(cfg):  # pickles already on disk (a manual download) only need converting
        if part_status(models_dir, part) == "original":
            convert_original(models_dir / part.checkpoint, converted_path(models_dir, part.checkpoint), dtype)
            done.append(f"converted {part.checkpoint}")
    errors = []
    for src in select_sources(cfg, source):
        todo = [p for p in model_parts(cfg) if part_status(models_dir, p) is None]
        if not todo and not missing_ids(models_dir / "ids"):
            break
        log(f"{cfg.name}: fetching {', '.join(p.checkpoint for p in todo) or 'id tables'} from {src}")
        try:
            done += _FETCHERS[type(src)](src, cfg, todo, models_dir, cache_dir, dtype, keep_original, progress)
        except CheckpointError as e:
            errors.append(f"{src}: {e}")
            log(f"  {e}")
    todo = [p.checkpoint for p in model_parts(cfg) if part_status(models_dir, p) is None]
    todo += [f"ids/{f}" for f in missing_ids(models_dir / "ids")]
    if todo:
        raise CheckpointError(f"could not get {', '.join(todo)} for {cfg.name}: "
                              + ("; ".join(errors) or "no source has them"))
    return done


def _from_hub(src: HubSource, cfg: ModelConfig, todo: list[Part], models_dir: Path, cache_dir: str | Path | None,
              dtype: torch.dtype, keep_original: bool, progress: Progress | None) -> list[str]:
    index = hub_file(src, INDEX_FILE, cache_dir)
    done = _ids_from_hub_json([hub_file(src, f, cache_dir) for f in ("artists.json", "genres.json")], models_dir)
    if todo:
        weight_map = read_index(index)
        parts = _hub_parts(cfg, todo, models_dir)
        shards = sorted({weight_map[h] for h in weight_map if h.startswith(tuple(parts))})
        ensure_space(models_dir, converted_bytes(cfg, todo, dtype), f"the converted {cfg.name} parts")
        for shard in shards:  # the hub client checks the cache disk itself, with the sizes it gets
            hub_file(src, shard, cache_dir)
        done += [f"converted {p}" for p in convert_hub(index, parts, dtype)]
    return done


def _hub_parts(cfg: ModelConfig, todo: list[Part], models_dir: Path) -> dict[str, tuple[list[str], Path]]:
    return {part_prefix(p.level, cfg.top_level): (list(part_shapes(cfg, p)), converted_path(models_dir, p.checkpoint))
            for p in todo}


def _ids_from_hub_json(files: list[Path], models_dir: Path) -> list[str]:
    """Write the ``name;id`` tables from the hub's ``artists.json``/``genres.json``.

    The transformers tokenizer keeps both versions in one mapping: v2 names carry a ``.v2``
    suffix, v3 names none.
    """
    ids_dir = models_dir / "ids"
    if not missing_ids(ids_dir):
        return []
    ids_dir.mkdir(parents=True, exist_ok=True)
    for kind, path in zip(("artist", "genre"), files):
        table = json.loads(path.read_text(encoding="utf-8"))
        for version in ("v2", "v3"):
            lines = [f"{k.removesuffix('.v2')};{v}\n" for k, v in table.items() if k.endswith(".v2") == (version == "v2")]
            (ids_dir / f"{version}_{kind}_ids.txt").write_text("".join(lines), encoding="utf-8")
    return ["wrote id tables"]


def _from_url(src: UrlSource, cfg: ModelConfig, todo: list[Part], models_dir: Path, cache_dir: str | Path | None,
              dtype: torch.dtype, keep_original: bool, progress: Progress | None) -> list[str]:
    if offline():
        raise CheckpointError("HF_HUB_OFFLINE is set: not downloading from URLs")
    done = []
    for f in missing_ids(models_dir / "ids"):
        fetch_url(src.ids + f, models_dir / "ids" / f, sha256=IDS_SHA256[f], progress=progress)
        done.append(f"downloaded ids/{f}")
    sizes = [file_info(cfg, p.checkpoint).size for p in todo]
    ensure_space(models_dir, converted_bytes(cfg, todo, dtype) + sum(s or 0 for s in sizes),
                 f"{cfg.name}'s original files and their conversion")
    for part in todo:
        info = file_info(cfg, part.checkpoint)
        for attempt in (1, 2):
            original = fetch_url(src.base + part.checkpoint, models_dir / part.checkpoint, info.size, info.sha256,
                                 progress)
            try:  # with no known checksum, an unreadable pickle is how corruption shows: fetch it again once
                convert_original(original, converted_path(models_dir, part.checkpoint), dtype)
                break
            except CheckpointError:
                original.unlink()
                if attempt == 2:
                    raise
        if not keep_original:
            original.unlink()
        done.append(f"downloaded and converted {part.checkpoint}")
    return done


def _from_local(src: LocalSource, cfg: ModelConfig, todo: list[Part], models_dir: Path, cache_dir: str | Path | None,
                dtype: torch.dtype, keep_original: bool, progress: Progress | None) -> list[str]:
    """Convert from a directory in the hub layout (has the index) or the original layout."""
    root = src.root
    if (root / INDEX_FILE).is_file():
        done = _ids_from_hub_json([root / "artists.json", root / "genres.json"], models_dir)
        return done + [f"converted {p}" for p in convert_hub(root / INDEX_FILE, _hub_parts(cfg, todo, models_dir), dtype)]
    done = []
    (models_dir / "ids").mkdir(parents=True, exist_ok=True)
    for f in missing_ids(models_dir / "ids"):
        if (root / "ids" / f).is_file():
            verify_file(root / "ids" / f, str(root / "ids" / f), sha256=IDS_SHA256[f])
            shutil.copyfile(root / "ids" / f, models_dir / "ids" / f)
    for part in todo:
        src_file = root / part.checkpoint
        if src_file.is_file():
            info = file_info(cfg, part.checkpoint)
            verify_file(src_file, str(src_file), info.size, info.sha256)
            convert_original(src_file, converted_path(models_dir, part.checkpoint), dtype)
            done.append(f"converted {src_file}")
    return done


_FETCHERS = {HubSource: _from_hub, UrlSource: _from_url, LocalSource: _from_local}
