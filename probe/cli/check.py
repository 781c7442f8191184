"""``streamprobe check`` and ``streamprobe serve``."""

from __future__ import annotations

import asyncio
import functools
import signal
from pathlib import Path
from typing import TYPE_CHECKING

import click

from metrics.report import REPORT_SCHEMA
from probe.bounds import MAX_DURATION_S, MAX_TIMEOUT_S
from probe.cli import interrupt
from probe.cli.options import (
    FiniteRange,
    impair_option,
    pattern_from_flags,
    pattern_options,
    progress_line,
    token_from,
    token_options,
)

if TYPE_CHECKING:
    from metrics.report import Report
    from probe.room.impair_spec import ImpairSpec

EXIT_FAIL = 1
JSON_HELP = f"Write the report as JSON (schema {REPORT_SCHEMA}); '-' for stdout."
html_option = click.option("--html", "html_to", type=click.Path(path_type=Path),
                           metavar="FILE.html",
                           help="Also write the report as a self-contained HTML page.")


def _emit(ctx: click.Context, report: "Report", json_to: str | None,
          html_to: Path | None) -> None:
    """JSON (to a path or stdout), HTML, the table unless JSON went to stdout, the exit code."""
    from probe.render.json_file import write_json
    from probe.render.table import print_report

    if json_to:
        write_json(report.to_dict(), json_to)
    if html_to is not None:
        from probe.render.html import write_html

        write_html([report.to_dict()], html_to)
    if json_to != "-":
        print_report(report)
    ctx.exit(EXIT_FAIL if report.verdict == "fail" else 0)


@click.command()
@click.argument("url", required=False)
@click.option("--duration", "duration_s", type=FiniteRange(0, MAX_DURATION_S, low_open=True),
              default=10.0, show_default=True, help="Seconds to watch after the first frame.")
@click.option("--timeout", "timeout_s", type=FiniteRange(0, MAX_TIMEOUT_S, low_open=True),
              default=10.0, show_default=True,
              help="Seconds to wait for each of: the signaling answer, the connection, the first "
                   "frame. Past it the check ends with exit code 2.")
@functools.partial(token_options, help_text="Bearer token for the WHEP endpoint (for janus:// "
                   "URLs: Janus's API token).")
@click.option("--publish", "publish_url", metavar="URL",
              help="Also publish the test pattern to URL (WHIP endpoint, or "
                   "janus://HOST:PORT/ROOM) and watch it come back: glass-to-glass through that "
                   "server.")
@click.option("--view", "view_url", metavar="URL",
              help="With --publish: where to watch (same as URL; optional for a Janus room).")
@click.option("--ice-server", "ice_server_urls", metavar="URL", multiple=True,
              help="STUN or TURN server to gather with (repeatable; none by default): "
                   "stun:HOST:PORT or turn:USER:PASSWORD@HOST:PORT[?transport=udp|tcp] "
                   "(percent-encode ':' or '@' in credentials). Servers the endpoint names in "
                   "Link headers of an OPTIONS response are added after these.")
@click.option("--json", "json_to", metavar="PATH|-",
              help=JSON_HELP)
@html_option
@click.option("--thresholds", type=click.Path(path_type=Path),
              help="TOML file overriding warn/fail limits (see README).")
@impair_option
@pattern_options
@click.pass_context
def check(ctx: click.Context, url: str | None, duration_s: float, timeout_s: float,
          token: str | None, token_file: Path | None, publish_url: str | None, view_url: str | None,
          ice_server_urls: tuple[str, ...], json_to: str | None, html_to: Path | None,
          thresholds: Path | None, impair: ImpairSpec | None, **pattern: object) -> None:
    """Pre-show check: join URL as a viewer and measure clarity, stutter and latency.

    URL is a WHEP endpoint (http://host:port/whep/stream) or a Janus VideoRoom
    (janus://HOST:PORT/ROOM, optionally ?feed=ID; janus+https:// for TLS). Without URL the
    built-in test room starts on a free loopback port and its stamped pattern is probed. With
    --publish the pattern is published there and watched at URL/--view. The pattern flags apply
    to the built-in room and to --publish. WHEP servers that answer with their own offer
    (406, server-offer mode) are answered by PATCH; 301/302/307/308 redirects are followed with
    the same POST. latency.clock says what glass-to-glass was read on; a server's own RTCP
    sender reports give latency.last_hop_ms instead (glass_to_glass_p95_ms is then
    "not_measured"). A stream that stops mid-check fails: the rest of the window counts as
    stalled (a pause past 5 s), and a failed connection ends the check early (media_ended).
    Exit codes: 0 pass or warn, 1 fail, 2 could not measure.
    """
    from probe.check import CheckOptions, run_check
    from probe.viewer.peer import Progress

    if url and view_url and url != view_url:
        raise click.UsageError("give the URL to watch once: as URL or as --view")
    from probe.errors import InputError
    from probe.signaling.ice_servers import parse_ice_server

    spec, encoding = pattern_from_flags(**pattern)  # type: ignore[arg-type]
    try:
        ice_servers = tuple(parse_ice_server(u) for u in ice_server_urls)
    except InputError as err:
        raise click.BadParameter(str(err), param_hint="--ice-server") from err
    options = CheckOptions(url=url or view_url, duration_s=duration_s, timeout_s=timeout_s,
                           token=token_from(token, token_file), thresholds=thresholds, pattern=spec, encoding=encoding,
                           impair=impair, publish_url=publish_url, ice_servers=ice_servers)
    with progress_line(json_to != "-", "checking") as update:
        def on_progress(p: Progress) -> None:
            latency = f"  g2g {p.latency_ms:.0f} ms" if p.latency_ms is not None else ""
            update(p.elapsed_s, p.duration_s, f"{p.frames} frames{latency}")  # type: ignore[misc]

        report = interrupt.run(run_check(options, on_progress if update else None))
    _emit(ctx, report, json_to, html_to)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback unless told otherwise).")
@click.option("--port", type=click.IntRange(0, 65535), default=8080, show_default=True,
              help="TCP port for WHIP/WHEP (0: any free port).")
@functools.partial(token_options,
                   help_text="Require this bearer token from publishers and viewers.")
@impair_option
@pattern_options
def serve(host: str, port: int, token: str | None, token_file: Path | None, impair: ImpairSpec | None,
          **pattern: object) -> None:
    """Run the test room: WHIP in, WHEP out, the stamped pattern when nobody publishes."""
    from probe.room.server import RoomConfig, TestRoom

    spec, encoding = pattern_from_flags(**pattern)  # type: ignore[arg-type]
    config = RoomConfig(host=host, port=port, pattern=spec, encoding=encoding,
                        token=token_from(token, token_file),
                        impair=impair)

    async def run() -> None:
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        async with TestRoom(config) as room:
            click.echo(f"test room on {room.base_url()}  (Ctrl-C to stop)")
            click.echo(f"  view:    streamprobe check {room.whep_url()}")
            click.echo(f"  publish: WHIP to {room.whip_url()}")
            await stop.wait()

    try:
        asyncio.run(run())
    except OSError as err:
        from probe.errors import InputError

        raise InputError(f"cannot listen on {host}:{port}: {err.strerror}; "
                         "choose another --port") from err


@click.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--json", "json_to", metavar="PATH|-",
              help=JSON_HELP)
@html_option
@click.option("--thresholds", type=click.Path(path_type=Path),
              help="TOML file overriding warn/fail limits (see README).")
@click.option("--reference", type=click.Path(path_type=Path), metavar="SRC",
              help="Source video FILE was encoded from: adds PSNR, SSIM and VMAF (frames paired "
                   "by the stamp code when both carry it, else by position).")
@click.option("--display", "display_name", type=click.Choice(["own", "tv", "phone"]),
              default="own", show_default=True,
              help="What clarity is judged for: the stream's own size, a 1080-row TV, or a "
                   "phone (VMAF's phone model).")
@click.pass_context
def analyze(ctx: click.Context, file: Path, json_to: str | None, html_to: Path | None,
            thresholds: Path | None, reference: Path | None, display_name: str) -> None:
    """Score a recorded or sample stream FILE with the same metrics as a live check.

    Exit codes: 0 pass or warn, 1 fail, 2 unreadable file, no video, or a reference of
    another size.
    """
    from metrics.clarity import display_named
    from probe.analyze.file import analyze_file

    with progress_line(json_to != "-", "analyzing") as update:
        def on_progress(done_s: float, total_s: float) -> None:
            update(done_s, total_s, f"{done_s:.1f} s")  # type: ignore[misc]

        report = analyze_file(file, thresholds, on_progress if update else None, reference,
                              display_named(display_name))
    _emit(ctx, report, json_to, html_to)
