"""Conditioning of a prior: labels (artist, genre bag, timing) and the codes of the level above.

The timing embeddings bin continuous positions in fp32 exactly as the original does (same
operation order), because a position on a bin edge must fall in the same bin for identical output.
"""

from __future__ import annotations

import torch
from torch import nn

from jukebox_cli.config import LabelConfig, UpperConditionerConfig
from jukebox_cli.errors import LabelError
from jukebox_cli.models.conv import DecoderConvBlock
from jukebox_cli.models.layers import LayerNorm


class SimpleEmbedding(nn.Module):
    def __init__(self, bins: int, width: int, what: str):
        super().__init__()
        self.bins, self.what = bins, what
        self.emb = nn.Embedding(bins, width)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        if ids.numel() and (int(ids.min()) < 0 or int(ids.max()) >= self.bins):
            raise LabelError(f"{self.what} id out of range [0, {self.bins}): {ids.tolist()} "
                             "(are the id tables the ones this model was trained with?)")
        return self.emb(ids)


class RangeEmbedding(nn.Module):
    """Embeds ``n_time`` positions interpolated over [start, end), binned over [pos_min, pos_max)."""

    def __init__(self, n_time: int, bins: int, pos_range: tuple[float, float], width: int, what: str,
                 clamp: bool = False):
        super().__init__()
        self.n_time, self.bins, self.what, self.clamp = n_time, bins, what, clamp
        self.pos_min, self.pos_max = pos_range
        self.emb = nn.Embedding(bins, width)

    def forward(self, pos_start: torch.Tensor, pos_end: torch.Tensor | None = None) -> torch.Tensor:
        # pos_start, pos_end: (N, 1) float32
        if not ((self.pos_min <= pos_start).all() and (pos_start < self.pos_max).all()):
            raise LabelError(f"{self.what} {pos_start.flatten().tolist()} outside the model's range "
                             f"[{self.pos_min:g}, {self.pos_max:g})")
        if pos_end is not None:
            if self.clamp:
                pos_end = pos_end.clamp(self.pos_min, self.pos_max)
            if not ((self.pos_min <= pos_end).all() and (pos_end <= self.pos_max).all()):
                raise LabelError(f"{self.what} end {pos_end.flatten().tolist()} outside the model's range "
                                 f"[{self.pos_min:g}, {self.pos_max:g}]")
        if self.n_time != 1:
            interpolation = torch.arange(0, self.n_time, dtype=torch.float, device=pos_start.device).view(1, self.n_time) / self.n_time
            position = pos_start + (pos_end - pos_start) * interpolation  # (N, n_time)
        else:
            position = pos_start
        normalised = (position - self.pos_min) / (self.pos_max - self.pos_min)  # [0, 1)
        bins = (self.bins * normalised).floor().long()
        return self.emb(bins)


class LabelConditioner(nn.Module):
    """y = [total_length, offset, length, artist, genre ids...] -> (start embedding, timing embeddings).

    The start embedding (artist + bag of genre words) replaces the first input token; the timing
    embeddings (total length, absolute and relative position) are added to every position, for the
    top prior only (``include_time``).
    """

    def __init__(self, cfg: LabelConfig, width: int, n_time: int, include_time: bool, sample_rate: int):
        super().__init__()
        self.max_bow_genre_size = cfg.max_bow_genre_size
        self.bow_genre_emb = SimpleEmbedding(cfg.genre_bins, width, "genre")
        self.artist_emb = SimpleEmbedding(cfg.artist_bins, width, "artist")
        self.include_time = include_time
        if include_time:
            assert cfg.min_duration is not None and cfg.max_duration is not None
            lo, hi = cfg.min_duration * sample_rate, cfg.max_duration * sample_rate
            self.total_length_emb = RangeEmbedding(1, cfg.t_bins, (lo, hi), width, "total song length (samples)")
            self.absolute_pos_emb = RangeEmbedding(n_time, cfg.t_bins, (0.0, hi), width, "window position (samples)")
            self.relative_pos_emb = RangeEmbedding(n_time, cfg.t_bins, (0.0, 1.0), width, "relative window position", clamp=True)

    def forward(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        # y: (N, 4 + max_bow_genre_size) int64
        assert y.shape[-1] == 4 + self.max_bow_genre_size, f"label width {y.shape[-1]} != {4 + self.max_bow_genre_size}"
        total_length, offset, length, artist, genre = y[:, 0:1], y[:, 1:2], y[:, 2:3], y[:, 3:4], y[:, 4:]
        artist_emb = self.artist_emb(artist)  # (N, 1, W)
        used = (genre >= 0).float().unsqueeze(2)  # empty genre slots are -1
        genre_emb = (self.bow_genre_emb(genre.clamp(0)) * used).sum(dim=1, keepdim=True)
        start_emb = genre_emb + artist_emb  # (N, 1, W)
        if not self.include_time:
            return start_emb, None
        start, end = offset, offset + length
        total_length, start, end = total_length.float(), start.float(), end.float()
        pos_emb = (self.total_length_emb(total_length) + self.absolute_pos_emb(start, end)
                   + self.relative_pos_emb(start / total_length, end / total_length))  # (N, n_time, W)
        return start_emb, pos_emb


class UpperLevelConditioner(nn.Module):
    """Codes of the level above (N, n_ctx // stride) -> per-position conditioning (N, n_ctx, W)."""

    def __init__(self, cfg: UpperConditionerConfig, bins: int, width: int, down_t: int, stride_t: int):
        super().__init__()
        self.x_emb = nn.Embedding(bins, width)
        self.cond = DecoderConvBlock(width, width, down_t, stride_t, cfg.width, cfg.depth, cfg.m_conv,
                                     cfg.dilation_growth_rate, cfg.dilation_cycle, cfg.res_scale,
                                     reverse_dilation=False, checkpointed_resnet=cfg.checkpointed_resnet)
        self.ln = LayerNorm(width)

    def forward(self, z_upper: torch.Tensor) -> torch.Tensor:
        x = self.x_emb(z_upper.long())  # (N, T_up, W)
        x = self.cond(x.permute(0, 2, 1)).permute(0, 2, 1)  # (N, T_up * stride**down, W)
        return self.ln(x)
