"""Checking a preset against the hyperparameters stored in an original checkpoint.

A strict state-dict load catches every preset mistake that changes a shape, but not those that
only change the computation (a dilation cycle, a residual scale, an attention order with the same
layer shapes). The original files carry the hyperparameters they were trained with (``hps``), so
we compare: a mismatch means the preset does not describe this checkpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jukebox_cli.config import PriorConfig, VQVAEConfig


def _norm(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


def _diff(expected: Mapping[str, Any], hps: Mapping[str, Any]) -> list[str]:
    return [f"{key}: preset {want!r}, checkpoint {hps[key]!r}" for key, want in expected.items()
            if key in hps and _norm(hps[key]) != _norm(want)]


def vqvae_mismatches(cfg: VQVAEConfig, hps: Mapping[str, Any]) -> list[str]:
    """Differences between a VQ-VAE preset and the checkpoint's ``hps`` (keys the file lacks are skipped)."""
    multipliers = hps.get("hvqvae_multipliers") or [1] * cfg.levels
    expected = dict(levels=cfg.levels, downs_t=cfg.downs_t, strides_t=cfg.strides_t, emb_width=cfg.emb_width,
                    l_bins=cfg.l_bins, width=cfg.width, depth=cfg.depth, m_conv=cfg.m_conv,
                    dilation_growth_rate=cfg.dilation_growth_rate, dilation_cycle=cfg.dilation_cycle,
                    vqvae_reverse_decoder_dilation=cfg.reverse_decoder_dilation)
    found = _diff(expected, hps)
    if _norm(multipliers) != _norm(cfg.multipliers):
        found.append(f"hvqvae_multipliers: preset {list(cfg.multipliers)!r}, checkpoint {multipliers!r}")
    return found


def prior_mismatches(cfg: PriorConfig, hps: Mapping[str, Any]) -> list[str]:
    """Differences between a prior preset and the checkpoint's ``hps`` (keys the file lacks are skipped)."""
    t, lab = cfg.transformer, cfg.labels
    expected: dict[str, Any] = dict(
        level=cfg.level, n_ctx=cfg.n_ctx, prior_width=t.width, prior_depth=t.depth, heads=t.heads,
        attn_order=t.attn_order, blocks=t.blocks, m_attn=t.m_attn, m_mlp=t.m_mlp, res_scale=t.res_scale,
        y_bins=[lab.genre_bins, lab.artist_bins], t_bins=lab.t_bins, max_bow_genre_size=lab.max_bow_genre_size,
        labels_v3=lab.ids == "v3", n_tokens=cfg.n_tokens, merged_decoder=cfg.merged_decoder,
        single_enc_dec=cfg.single_sequence)
    if cfg.upper_conditioner is None:
        expected.update(min_duration=lab.min_duration, max_duration=lab.max_duration)
    else:
        up = cfg.upper_conditioner
        expected.update(cond_width=up.width, cond_depth=up.depth, cond_m_conv=up.m_conv,
                        cond_dilation_growth_rate=up.dilation_growth_rate, cond_dilation_cycle=up.dilation_cycle,
                        cond_res_scale=up.res_scale)
        if "cond_c_res" in hps and bool(hps["cond_c_res"]) != up.checkpointed_resnet:
            expected["cond_c_res"] = int(up.checkpointed_resnet)
    if cfg.lyrics is not None:
        expected.update(n_vocab=cfg.lyrics.n_vocab, use_tokens=True)
        enc = cfg.lyrics.encoder
        if enc is not None:
            expected.update(prime_width=enc.width, prime_depth=enc.depth, prime_heads=enc.heads,
                            prime_attn_order=enc.attn_order, prime_blocks=enc.blocks)
    return _diff(expected, hps)
