"""Original checkpoints are read without executing pickled code, and bad files give clear errors."""

import os
import pickle

import pytest
import torch
from reference import TINY_MODELS, tiny_preset

from jukebox_cli.checkpoints.original import read_original_checkpoint
from jukebox_cli.config import load_config
from jukebox_cli.errors import CheckpointError
from jukebox_cli.models.build import load_prior


class _Evil:
    def __reduce__(self):
        return (os.system, ("touch /tmp/jukebox-cli-pwned",))


def test_pickled_code_is_never_executed(tmp_path):
    marker = "/tmp/jukebox-cli-pwned"
    if os.path.exists(marker):
        os.remove(marker)
    path = tmp_path / "evil.pth.tar"
    torch.save({"hps": {}, "model": {"w": torch.zeros(1)}, "step": 0, "x": _Evil()}, path,
               _use_new_zipfile_serialization=False, pickle_module=pickle)
    with pytest.raises(CheckpointError, match="evil.pth.tar"):
        read_original_checkpoint(path)
    assert not os.path.exists(marker)


def test_module_prefix_is_removed(tmp_path):
    path = tmp_path / "ddp.pth.tar"
    torch.save({"hps": {}, "model": {"module.a.w": torch.ones(2)}, "step": 3}, path, _use_new_zipfile_serialization=False)
    ck = read_original_checkpoint(path)
    assert list(ck["model"]) == ["a.w"] and ck["step"] == 3


@pytest.mark.parametrize("content,match", [(b"<!DOCTYPE html><html>403 Forbidden</html>", "HTML"),
                                           (b"", "cannot read"), (b"\x80\x02garbage", "cannot read")])
def test_bad_files_are_clear_errors(tmp_path, content, match):
    path = tmp_path / "prior_level_2.pth.tar"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match=match):
        read_original_checkpoint(path)


def test_truncated_download_is_an_error(tmp_path):
    data = (TINY_MODELS / "5b" / "prior_level_0.pth.tar").read_bytes()
    (tmp_path / "5b").mkdir()
    (tmp_path / "5b" / "prior_level_0.pth.tar").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="truncated or corrupted"):
        load_prior(load_config(tiny_preset("tiny_5b")), 0, tmp_path)


@pytest.mark.filterwarnings("ignore:.*the preset differs from the checkpoint:RuntimeWarning")
def test_wrong_checkpoint_for_the_preset_lists_offending_keys():
    cfg = load_config(tiny_preset("tiny_5b"))
    # The 5b_lyrics preset's top prior has a lyrics encoder; the plain 5b checkpoint does not.
    lyrics_cfg = load_config(tiny_preset("tiny_5b_lyrics"))
    with pytest.raises(CheckpointError, match=r"missing keys: prime_prior"):
        load_prior(lyrics_cfg.__class__(**{**lyrics_cfg.__dict__, "priors": (
            *lyrics_cfg.priors[:2], lyrics_cfg.priors[2].__class__(**{**lyrics_cfg.priors[2].__dict__,
                                                                      "checkpoint": cfg.prior(2).checkpoint}))}),
                   2, TINY_MODELS)
