"""`jukebox download` end to end against a local fake hub / file host serving the tiny models.

The real ``huggingface_hub`` client talks to :class:`fake_hub.FakeHub` on 127.0.0.1 (HF_ENDPOINT).
The transformers-layout copy of the tiny models is built here with our key mapping, so a
download from it exercises the mapping, the shard reading and the conversion for real.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml
from fake_hub import FakeHub
from huggingface_hub import constants
from reference import IDS, TINY_MODELS, golden, tiny_preset

from jukebox_cli.checkpoints.hub_layout import INDEX_FILE, hub_key_map, part_prefix
from jukebox_cli.checkpoints.install import download_model
from jukebox_cli.checkpoints.original import read_original_checkpoint
from jukebox_cli.checkpoints.store import ID_FILES, model_parts, part_status
from jukebox_cli.config import load_config
from jukebox_cli.errors import CheckpointError
from jukebox_cli.models.build import load_prior

REPO = "openai/jukebox-5b-lyrics"
SHARDS = ("pytorch_model-00001-of-00002.bin", "pytorch_model-00002-of-00002.bin")


def _bytes(obj: object) -> bytes:
    import io
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def hub_repo() -> dict[str, bytes]:
    """The tiny 5b_lyrics model in the transformers layout: two shards, index, id tables as JSON."""
    cfg = load_config(tiny_preset("tiny_5b_lyrics"))
    state = {}
    for part in model_parts(cfg):
        original = read_original_checkpoint(TINY_MODELS / part.checkpoint)["model"]
        for h, k in hub_key_map(original, part_prefix(part.level, cfg.top_level)).items():
            state[h] = original[k]
    keys = sorted(state)
    split = {k: SHARDS[i * 2 // len(keys)] for i, k in enumerate(keys)}
    files = {s: _bytes({k: state[k] for k in keys if split[k] == s}) for s in SHARDS}
    files[INDEX_FILE] = json.dumps({"metadata": {}, "weight_map": split}).encode()
    for kind in ("artist", "genre"):
        table = {}
        for version, suffix in (("v3", ""), ("v2", ".v2")):
            for line in (IDS / f"{version}_{kind}_ids.txt").read_text(encoding="utf-8").splitlines():
                name, _, i = line.rpartition(";")
                table[name + suffix] = int(i)
        files[f"{kind}s.json"] = json.dumps(table, ensure_ascii=False).encode()
    files["config.json"] = b'{"model_type": "jukebox"}'
    return files


@pytest.fixture
def preset(tmp_path: Path) -> Path:
    """The tiny 5b_lyrics preset with the hub as its first source and the files host second."""
    data = yaml.safe_load(tiny_preset("tiny_5b_lyrics").read_text())
    data["sources"] = [{"kind": "hub", "repo": REPO, "revision": "main"}]
    path = tmp_path / "tiny_hub.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    # Small read chunks, so a connection dropped mid-file leaves part of it on disk to resume from.
    monkeypatch.setattr(constants, "DOWNLOAD_CHUNK_SIZE", 1 << 14)
    return monkeypatch


def _serve(hub_repo: dict[str, bytes], env: pytest.MonkeyPatch) -> FakeHub:
    hub = FakeHub({REPO: hub_repo}, _original_files())
    env.setenv("HF_ENDPOINT", hub.url)
    return hub


def _original_files() -> dict[str, bytes]:
    files = {str(p.relative_to(TINY_MODELS)): p.read_bytes() for p in TINY_MODELS.rglob("*.pth.tar")}
    files.update({f"ids/{f}": (IDS / f).read_bytes() for f in ID_FILES})
    return files


def _assert_same_logits(preset: Path, models_dir: Path) -> None:
    """Converted (fp32) weights give exactly the original files' logits, and the golden ones."""
    cfg, g = load_config(preset), golden()
    for role, level in (("prior_5b_lyrics", 2), ("upsampler_level_0", 0)):
        z, y = torch.from_numpy(g[f"forward/{role}/z"]), torch.from_numpy(g[f"forward/{role}/y"])
        zc = torch.from_numpy(g[f"forward/{role}/z_cond"]) if f"forward/{role}/z_cond" in g else None
        with torch.no_grad():
            ours = load_prior(cfg, level, models_dir)(z, y, zc)
            ref = load_prior(cfg, level, TINY_MODELS)(z, y, zc)
        torch.testing.assert_close(ours, ref, rtol=0, atol=0)
        np.testing.assert_allclose(ours.numpy(), g[f"forward/{role}/logits"], rtol=1e-4,
                                   atol=1e-4 * np.abs(g[f"forward/{role}/logits"]).max())


def _assert_ids(models_dir: Path) -> None:
    def table(path: Path) -> dict[str, str]:
        return dict(line.rpartition(";")[::2] for line in path.read_text(encoding="utf-8").splitlines())
    for f in ID_FILES:
        assert table(models_dir / "ids" / f) == table(IDS / f), f


def test_hub_download_converts_and_matches_original(hub_repo, preset, env, tmp_path):
    with _serve(hub_repo, env) as hub:
        download_model(preset, tmp_path / "models", cache_dir=tmp_path / "cache", dtype=torch.float32, log=str)
        assert download_model(preset, tmp_path / "models", cache_dir=tmp_path / "cache", log=str) == []
    cfg = load_config(preset)
    assert all(part_status(tmp_path / "models", p) == "converted" for p in model_parts(cfg))
    assert hub.requests("GET", SHARDS[0]) == [None]  # each shard fetched once
    _assert_same_logits(preset, tmp_path / "models")
    _assert_ids(tmp_path / "models")


def test_hub_download_resumes_after_dropped_connection(hub_repo, preset, env, tmp_path):
    with _serve(hub_repo, env) as hub:
        hub.faults[f"/{REPO}/resolve/main/{SHARDS[1]}"] = "drop"
        download_model(preset, tmp_path / "models", cache_dir=tmp_path / "cache", dtype=torch.float32, log=str)
    ranges = hub.requests("GET", SHARDS[1])
    assert ranges[0] is None and len(ranges) == 2 and ranges[1].startswith("bytes=") and ranges[1] != "bytes=0-"
    _assert_same_logits(preset, tmp_path / "models")


def test_hub_corrupted_file_is_rejected_and_fetched_again(hub_repo, preset, env, tmp_path):
    with _serve(hub_repo, env) as hub:
        hub.faults[f"/{REPO}/resolve/main/{SHARDS[0]}"] = "corrupt"
        download_model(preset, tmp_path / "models", cache_dir=tmp_path / "cache", dtype=torch.float32, log=str)
    assert len(hub.requests("GET", SHARDS[0])) == 2
    _assert_same_logits(preset, tmp_path / "models")


def test_offline_mode_uses_a_warm_cache_and_explains_a_cold_one(hub_repo, preset, env, tmp_path):
    with _serve(hub_repo, env):
        download_model(preset, tmp_path / "first", cache_dir=tmp_path / "cache", dtype=torch.float32, log=str)
    env.setenv("HF_HUB_OFFLINE", "1")  # the server is gone too
    download_model(preset, tmp_path / "models", cache_dir=tmp_path / "cache", dtype=torch.float32, log=str)
    _assert_same_logits(preset, tmp_path / "models")
    with pytest.raises(CheckpointError, match="HF_HUB_OFFLINE"):
        download_model(preset, tmp_path / "cold", cache_dir=tmp_path / "cold_cache", log=str)


def test_original_files_from_a_mirror_url_resume_and_refetch(hub_repo, env, tmp_path):
    preset = tiny_preset("tiny_5b_lyrics")
    with _serve(hub_repo, env) as hub:
        hub.faults["/files/5b/vqvae.pth.tar"] = "drop"
        hub.faults["/files/5b/prior_level_0.pth.tar"] = "corrupt"
        download_model(preset, tmp_path / "models", source=f"{hub.url}/files", dtype=torch.float32, log=str)
    assert hub.requests("GET", "/files/5b/vqvae.pth.tar")[1].startswith("bytes=")
    assert len(hub.requests("GET", "/files/5b/prior_level_0.pth.tar")) == 2  # unreadable pickle: fetched again
    assert not (tmp_path / "models" / "5b" / "vqvae.pth.tar").exists()  # originals dropped after conversion
    _assert_same_logits(preset, tmp_path / "models")
    _assert_ids(tmp_path / "models")


def test_html_page_instead_of_a_file_is_a_clear_error(hub_repo, env, tmp_path):
    with _serve(hub_repo, env) as hub:
        hub.files["5b/vqvae.pth.tar"] = b"<!DOCTYPE html><html>Sign in</html>"
        with pytest.raises(CheckpointError, match=r"http://127\.0\.0\.1:\d+/files/5b/vqvae\.pth\.tar.*HTML"):
            download_model(tiny_preset("tiny_5b_lyrics"), tmp_path / "models", source=f"{hub.url}/files", log=str)


def test_local_directory_in_the_original_layout(tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    for name in ("5b", "5b_lyrics"):
        (local / name).symlink_to(TINY_MODELS / name)
    (local / "ids").symlink_to(IDS)
    download_model(tiny_preset("tiny_5b_lyrics"), tmp_path / "models", source=str(local), dtype=torch.float32, log=str)
    _assert_same_logits(tiny_preset("tiny_5b_lyrics"), tmp_path / "models")
