"""Regenerate ``hub_keys_<model>.json``: every tensor name and shape of the Hugging Face repositories.

The hub repositories ``openai/jukebox-5b-lyrics`` and ``openai/jukebox-1b-lyrics`` hold the
``state_dict()`` of transformers' ``JukeboxModel`` (split into ``pytorch_model-*.bin`` shards).
Their key lists cannot be fetched here, so this script builds that model on the ``meta`` device
from configurations derived from our presets (the released hyperparameters) and records its
state-dict keys and shapes. ``tests/test_hub_layout.py`` then checks our key mapping against them.

transformers removed Jukebox after 4.3x, so run this with an old copy kept OUTSIDE the project
environment::

    pip install --target /tmp/tfjb 'transformers==4.36.2' 'huggingface-hub==0.24.7'
    PYTHONPATH=/tmp/tfjb python tests/data/make_hub_keys.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from transformers import JukeboxConfig, JukeboxModel

from jukebox_cli.config import ModelConfig, PriorConfig, load_config

HERE = Path(__file__).resolve().parent
# Our attention orders -> transformers' attention pattern names.
PATTERNS = {2: "raw_column_previous_row_attention", 10: "large_separated_enc_dec_w_lyrics",
            12: "enc_dec_with_lyrics"}


def prior_kwargs(cfg: ModelConfig, p: PriorConfig) -> dict[str, Any]:
    """transformers ``JukeboxPriorConfig`` arguments for one of our priors (hub level = 2 - our level)."""
    t, lab = p.transformer, p.labels
    kw: dict[str, Any] = dict(
        level=cfg.top_level - p.level, hidden_size=t.width, num_layers=t.depth, n_heads=t.heads,
        attention_pattern=PATTERNS[t.attn_order], blocks=t.blocks, n_ctx=p.n_ctx,
        attention_multiplier=t.m_attn, mlp_multiplier=t.m_mlp, attn_res_scale=t.res_scale,
        metadata_dims=[lab.genre_bins, lab.artist_bins], timing_dims=lab.t_bins,
        max_nb_genres=lab.max_bow_genre_size, music_vocab_size=cfg.vqvae.l_bins,
        merged_decoder=p.merged_decoder, res_downs_t=list(cfg.vqvae.downs_t),
        res_strides_t=list(cfg.vqvae.strides_t), is_encoder_decoder=p.single_sequence,
        nb_relevant_lyric_tokens=p.n_tokens, lyric_vocab_size=p.lyrics.n_vocab if p.lyrics else 0,
    )
    if p.upper_conditioner is not None:
        u = p.upper_conditioner
        kw.update(res_conv_width=u.width, res_conv_depth=u.depth, res_dilation_cycle=u.dilation_cycle,
                  res_dilation_growth_rate=u.dilation_growth_rate, conv_res_scale=u.res_scale,
                  res_convolution_multiplier=int(u.m_conv))
    if p.lyrics is not None and p.lyrics.encoder is not None:
        e = p.lyrics.encoder
        kw["encoder_config"] = dict(hidden_size=e.width, num_layers=e.depth, n_heads=e.heads,
                                    attention_pattern=PATTERNS[e.attn_order], blocks=e.blocks,
                                    n_ctx=p.n_tokens, attention_multiplier=e.m_attn, mlp_multiplier=e.m_mlp,
                                    metadata_conditioning=False, is_encoder_decoder=False,
                                    nb_relevant_lyric_tokens=0, lyric_vocab_size=p.lyrics.n_vocab)
    return kw


def hub_config(cfg: ModelConfig) -> JukeboxConfig:
    v = cfg.vqvae
    vq = dict(nb_discrete_codes=v.l_bins, embed_dim=v.emb_width, res_conv_width=v.width, res_conv_depth=v.depth,
              res_convolution_multiplier=int(v.m_conv), res_dilation_growth_rate=v.dilation_growth_rate,
              res_dilation_cycle=v.dilation_cycle, multipliers=list(v.multipliers), levels=v.levels,
              res_downs_t=list(v.downs_t), res_strides_t=list(v.strides_t))
    priors = sorted(cfg.priors, key=lambda p: -p.level)  # hub order: top prior first
    top = priors[0].labels
    # JukeboxModel overwrites these fields of every prior with the model-level values.
    return JukeboxConfig(vqvae_config=vq, prior_config_list=[prior_kwargs(cfg, p) for p in priors],
                         timing_dims=top.t_bins, min_duration=top.min_duration, max_duration=top.max_duration,
                         max_nb_genres=top.max_bow_genre_size, sampling_rate=cfg.sample_rate)


def main() -> None:
    for name in ("5b_lyrics", "1b_lyrics"):
        with torch.device("meta"):
            model = JukeboxModel(hub_config(load_config(name)))
        keys = {k: list(v.shape) for k, v in model.state_dict().items()}
        out = HERE / f"hub_keys_{name}.json"
        out.write_text(json.dumps({"repo": f"openai/jukebox-{name.replace('_', '-')}", "keys": keys}, indent=0) + "\n")
        print(f"{out}: {len(keys)} keys")


if __name__ == "__main__":
    main()
