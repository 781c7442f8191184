"""Flags shared by several commands, and the live progress line."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from probe.media.encoding import BITRATE_RANGE_KBPS, VIDEO_CODECS, VideoEncoding
from probe.pattern.spec import FPS_RANGE, HEIGHT_RANGE_PX, WIDTH_RANGE_PX, PatternSpec
from probe.room.impair_spec import ImpairSpec, ImpairSpecError, parse_impair_spec

F = Callable[..., Any]
AV_OFFSET_MAX_MS = 10_000.0  # far beyond any lip-sync error worth simulating
TOKEN_ENV = "STREAMPROBE_TOKEN"


class FiniteRange(click.ParamType):
    """A float in ``[low, high]`` (``low`` itself excluded when ``low_open``); NaN and
    infinities are refused with a one-line usage error (click's FloatRange lets NaN through)."""

    name = "float"

    def __init__(self, low: float, high: float, low_open: bool = False) -> None:
        self.low, self.high, self.low_open = low, high, low_open

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        above = number > self.low if self.low_open else number >= self.low
        if not (math.isfinite(number) and above and number <= self.high):
            bound = "above" if self.low_open else "at least"
            self.fail(f"{value!r} is not a finite number {bound} {self.low:g} and at most "
                      f"{self.high:g}", param, ctx)
        return number


def token_options(fn: F, help_text: str) -> F:
    """``--token`` (or ``$STREAMPROBE_TOKEN``) and ``--token-file``: a token kept out of ``ps``."""
    fn = click.option("--token-file", type=click.Path(path_type=Path, dir_okay=False),
                      help="Read the token from this file (its first line).")(fn)
    return click.option("--token", envvar=TOKEN_ENV, show_envvar=True, help=help_text)(fn)


def token_from(token: str | None, token_file: Path | None) -> str | None:
    """The token given by ``--token``/``$STREAMPROBE_TOKEN`` or read from ``--token-file``."""
    if token_file is None:
        return token or None
    if token:
        raise click.UsageError("give the token once: --token (or $STREAMPROBE_TOKEN) or "
                               "--token-file")
    try:
        lines = token_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise click.BadParameter(f"cannot read {token_file}: {err}",
                                 param_hint="--token-file") from err
    if not lines or not lines[0].strip():
        raise click.BadParameter(f"{token_file} is empty", param_hint="--token-file")
    return lines[0].strip()


def pattern_options(fn: F) -> F:
    """The test pattern's flags (for ``serve`` and for ``check`` with the embedded room)."""
    defaults, encoding = PatternSpec(), VideoEncoding()
    options = [
        click.option("--width", type=click.IntRange(*WIDTH_RANGE_PX), default=defaults.width,
                     show_default=True, help="Pattern width (px)."),
        click.option("--height", type=click.IntRange(*HEIGHT_RANGE_PX), default=defaults.height,
                     show_default=True, help="Pattern height (px)."),
        click.option("--fps", type=click.FloatRange(*FPS_RANGE), default=defaults.fps,
                     show_default=True, help="Pattern frame rate (fps)."),
        click.option("--codec", type=click.Choice(VIDEO_CODECS), default=encoding.codec,
                     show_default=True, help="Video codec the room encodes with."),
        click.option("--bitrate-kbps", type=click.IntRange(*BITRATE_RANGE_KBPS),
                     default=encoding.bitrate_kbps, show_default=True,
                     help="Video target bitrate (kbps)."),
        click.option("--av-offset", "av_offset_ms", type=FiniteRange(-AV_OFFSET_MAX_MS,
                                                                     AV_OFFSET_MAX_MS),
                     default=defaults.av_offset_ms,
                     show_default=True,
                     help="Shift the pattern's audio against its video (ms, positive: audio "
                          "leads), to check A/V sync against a known truth."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def pattern_from_flags(width: int, height: int, fps: float, codec: str, bitrate_kbps: int,
                       av_offset_ms: float) -> tuple[PatternSpec, VideoEncoding]:
    """Build the pattern spec and encoding from the flags of ``pattern_options``."""
    if width % 2 or height % 2:
        raise click.BadParameter("width and height must be even (4:2:0 video)")
    return (PatternSpec(width=width, height=height, fps=fps, av_offset_ms=av_offset_ms),
            VideoEncoding(codec=codec, bitrate_kbps=bitrate_kbps))  # type: ignore[arg-type]


class ImpairSpecParam(click.ParamType):
    """``--impair SPEC``: parsed at the command line so a bad field is a usage error (exit 2)."""

    name = "SPEC"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> ImpairSpec:
        if isinstance(value, ImpairSpec):
            return value
        try:
            return parse_impair_spec(value)
        except ImpairSpecError as err:
            self.fail(str(err), param, ctx)


def impair_option(fn: F) -> F:
    """``--impair SPEC`` (contract): user-space impairment of what the room sends each viewer."""
    return click.option(
        "--impair", type=ImpairSpecParam(), default=None,
        help="Impair the room-to-viewer link, e.g. "
             "'loss=5%,burst=3,delay=80ms,jitter=20ms,rate=1500kbit,outage=2s@5s,seed=1'.")(fn)


ProgressUpdate = Callable[[float, float, str], None]


@contextlib.contextmanager
def progress_line(enabled: bool, label: str) -> Iterator[ProgressUpdate | None]:
    """A live progress bar on stderr when ``enabled`` and stderr is a terminal; else ``None``.

    The yielded callable takes (completed, total, detail text).
    """
    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    bar = Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                   TextColumn("{task.fields[detail]}"), TimeRemainingColumn(),
                   console=console, transient=True)
    task = bar.add_task(label, total=1.0, detail="starting…")

    def update(completed: float, total: float, detail: str) -> None:
        bar.update(task, total=total or None, completed=completed, detail=detail)

    with bar:
        yield update
