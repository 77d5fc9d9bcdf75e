"""Convolutional building blocks of the VQ-VAE (and of the upsamplers' upper-level conditioner).

* :class:`DilatedResnet1D`: a stack of residual units, each a dilated 3-tap convolution followed
  by a 1x1 convolution, with the dilation growing geometrically along the stack.
* :class:`EncoderConvBlock`: ``down_t`` times (strided convolution halving the time axis when
  ``stride_t`` is 2, then a resnet), then a 3-tap projection to the embedding width.
* :class:`DecoderConvBlock`: the mirror image: a 3-tap projection from the embedding width, then
  ``down_t`` times (resnet, then a transposed convolution multiplying the time axis by ``stride_t``).

All tensors are channels-first, ``(N, C, T)``. Attribute names (``model``, ``blocks``) and the
positions of layers inside ``nn.Sequential`` containers are chosen so that ``state_dict`` keys are
those of the original checkpoints; parameter-free layers (ReLU) keep their slots for that reason.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class ResidualUnit1D(nn.Module):
    """``x + scale * conv1x1(relu(dilated_conv3(relu(x))))``; state-dict keys ``model.1.*``, ``model.3.*``."""

    def __init__(self, channels: int, hidden: int, dilation: int, scale: float) -> None:
        super().__init__()
        self.model = nn.Sequential(
            nn.ReLU(),
            # padding == dilation keeps the length for a 3-tap kernel
            nn.Conv1d(channels, hidden, kernel_size=3, stride=1, padding=dilation, dilation=dilation),
            nn.ReLU(inplace=True),  # acts on a fresh conv output, so in-place is safe
            nn.Conv1d(hidden, channels, kernel_size=1, stride=1, padding=0),
        )
        self.scale = scale

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, C, T)
        h = self.model(x)  # (N, C, T)
        if self.scale == 1.0:
            return x + h
        return x + self.scale * h


class DilatedResnet1D(nn.Module):
    """``depth`` residual units; unit ``i`` has dilation ``dilation_growth_rate ** (i % dilation_cycle)``.

    Args:
        channels: input = output channels.
        depth: number of residual units.
        m_conv: hidden channels of each unit are ``int(m_conv * channels)``.
        dilation_growth_rate: base of the geometric dilation schedule.
        dilation_cycle: restart the schedule every this many units (``None``: never).
        res_scale: scale each residual branch by ``1 / sqrt(depth)``.
        reverse_dilation: run the units in reverse order (largest dilation first), as decoders do.
        checkpointed: store the units as ``blocks.N`` (original models trained with gradient
            checkpointing of this resnet) instead of ``model.N``. The computation is identical.
    """

    def __init__(self, channels: int, depth: int, m_conv: float, dilation_growth_rate: int,
                 dilation_cycle: int | None, res_scale: bool, reverse_dilation: bool,
                 checkpointed: bool = False) -> None:
        super().__init__()
        scale = 1.0 / math.sqrt(depth) if res_scale else 1.0
        hidden = int(m_conv * channels)
        units = []
        for i in range(depth):
            exponent = i if dilation_cycle is None else i % dilation_cycle
            units.append(ResidualUnit1D(channels, hidden, dilation_growth_rate**exponent, scale))
        if reverse_dilation:
            units.reverse()
        self.checkpointed = checkpointed
        if checkpointed:
            self.blocks = nn.ModuleList(units)
        else:
            self.model = nn.Sequential(*units)

    def units(self) -> nn.Module:
        return self.blocks if self.checkpointed else self.model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, C, T) -> (N, C, T)
        for unit in self.units():
            x = unit(x)
        return x


class EncoderConvBlock(nn.Module):
    """Downsample by ``stride_t ** down_t``: ``(N, input_emb_width, T) -> (N, output_emb_width, T // stride_t**down_t)``.

    State-dict layout: ``model.{i}.0`` the strided conv and ``model.{i}.1`` the resnet of step ``i``,
    ``model.{down_t}`` the final projection. With ``down_t == 0`` the block is the identity.
    """

    def __init__(self, input_emb_width: int, output_emb_width: int, down_t: int, stride_t: int,
                 width: int, depth: int, m_conv: float, dilation_growth_rate: int,
                 dilation_cycle: int | None, res_scale: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        if down_t > 0:
            kernel, padding = 2 * stride_t, stride_t // 2
            for i in range(down_t):
                layers.append(nn.Sequential(
                    nn.Conv1d(input_emb_width if i == 0 else width, width, kernel, stride_t, padding),
                    DilatedResnet1D(width, depth, m_conv, dilation_growth_rate, dilation_cycle,
                                    res_scale, reverse_dilation=False),
                ))
            layers.append(nn.Conv1d(width, output_emb_width, kernel_size=3, stride=1, padding=1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, input_emb_width, T) -> (N, output_emb_width, T // stride_t**down_t)
        return self.model(x)


class DecoderConvBlock(nn.Module):
    """Upsample by ``stride_t ** down_t``: ``(N, output_emb_width, T) -> (N, input_emb_width, T * stride_t**down_t)``.

    The names follow the autoencoder's point of view (and the original's argument order): the
    block *takes* latents of ``output_emb_width`` channels (what the encoder block outputs) and
    *returns* ``input_emb_width`` channels (what the encoder block takes).

    State-dict layout: ``model.0`` the input projection, then for step ``i`` ``model.{i+1}.0`` the
    resnet and ``model.{i+1}.1`` the transposed conv. With ``down_t == 0`` the block is the identity.
    ``checkpointed_resnet`` only changes the resnet's key names (see :class:`DilatedResnet1D`).
    """

    def __init__(self, input_emb_width: int, output_emb_width: int, down_t: int, stride_t: int,
                 width: int, depth: int, m_conv: float, dilation_growth_rate: int,
                 dilation_cycle: int | None, res_scale: bool, reverse_dilation: bool,
                 checkpointed_resnet: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        if down_t > 0:
            kernel, padding = 2 * stride_t, stride_t // 2
            layers.append(nn.Conv1d(output_emb_width, width, kernel_size=3, stride=1, padding=1))
            for i in range(down_t):
                last = i == down_t - 1
                layers.append(nn.Sequential(
                    DilatedResnet1D(width, depth, m_conv, dilation_growth_rate, dilation_cycle,
                                    res_scale, reverse_dilation, checkpointed=checkpointed_resnet),
                    nn.ConvTranspose1d(width, input_emb_width if last else width, kernel, stride_t, padding),
                ))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: (N, output_emb_width, T) -> (N, input_emb_width, T * stride_t**down_t)
        return self.model(x)
