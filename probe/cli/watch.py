"""``streamprobe watch``: monitor streams for hours (timeline, window reports, Prometheus)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from probe.cli import interrupt
from probe.cli.options import F, impair_option, pattern_from_flags, pattern_options

if TYPE_CHECKING:
    from probe.room.impair_spec import ImpairSpec
    from probe.watch.session import WatchOptions


@contextlib.contextmanager
def _status_line(enabled: bool) -> Iterator[Callable[[list[str]], None] | None]:
    """A live status line per stream on stderr when it is a terminal; else ``None`` (quiet)."""
    from rich.console import Console
    from rich.live import Live
    from rich.text import Text

    console = Console(stderr=True)
    if not enabled or not console.is_terminal:
        yield None
        return
    with Live(Text("joining…"), console=console, transient=True) as live:
        yield lambda lines: live.update(Text("\n".join(lines)))


def watch_run_options(fn: F) -> F:
    """How each stream is watched (``watch`` and ``fleet``): duration, windows, clarity rate,
    join timeout, token, ICE servers, thresholds; read back by ``watch_options``."""
    options = [
        click.option("--duration", "duration_s", type=float, metavar="S",
                     help="Seconds to watch [default: until Ctrl-C or SIGTERM]."),
        click.option("--window", "window_s", type=float, default=60.0, show_default=True,
                     metavar="S", help="Seconds per window: each closes with a report (verdict "
                                       "included) and its timeline rows."),
        click.option("--clarity-fps", "clarity_fps", type=click.FloatRange(min=0, min_open=True),
                     default=10.0, show_default=True, metavar="F",
                     help="Score clarity on at most F frames a second, as check does; timing, "
                          "stamps, freezes and latency cover every frame."),
        click.option("--timeout", "timeout_s", type=float, default=10.0, show_default=True,
                     help="Seconds to wait for each step of a join before counting it an "
                          "outage."),
        click.option("--token", help="Bearer token for the WHEP endpoints (janus://: API "
                                     "token)."),
        click.option("--ice-server", "ice_server_urls", metavar="URL", multiple=True,
                     help="STUN or TURN server to gather with (repeatable), as for check."),
        click.option("--thresholds", type=click.Path(path_type=Path),
                     help="TOML file overriding warn/fail limits of the window reports."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def watch_options(timeline: Path, duration_s: float | None, window_s: float, clarity_fps: float,
                  timeout_s: float, token: str | None, ice_server_urls: tuple[str, ...],
                  thresholds: Path | None, **more: Any) -> WatchOptions:
    """``WatchOptions`` from the flags of ``watch_run_options`` plus ``more`` of its fields."""
    from probe.errors import InputError
    from probe.signaling.ice_servers import parse_ice_server
    from probe.watch.session import WatchOptions

    try:
        ice_servers = tuple(parse_ice_server(u) for u in ice_server_urls)
    except InputError as err:
        raise click.BadParameter(str(err), param_hint="--ice-server") from err
    return WatchOptions(timeline=timeline, duration_s=duration_s, window_s=window_s,
                        clarity_fps=clarity_fps, timeout_s=timeout_s, token=token,
                        ice_servers=ice_servers, thresholds=thresholds, **more)


@click.command()
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--timeline", type=click.Path(path_type=Path), required=True, metavar="PATH",
              help="Append the timeline here: JSON Lines, one row per stream per second (ts, "
                   "stream_id, probe_id, connected, fps, bitrate_kbps, clarity, frozen, "
                   "latency_ms, loss_fraction), written as each window closes.")
@watch_run_options
@click.option("--reports", type=click.Path(path_type=Path), metavar="PATH",
              help="Append each window's report here (JSON Lines of streamprobe.report/1 with "
                   "started_at, stream_id and probe_id).")
@click.option("--html", "html_to", type=click.Path(path_type=Path), metavar="FILE.html",
              help="Keep one self-contained page of the whole watch here (timelines, freezes, "
                   "outages, thumbnails; each stream's checks at their worst window), rebuilt "
                   "as windows close (at most once per --window, 10 s at least) and at the "
                   "end.")
@click.option("--metrics-port", type=click.IntRange(0, 65535), metavar="N",
              help="Serve Prometheus metrics on 127.0.0.1:N/metrics (0: a free port).")
@click.option("--stream-id", "stream_ids", multiple=True, metavar="ID",
              help="What viewer sessions call each URL's stream, in URL order (repeatable) "
                   "[default: the URL's last path segment].")
@click.option("--probe-id", metavar="ID", help="This probe's name in the rows [default: the "
                                                "host name]; each URL adds /INDEX.")
@click.option("--json", "json_to", metavar="PATH|-",
              help="Write the summary (schema streamprobe.watch/1) here at the end, also when "
                   "stopped by a signal; '-' for stdout.")
@impair_option
@pattern_options
@click.pass_context
def watch(ctx: click.Context, urls: tuple[str, ...], timeline: Path, reports: Path | None,
          html_to: Path | None, metrics_port: int | None, stream_ids: tuple[str, ...],
          probe_id: str | None, json_to: str | None, impair: ImpairSpec | None, width: int,
          height: int, fps: float, codec: str, bitrate_kbps: int, av_offset_ms: float,
          **run: Any) -> None:
    """Watch live streams for hours: each URL (WHEP or janus://) by its own peer in this process.

    Without URL the built-in test room starts and its pattern is watched (the pattern and
    --impair flags apply to it). A drop is an outage in the timeline, not an exit: the watch
    joins again with backoff (1 s doubling to 15 s). Memory stays bounded for any length.

    Exit codes: 0 watched until --duration, 2 bad arguments or no frame from any stream during
    the whole watch, 130 Ctrl-C, 143 SIGTERM (the timeline and --json are completed first).
    """
    from probe.watch.session import run_watch

    spec, encoding = pattern_from_flags(width, height, fps, codec, bitrate_kbps, av_offset_ms)
    extra = {"probe_id": probe_id} if probe_id else {}
    options = watch_options(
        timeline, urls=urls, stream_ids=stream_ids, metrics_port=metrics_port, reports=reports,
        html=html_to,
        summary=Path(json_to) if json_to and json_to != "-" else None, pattern=spec,
        encoding=encoding, impair=impair, **extra, **run)
    with _status_line(json_to != "-") as on_status:
        result = interrupt.run(run_watch(options, on_status))
    if json_to == "-":
        from probe.render.json_file import write_json

        write_json(result.to_dict(), "-")
        return
    for stream in result.streams:
        click.echo(f"{stream.stream_id}: {stream.seconds} s watched, {stream.connected_s} s "
                   f"with media, {stream.outages} outages ({stream.outage_s} s), "
                   f"{stream.reconnects} reconnects, {stream.frozen_s} s frozen, "
                   f"{stream.frames} frames ({stream.frames_dropped_by_probe} dropped by the "
                   f"probe); windows {stream.windows}")
