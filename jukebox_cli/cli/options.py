"""Options shared by several commands, declared once.

``sample`` and ``continue`` (and batch entries) take the same sampling options, ``resume`` and
``upsample`` the runtime subset; the decorators add them to a command's signature (Typer reads
the signature) and hand them to the command as one dict, ready for :class:`SampleRequest.from_data`.
"""

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any, Optional

import typer

from jukebox_cli.runs.request import SampleRequest

SONG = "Song labels (repeat an option for one song per sample, cycled)"
LEVEL = "Per level: one value, or a comma list with level 0 first (top prior last)"
RUN = "Model and device"


def _opt(*names: str, help: str, panel: str, **kw: Any) -> Any:
    return typer.Option(*names, help=help, rich_help_panel=panel, show_default=False, **kw)


Model = Annotated[Optional[str], _opt("--model", "-m", help="Preset name (5b, 5b_lyrics, 1b_lyrics) or preset "
                                      "YAML path (default 5b_lyrics).", panel=RUN)]
ModelsDir = Annotated[Optional[str], _opt("--models-dir", help="Directory holding the checkpoints.", panel=RUN)]
IdsDir = Annotated[Optional[str], _opt("--ids-dir", help="Directory of the artist/genre id tables "
                                       "(default: <models-dir>/ids).", panel=RUN)]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="Only warnings and errors.")]
LogJson = Annotated[bool, typer.Option("--log-json", help="One JSON object per event on stdout (for batch logs).")]

SAMPLING_OPTIONS: dict[str, tuple[Any, Any]] = {
    "model": (Model, None),
    "models_dir": (ModelsDir, None),
    "ids_dir": (IdsDir, None),
    "artist": (Annotated[Optional[list[str]], _opt("--artist", "-a", help="Artist name.", panel=SONG)], None),
    "genre": (Annotated[Optional[list[str]], _opt("--genre", "-g", help="Genre (words).", panel=SONG)], None),
    "lyrics": (Annotated[Optional[list[str]], _opt("--lyrics", "-l", help="Lyrics text, or @file / a file path.",
                                                    panel=SONG)], None),
    "total_length": (Annotated[Optional[list[str]], _opt(
        "--total-length", help="Length of the whole song the sample is part of: seconds (180, 180s) or samples "
        "(7938000samples). Default 180 s.", panel=SONG)], None),
    "offset": (Annotated[Optional[list[str]], _opt("--offset", help="Where the sample starts in that song "
                                                   "(seconds or samples). Default 0.", panel=SONG)], None),
    "length": (Annotated[Optional[float], _opt("--length", help="Seconds to sample (default 60).", panel=RUN)], None),
    "sample_length": (Annotated[Optional[int], _opt("--sample-length", help="Exact audio samples to sample "
                                                    "(cut to a multiple of the top level's hop).", panel=RUN)], None),
    "n_samples": (Annotated[int, _opt("--n-samples", "-n", help="Number of samples (default 1).", panel=RUN)], 1),
    "seed": (Annotated[Optional[int], _opt("--seed", help="Random seed (default: random, recorded in job.yaml).",
                                           panel=RUN)], None),
    "temperature": (Annotated[Optional[str], _opt("--temperature", help="Sampling temperature (default 0.99).",
                                                  panel=LEVEL)], None),
    "top_k": (Annotated[Optional[str], _opt("--top-k", help="Keep the k likeliest tokens (0: all).", panel=LEVEL)],
              None),
    "top_p": (Annotated[Optional[str], _opt("--top-p", help="Nucleus sampling mass (0: off).", panel=LEVEL)], None),
    "hop_fraction": (Annotated[Optional[str], _opt("--hop-fraction", help="Window advance as a fraction of the "
                                                   "context (default 0.5,0.5,0.125).", panel=LEVEL)], None),
    "chunk_size": (Annotated[Optional[str], _opt("--chunk-size", help="Prompt tokens per forward pass "
                                                 "(default: memory preset).", panel=LEVEL)], None),
    "max_batch_size": (Annotated[Optional[str], _opt("--max-batch-size", help="Samples per forward pass "
                                                     "(default: memory preset).", panel=LEVEL)], None),
    "levels": (Annotated[Optional[str], _opt("--levels", help="Levels to sample, e.g. 2 to stop after the top "
                                             "prior (default: all).", panel=RUN)], None),
    "device": (Annotated[Optional[str], _opt("--device", help="cpu, cuda, cuda:1 ... (default: cuda if present).",
                                             panel=RUN)], None),
    "fp16": (Annotated[Optional[bool], _opt("--fp16/--no-fp16", help="Half-precision activations "
                                            "(default: memory preset).", panel=RUN)], None),
    "allow_unknown": (Annotated[bool, _opt("--allow-unknown", help="Use id 0 for unknown artist/genre names "
                                           "instead of failing.", panel=SONG)], False),
}


RUNTIME_OPTIONS = {k: SAMPLING_OPTIONS[k] for k in ("models_dir", "ids_dir", "device", "fp16", "chunk_size",
                                                    "max_batch_size")}


def with_options(spec: dict[str, tuple[Any, Any]]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add the options of ``spec`` to a command's CLI signature; the command receives them as one dict ``opts``."""

    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        sig = inspect.signature(func)
        own = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in sig.parameters.values() if p.name != "opts"]
        extra = [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=ann)
                 for name, (ann, default) in spec.items()]

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            opts = {name: kwargs.pop(name) for name in spec}
            return func(*args, opts=opts, **kwargs)

        params = own + extra
        wrapper.__signature__ = sig.replace(parameters=params)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in params}
        return wrapper

    return decorate


sampling_options = with_options(SAMPLING_OPTIONS)
runtime_options = with_options(RUNTIME_OPTIONS)


def build_request(opts: dict[str, Any], **extra: Any) -> SampleRequest:
    """The command line's options (and any command-specific ones) as a SampleRequest."""
    return SampleRequest.from_data({**opts, **extra}, "command line")
