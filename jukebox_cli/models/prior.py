"""A prior over the codes of one VQ-VAE level: an upsampler or a top-level prior.

It owns the token transformer (``prior``), the label conditioner (``y_emb``), for upsamplers the
conditioner on the codes above (``conditioner_blocks``), and for 5b_lyrics the lyrics encoder
(``prime_prior`` and its projection). Module names equal the original's, so the released state
dicts load with no renaming. Sampling loops live in ``jukebox_cli.sampling``; this module only
says how to condition, embed and score.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from jukebox_cli.config import PriorConfig, VQVAEConfig
from jukebox_cli.models.attention import LayerCache
from jukebox_cli.models.autoregressive import AutoregressiveTransformer
from jukebox_cli.models.conditioners import LabelConditioner, UpperLevelConditioner
from jukebox_cli.models.layers import Conv1D, LayerNorm


@dataclass
class Conditioning:
    """Everything a window's sampling needs besides the codes, for a batch of N samples.

    x_cond: (N, seq_len, W) per-position conditioning; y_cond: (N, 1, W) start embedding;
    encoder_kv: (N, n_tokens, W) lyrics encoder output (5b_lyrics); prefix: (N, n_tokens) lyric
    tokens that open the sequence of a single-sequence prior (1b_lyrics), else None.
    """

    x_cond: torch.Tensor
    y_cond: torch.Tensor
    encoder_kv: torch.Tensor | None
    prefix: torch.Tensor | None


class Prior(nn.Module):
    def __init__(self, cfg: PriorConfig, vq: VQVAEConfig, sample_rate: int = 44100):
        super().__init__()
        self.cfg = cfg
        self.level, self.n_ctx = cfg.level, cfg.n_ctx
        self.l_bins = vq.l_bins
        self.is_top = cfg.level == vq.levels - 1
        self.raw_to_tokens = vq.hop_lengths[cfg.level]
        self.n_tokens = cfg.n_tokens
        width = cfg.transformer.width
        # A single-sequence prior models [lyrics ; music] over a joint vocabulary, lyrics first.
        self.music_shift = cfg.lyrics.n_vocab if cfg.single_sequence else 0
        bins = self.l_bins + self.music_shift
        seq_len = cfg.n_ctx + (self.n_tokens if cfg.single_sequence else 0)

        if not self.is_top:
            up = cfg.level + 1
            assert cfg.upper_conditioner is not None
            self.cond_downsample = vq.strides_t[up] ** vq.downs_t[up]
            self.conditioner_blocks = nn.ModuleList([UpperLevelConditioner(
                cfg.upper_conditioner, vq.l_bins, width, vq.downs_t[up], vq.strides_t[up])])
        self.y_emb = LabelConditioner(cfg.labels, width, cfg.n_ctx, include_time=self.is_top, sample_rate=sample_rate)

        if cfg.lyrics is not None and cfg.lyrics.kind == "encoder_decoder":
            enc = cfg.lyrics.encoder
            assert enc is not None
            self.prime_prior = AutoregressiveTransformer(cfg.lyrics.n_vocab, self.n_tokens, enc, start_token=True,
                                                         head=None, add_cond_after=False)
            self.prime_state_proj = Conv1D(enc.width, width)
            self.prime_state_ln = LayerNorm(width)
            # Trained to predict lyrics; unused when sampling but part of the checkpoint.
            self.prime_x_out = nn.Linear(width, cfg.lyrics.n_vocab, bias=False)

        self.prior = AutoregressiveTransformer(
            bins, seq_len, cfg.transformer, start_token=False,
            head="own" if cfg.merged_decoder else "tied", add_cond_after=not cfg.merged_decoder,
            prime_len=self.n_tokens if cfg.single_sequence else None)

    @property
    def sample_length(self) -> int:
        """Audio samples covered by one window of this prior."""
        return self.n_ctx * self.raw_to_tokens

    @property
    def seq_len(self) -> int:
        return self.prior.n_ctx

    def conditioning(self, y: torch.Tensor, z_upper: torch.Tensor | None = None) -> Conditioning:
        """Labels ``y`` (N, 4 + genres + n_tokens) and, for upsamplers, the codes above the window."""
        n_labels = y.shape[1] - self.n_tokens
        labels, lyrics = y[:, :n_labels], y[:, n_labels:]
        y_cond, y_pos = self.y_emb(labels)
        if self.is_top:
            x_cond = y_pos  # (N, n_ctx, W)
        else:
            assert z_upper is not None, "an upsampler needs the codes of the level above"
            expected = self.n_ctx // self.cond_downsample
            assert z_upper.shape[1] == expected, f"upper codes {tuple(z_upper.shape)}: need {expected} per window"
            x_cond = self.conditioner_blocks[0](z_upper)
        encoder_kv = prefix = None
        if self.n_tokens and self.cfg.single_sequence:
            N = y.shape[0]
            x_cond = torch.cat([x_cond.new_zeros(N, self.n_tokens, x_cond.shape[-1]), x_cond], dim=1)
            prefix = lyrics
        elif self.n_tokens:
            encoder_kv = self.lyrics_encoding(lyrics)
        return Conditioning(x_cond, y_cond, encoder_kv, prefix)

    def lyrics_encoding(self, lyrics: torch.Tensor) -> torch.Tensor:
        """Lyric tokens (N, n_tokens) -> keys/values source for cross attention (N, n_tokens, W), fp32."""
        acts = self.prime_prior(lyrics)  # (N, n_tokens, encoder width)
        return self.prime_state_ln(self.prime_state_proj(acts))

    # Music codes <-> the token sequence the transformer models.
    def to_sequence(self, z: torch.Tensor, cond: Conditioning) -> torch.Tensor:
        if cond.prefix is None:
            return z
        return torch.cat([cond.prefix, z + self.music_shift], dim=1)

    def from_sequence(self, seq: torch.Tensor) -> torch.Tensor:
        if not self.music_shift:
            return seq
        # A joint-vocabulary model may emit a lyric token where music belongs; the original clamps it to 0.
        return (seq[:, self.n_tokens:] - self.music_shift).clamp(min=0)

    def new_caches(self, batch: int, dtype: torch.dtype, device: torch.device,
                   cond: Conditioning) -> list[LayerCache]:
        return self.prior.transformer.new_caches(batch, dtype, device, cond.encoder_kv)

    def forward(self, z: torch.Tensor, y: torch.Tensor, z_upper: torch.Tensor | None = None,
                dtype: torch.dtype | None = None) -> torch.Tensor:
        """Teacher-forced logits (N, seq_len, bins) for codes z (N, n_ctx); lyrics positions included.

        ``dtype`` is the transformer's activation dtype (fp16 on a GPU); logits are always fp32.
        """
        cond = self.conditioning(y, z_upper)
        return self.prior(self.to_sequence(z, cond), cond.x_cond, cond.y_cond, cond.encoder_kv, dtype)
