"""The hierarchical VQ-VAE codec: audio <-> discrete codes at three time resolutions.

Each level ``l`` has its own encoder (audio -> ``emb_width`` channels at ``1 / hop_lengths[l]`` of
the sample rate), its own code book of ``l_bins`` vectors, and its own decoder (code vectors ->
audio). The levels do not share weights: level ``l``'s encoder and decoder contain ``l + 1``
conv blocks, one per stride step, and are built with ``width * multipliers[l]`` channels and
``depth * multipliers[l]`` residual units.

Only inference is implemented (no code-book EMA updates, no losses). Encoding reproduces the
original's nearest-code search operation by operation, so codes are bit-identical to it in fp32.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from jukebox_cli.checkpoints.hparams import vqvae_mismatches
from jukebox_cli.checkpoints.store import load_part_state
from jukebox_cli.checkpoints.state_dict import load_state_dict_strict
from jukebox_cli.config import VQVAEConfig
from jukebox_cli.models.conv import DecoderConvBlock, EncoderConvBlock


class Encoder(nn.Module):
    """One level's encoder: ``(N, in_channels, T) -> (N, emb_width, T // hop)``; keys ``level_blocks.{i}``."""

    def __init__(self, in_channels: int, emb_width: int, downs_t: tuple[int, ...], strides_t: tuple[int, ...],
                 width: int, depth: int, m_conv: float, dilation_growth_rate: int,
                 dilation_cycle: int | None) -> None:
        super().__init__()
        self.level_blocks = nn.ModuleList(
            EncoderConvBlock(in_channels if i == 0 else emb_width, emb_width, down_t, stride_t, width, depth,
                             m_conv, dilation_growth_rate, dilation_cycle, res_scale=False)
            for i, (down_t, stride_t) in enumerate(zip(downs_t, strides_t))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, in_channels, T)
        for block in self.level_blocks:
            x = block(x)  # time axis shrinks by stride_t ** down_t per block
        return x  # (N, emb_width, T // hop)


class Decoder(nn.Module):
    """One level's decoder: ``(N, emb_width, T_l) -> (N, out_channels, T_l * hop)``; keys ``level_blocks.{i}``, ``out``."""

    def __init__(self, out_channels: int, emb_width: int, downs_t: tuple[int, ...], strides_t: tuple[int, ...],
                 width: int, depth: int, m_conv: float, dilation_growth_rate: int,
                 dilation_cycle: int | None, reverse_dilation: bool) -> None:
        super().__init__()
        self.level_blocks = nn.ModuleList(
            DecoderConvBlock(emb_width, emb_width, down_t, stride_t, width, depth, m_conv,
                             dilation_growth_rate, dilation_cycle, res_scale=False,
                             reverse_dilation=reverse_dilation, checkpointed_resnet=False)
            for down_t, stride_t in zip(downs_t, strides_t)
        )
        self.out = nn.Conv1d(emb_width, out_channels, kernel_size=3, stride=1, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, emb_width, T_l); the blocks run coarsest first, mirroring the encoder
        for block in reversed(self.level_blocks):
            x = block(x)  # time axis grows by stride_t ** down_t per block
        return self.out(x)  # (N, out_channels, T_l * hop)


class Codebook(nn.Module):
    """One level's code book ``k``: ``(l_bins, emb_width)``, a buffer as in the original."""

    k: torch.Tensor

    def __init__(self, l_bins: int, emb_width: int) -> None:
        super().__init__()
        self.register_buffer("k", torch.zeros(l_bins, emb_width))

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Nearest code by squared Euclidean distance, ties to the lowest index: ``(N, C, T) -> (N, T)``."""
        n, c, t = x.shape
        flat = x.permute(0, 2, 1).contiguous().view(n * t, c)  # (N*T, C)
        k_t = self.k.t()  # (C, K)
        # |x|^2 - 2 x.k + |k|^2, evaluated in exactly this order and layout (the original's), so that
        # rounding, and hence the chosen code in near-ties, is the same as the original's.
        distance = (torch.sum(flat**2, dim=-1, keepdim=True)  # (N*T, 1)
                    - 2 * torch.matmul(flat, k_t)  # (N*T, K)
                    + torch.sum(k_t**2, dim=0, keepdim=True))  # (1, K)
        _, codes = torch.min(distance, dim=-1)  # (N*T,), first index among equal minima
        return codes.view(n, t)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """Code vectors of the codes: ``(N, T) -> (N, C, T)``."""
        n, t = z.shape
        vectors = nn.functional.embedding(z, self.k)  # (N, T, C)
        return vectors.view(n, t, -1).permute(0, 2, 1).contiguous()  # (N, C, T)


class Bottleneck(nn.Module):
    """The per-level code books; keys ``level_blocks.{l}.k``."""

    def __init__(self, levels: int, l_bins: int, emb_width: int) -> None:
        super().__init__()
        self.level_blocks = nn.ModuleList(Codebook(l_bins, emb_width) for _ in range(levels))


class VQVAE(nn.Module):
    """The original Jukebox VQ-VAE, inference only. Audio is ``(N, T, 1)`` in [-1, 1] at the model's sample rate.

    State-dict keys are the original's: ``encoders.{l}.*``, ``decoders.{l}.*``, ``bottleneck.level_blocks.{l}.k``.
    """

    def __init__(self, cfg: VQVAEConfig) -> None:
        super().__init__()
        self.cfg = cfg
        channels = 1  # mono audio
        self.encoders = nn.ModuleList()
        self.decoders = nn.ModuleList()
        for level in range(cfg.levels):
            mult = cfg.multipliers[level]
            downs_t, strides_t = cfg.downs_t[: level + 1], cfg.strides_t[: level + 1]
            common = dict(width=cfg.width * mult, depth=cfg.depth * mult, m_conv=cfg.m_conv,
                          dilation_growth_rate=cfg.dilation_growth_rate, dilation_cycle=cfg.dilation_cycle)
            self.encoders.append(Encoder(channels, cfg.emb_width, downs_t, strides_t, **common))
            self.decoders.append(Decoder(channels, cfg.emb_width, downs_t, strides_t, **common,
                                         reverse_dilation=cfg.reverse_decoder_dilation))
        self.bottleneck = Bottleneck(cfg.levels, cfg.l_bins, cfg.emb_width)

    @property
    def levels(self) -> int:
        return self.cfg.levels

    @property
    def l_bins(self) -> int:
        return self.cfg.l_bins

    @property
    def hop_lengths(self) -> tuple[int, ...]:
        """Audio samples per code at each level (8, 32, 128 for the released models)."""
        return self.cfg.hop_lengths

    def _dtype(self) -> torch.dtype:
        return self.bottleneck.level_blocks[0].k.dtype

    def encode(self, x: torch.Tensor, start_level: int = 0, end_level: int | None = None) -> list[torch.Tensor]:
        """Codes of levels ``start_level .. end_level - 1`` of audio ``x`` ``(N, T, 1)``.

        Returns one int64 tensor ``(N, T // hop_lengths[l])`` per level. Only the requested levels'
        encoders run (the levels are independent, so this equals encoding all and slicing).
        """
        end_level = self.levels if end_level is None else end_level
        if not 0 <= start_level < end_level <= self.levels:
            raise ValueError(f"need 0 <= start_level < end_level <= {self.levels}, got {start_level}, {end_level}")
        if x.dim() != 3 or x.shape[-1] != 1:
            raise ValueError(f"expected mono audio of shape (N, T, 1), got {tuple(x.shape)}")
        n, t, _ = x.shape
        if t < self.hop_lengths[end_level - 1]:
            raise ValueError(f"audio of {t} samples is shorter than one level-{end_level - 1} code "
                             f"({self.hop_lengths[end_level - 1]} samples)")
        x = x.permute(0, 2, 1).to(self._dtype())  # (N, 1, T)
        codes = []
        for level in range(start_level, end_level):
            latent = self.encoders[level](x)  # (N, emb_width, T // hop_l)
            z = self.bottleneck.level_blocks[level].encode(latent)  # (N, T // hop_l)
            codes.append(z)
        return codes

    def decode(self, z: torch.Tensor, level: int) -> torch.Tensor:
        """Audio ``(N, T_l * hop_lengths[level], 1)`` from the codes ``z`` ``(N, T_l)`` of one level.

        Uses that level's decoder alone, as the original's sampler does.
        """
        if not 0 <= level < self.levels:
            raise ValueError(f"level must be in 0..{self.levels - 1}, got {level}")
        if z.dim() != 2 or z.dtype not in (torch.int64, torch.int32):
            raise ValueError(f"expected integer codes of shape (N, T), got {z.dtype} {tuple(z.shape)}")
        if z.numel():
            lo, hi = (int(v) for v in torch.aminmax(z))
            if lo < 0 or hi >= self.l_bins:
                raise ValueError(f"codes must be in 0..{self.l_bins - 1}, got values in {lo}..{hi}")
        vectors = self.bottleneck.level_blocks[level].decode(z.long())  # (N, emb_width, T_l)
        audio = self.decoders[level](vectors)  # (N, 1, T_l * hop_l)
        return audio.permute(0, 2, 1)  # (N, T_l * hop_l, 1)


def load_vqvae(cfg: VQVAEConfig, models_dir: str | Path, device: str | torch.device = "cpu") -> VQVAE:
    """Build the VQ-VAE of ``cfg`` and load its weights from ``models_dir``.

    The converted ``.safetensors`` next to ``cfg.checkpoint`` is preferred, else the original
    ``.pth.tar``. The model is built on the ``meta`` device (no memory, no random init) and takes
    the tensors directly; loading is strict (see :func:`load_state_dict_strict`).
    Returns the model in eval mode with gradients off, on ``device``, in fp32.
    """
    with torch.device("meta"):
        model = VQVAE(cfg)
    state, source = load_part_state(models_dir, cfg.checkpoint, device, torch.float32,
                                    check_hps=lambda hps: vqvae_mismatches(cfg, hps))
    load_state_dict_strict(model, state, source)
    return model.to(device).eval().requires_grad_(False)
