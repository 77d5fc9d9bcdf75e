"""Typed model configuration, loaded from the YAML presets in ``presets/``.

A preset fully describes one released model (or a user's own): the VQ-VAE, one prior per level
(two upsamplers and a top prior) and where each checkpoint file lives. Field names follow the
original hyperparameters where one exists, so a preset can be checked against a checkpoint's
``hps`` by eye. Loading is strict: an unknown or missing key is an error that names the file and
the key, because a silently ignored typo in a preset would build a model that cannot load the
weights (or worse, loads them into the wrong shapes).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from jukebox_cli.errors import ConfigError, closest

# Attention kinds of the original factored attention, by the integer the original calls attn_func.
DENSE, BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK, CROSS, PRIME = 0, 1, 2, 3, 6, 7


def attention_kind(attn_order: int, layer: int) -> int:
    """Which attention kind layer ``layer`` uses under the original's ``attn_order`` schedule.

    Only the orders used by released models (and the simple ones a user is likely to train with)
    are supported; the original's summary attentions (4, 5) were never used by a release.
    """
    d = layer
    if attn_order == 0:
        return DENSE
    if attn_order == 1:
        return [BLOCK, TRANSPOSE_BLOCK][d % 2]
    if attn_order == 2:
        return [BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK][d % 3]
    if attn_order == 6:
        return [BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK, CROSS][d % 4]
    if attn_order == 7:
        return [*[BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK] * 5, CROSS][d % 16]
    if attn_order == 8:
        return ([BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK] * 3 + [CROSS])[d % 10]
    if attn_order == 9:
        return [BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK, DENSE][d % 4]
    if attn_order == 10:
        cycle = [BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK] * 3 + ([BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK] * 3 + [CROSS]) * 7
        return cycle[d % 79]
    if attn_order == 12:
        return [PRIME, PRIME, DENSE][d % 3] if d % 16 == 15 else [BLOCK, TRANSPOSE_BLOCK, PREV_BLOCK][d % 3]
    raise ConfigError(f"attn_order {attn_order} is not supported (supported: 0, 1, 2, 6, 7, 8, 9, 10, 12)")


@dataclass(frozen=True)
class VQVAEConfig:
    """The hierarchical VQ-VAE (codec): one encoder/decoder pair per level, a shared code book per level."""

    levels: int
    downs_t: tuple[int, ...]
    strides_t: tuple[int, ...]
    emb_width: int
    l_bins: int
    width: int
    depth: int
    m_conv: float
    dilation_growth_rate: int
    dilation_cycle: int | None
    multipliers: tuple[int, ...]
    reverse_decoder_dilation: bool
    checkpoint: str

    @property
    def hop_lengths(self) -> tuple[int, ...]:
        """Audio samples per code at each level (8, 32, 128 for the released models)."""
        hops, acc = [], 1
        for stride, down in zip(self.strides_t, self.downs_t):
            acc *= stride**down
            hops.append(acc)
        return tuple(hops)


@dataclass(frozen=True)
class TransformerConfig:
    """A stack of factored-attention blocks (the original's ``prior_*`` or ``prime_*`` hyperparameters)."""

    width: int
    depth: int
    heads: int
    attn_order: int
    blocks: int | None
    m_attn: float = 0.25
    m_mlp: float = 1.0
    res_scale: bool = False

    def kinds(self) -> list[int]:
        return [attention_kind(self.attn_order, d) for d in range(self.depth)]


@dataclass(frozen=True)
class LabelConfig:
    """Artist/genre/timing conditioning. ``ids`` picks the id tables (v2: 5b family, v3: 1b_lyrics)."""

    ids: Literal["v2", "v3"]
    genre_bins: int
    artist_bins: int
    t_bins: int
    max_bow_genre_size: int
    min_duration: float | None = None
    max_duration: float | None = None


@dataclass(frozen=True)
class UpperConditionerConfig:
    """The upsamplers' conditioner on codes of the level above (a small convolutional decoder)."""

    width: int
    depth: int
    m_conv: float
    dilation_growth_rate: int
    dilation_cycle: int | None
    res_scale: bool
    # The original stores the resnet blocks as `.blocks.N` when trained with gradient checkpointing
    # (cond_c_res=1, the released upsamplers) and as `.model.N` otherwise; only the key names differ.
    checkpointed_resnet: bool


@dataclass(frozen=True)
class LyricsConfig:
    """Lyrics conditioning of a top prior.

    ``encoder_decoder`` (5b_lyrics): a separate lyrics encoder transformer whose last layer feeds
    cross-attention layers. ``single_sequence`` (1b_lyrics): lyrics and music codes form one
    sequence over a joint vocabulary, and "prime" attention layers look back at the lyrics.
    """

    kind: Literal["encoder_decoder", "single_sequence"]
    n_tokens: int
    n_vocab: int
    encoder: TransformerConfig | None = None


@dataclass(frozen=True)
class PriorConfig:
    """One autoregressive prior over the codes of one VQ-VAE level (upsampler or top prior)."""

    level: int
    n_ctx: int
    checkpoint: str
    transformer: TransformerConfig
    labels: LabelConfig
    upper_conditioner: UpperConditionerConfig | None = None
    lyrics: LyricsConfig | None = None
    # 5b-style top priors ("merged decoder") have an untied output layer and do not add the
    # conditioning after the transformer.
    merged_decoder: bool = False
    # Conv1D weights stored in fp16 in the checkpoint (informational; loading handles any dtype).
    fp16_weights: bool = False
    alignment_layer: int | None = None
    alignment_head: int | None = None

    @property
    def n_tokens(self) -> int:
        return self.lyrics.n_tokens if self.lyrics else 0

    @property
    def single_sequence(self) -> bool:
        return self.lyrics is not None and self.lyrics.kind == "single_sequence"


@dataclass(frozen=True)
class SamplingDefaults:
    """What the original used when sampling, per level (index 0 = bottom upsampler)."""

    hop_fraction: tuple[float, ...] = (0.5, 0.5, 0.125)
    temperature: tuple[float, ...] = (0.99, 0.99, 0.99)


@dataclass(frozen=True)
class ModelConfig:
    """A complete model: codec + one prior per level. Loaded from ``presets/<name>.yaml``."""

    name: str
    sample_rate: int
    vqvae: VQVAEConfig
    priors: tuple[PriorConfig, ...]
    sampling: SamplingDefaults = field(default_factory=SamplingDefaults)
    # Extra free-form data for download sources and checksums (owned by checkpoints.sources).
    sources: tuple[dict[str, Any], ...] = ()
    files: dict[str, dict[str, Any]] = field(default_factory=dict)

    def prior(self, level: int) -> PriorConfig:
        for p in self.priors:
            if p.level == level:
                return p
        raise ConfigError(f"model {self.name!r} has no prior for level {level}")

    @property
    def top_level(self) -> int:
        return self.vqvae.levels - 1

    def raw_to_tokens(self, level: int) -> int:
        return self.vqvae.hop_lengths[level]


# --------------------------------------------------------------------------------------------
# Strict YAML -> dataclass conversion


def _convert(tp: Any, value: Any, where: str, source: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _convert(a, value, where, source)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"{source}: {where} has an invalid value {value!r}")
    if origin is Literal:
        if value not in args:
            raise ConfigError(f"{source}: {where} must be one of {list(args)}, got {value!r}")
        return value
    if dataclasses.is_dataclass(tp):
        return build_dataclass(tp, value, where, source)
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{source}: {where} must be a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(args[0], v, f"{where}[{i}]", source) for i, v in enumerate(value))
        if len(args) != len(value):
            raise ConfigError(f"{source}: {where} must have {len(args)} items, got {len(value)}")
        return tuple(_convert(a, v, f"{where}[{i}]", source) for i, (a, v) in enumerate(zip(args, value)))
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{source}: {where} must be a mapping, got {value!r}")
        return {k: _convert(args[1], v, f"{where}.{k}", source) for k, v in value.items()}
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{source}: {where} must be a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{source}: {where} must be an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{source}: {where} must be true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise ConfigError(f"{source}: {where} must be a string, got {value!r}")
        return value
    raise TypeError(f"unsupported config type {tp!r} at {where}")


def build_dataclass(cls: type, data: Any, where: str, source: str) -> Any:
    """Build dataclass ``cls`` from plain data, strictly: unknown keys, missing keys and wrong
    types are :class:`ConfigError` naming ``source`` and the key path (``where``)."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: {where or 'the file'} must be a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    for key in data:
        if key not in fields:
            hint = closest(str(key), fields)
            more = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ConfigError(f"{source}: unknown key {_join(where, key)!r}{more}; valid keys: {sorted(fields)}")
    kwargs = {}
    for name, f in fields.items():
        if name in data:
            kwargs[name] = _convert(hints[name], data[name], _join(where, name), source)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(f"{source}: missing key {_join(where, name)!r}")
    return cls(**kwargs)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else str(key)


def config_from_dict(data: dict[str, Any], source: str = "<dict>") -> ModelConfig:
    """Build and validate a :class:`ModelConfig` from plain data (as read from YAML)."""
    cfg = build_dataclass(ModelConfig, data, "", source)
    _validate(cfg, source)
    return cfg


def _validate(cfg: ModelConfig, source: str) -> None:
    levels = sorted(p.level for p in cfg.priors)
    if levels != list(range(len(levels))) or len(levels) > cfg.vqvae.levels:
        raise ConfigError(f"{source}: priors must cover levels 0..{cfg.vqvae.levels - 1} once each, got {levels}")
    if not (len(cfg.vqvae.downs_t) == len(cfg.vqvae.strides_t) == len(cfg.vqvae.multipliers) == cfg.vqvae.levels):
        raise ConfigError(f"{source}: vqvae.downs_t, strides_t and multipliers need {cfg.vqvae.levels} entries each")
    for p in cfg.priors:
        where = f"priors[level {p.level}]"
        t = p.transformer
        seq = p.n_ctx + (p.n_tokens if p.single_sequence else 0)
        if t.blocks is not None and seq % t.blocks:
            raise ConfigError(f"{source}: {where}: sequence length {seq} is not a multiple of blocks {t.blocks}")
        is_top = p.level == cfg.vqvae.levels - 1
        if is_top != (p.upper_conditioner is None):
            raise ConfigError(f"{source}: {where}: upsamplers need upper_conditioner, the top prior must not have one")
        if p.lyrics and p.lyrics.kind == "encoder_decoder" and p.lyrics.encoder is None:
            raise ConfigError(f"{source}: {where}: lyrics.kind encoder_decoder needs lyrics.encoder")
        if is_top and (p.labels.min_duration is None or p.labels.max_duration is None):
            raise ConfigError(f"{source}: {where}: the top prior needs labels.min_duration and labels.max_duration")


def presets_dir() -> Path:
    """Directory of the bundled presets (``presets/`` in the repository, ``jukebox_cli/presets`` when installed)."""
    here = Path(__file__).resolve().parent
    for cand in (here / "presets", here.parent / "presets"):
        if (cand / "5b.yaml").exists():
            return cand
    raise ConfigError("bundled presets not found; reinstall jukebox-cli")


def available_models() -> list[str]:
    return sorted(p.stem for p in presets_dir().glob("*.yaml"))


def load_config(name_or_path: str | Path) -> ModelConfig:
    """Load a preset by name (``5b``, ``5b_lyrics``, ``1b_lyrics``) or from a YAML file path."""
    path = Path(name_or_path)
    if not (path.suffix in (".yaml", ".yml") or path.exists()):
        path = presets_dir() / f"{name_or_path}.yaml"
        if not path.exists():
            raise ConfigError(f"unknown model {str(name_or_path)!r}; valid models: {', '.join(available_models())} "
                              "(or the path of a preset .yaml file)")
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as e:
        raise ConfigError(f"cannot read preset {path}: {e}") from e
    return config_from_dict(data, str(path))
