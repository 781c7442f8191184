"""Flags shared by several commands, and the live progress line."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from probe.impair_spec import ImpairSpec, ImpairSpecError, parse_impair_spec
from probe.pattern import PatternSpec
from probe.video_encoding import VideoEncoding

F = Callable[..., Any]


def pattern_options(fn: F) -> F:
    """The test pattern's flags (for ``serve`` and for ``check`` with the embedded room)."""
    defaults, encoding = PatternSpec(), VideoEncoding()
    options = [
        click.option("--width", type=click.IntRange(64, 3840), default=defaults.width,
                     show_default=True, help="Pattern width (px)."),
        click.option("--height", type=click.IntRange(64, 2160), default=defaults.height,
                     show_default=True, help="Pattern height (px)."),
        click.option("--fps", type=click.FloatRange(1, 120), default=defaults.fps,
                     show_default=True, help="Pattern frame rate (fps)."),
        click.option("--codec", type=click.Choice(["vp8", "h264"]), default=encoding.codec,
                     show_default=True, help="Video codec the room encodes with."),
        click.option("--bitrate-kbps", type=click.IntRange(50, 50000),
                     default=encoding.bitrate_kbps, show_default=True,
                     help="Video target bitrate (kbps)."),
        click.option("--av-offset", "av_offset_ms", type=float, default=defaults.av_offset_ms,
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
