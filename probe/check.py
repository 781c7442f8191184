"""``streamprobe check``: join a stream as a viewer, measure it, return a ``Report``.

With no URL the built-in test room starts as a child process on a free loopback port and the
probe watches its stamped pattern: the embedded default, which needs no outside server. With a
publish URL the probe also publishes the pattern there (WHIP or a Janus room) and watches it come
back: one clock stamps and reads, so glass-to-glass is true latency through that server.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiortc import RTCIceServer

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.report import ClockSource, Report, Target
from metrics.verdict import ThresholdsError, load_limits
from probe.bounds import MAX_DURATION_S, MAX_TIMEOUT_S
from probe.errors import InputError, MeasurementError
from probe.media.encoding import VideoEncoding
from probe.pattern.render import PatternRenderer
from probe.pattern.spec import PatternSpec
from probe.room.impair_spec import ImpairSpec
from probe.room.process import room_process
from probe.room.server import DEFAULT_STREAM, RoomConfig
from probe.signaling import open_publisher_signaling, open_viewer_signaling
from probe.signaling.loopback import is_loopback_url
from probe.stream_identity import stream_id_of, utc_iso
from probe.viewer.peer import Progress, Viewer

# Live clarity is scored on 10 frames a second: the score is a mean over frames, and at 720p30
# scoring every frame was the largest share of the probe's CPU (py-spy: 27 % of its samples).
LIVE_CLARITY_FPS = 10.0


@dataclass(frozen=True)
class CheckOptions:
    """Everything a check needs; ``url=None`` probes the embedded test room."""

    url: str | None = None
    duration_s: float = 10.0
    timeout_s: float = 10.0
    token: str | None = None
    thresholds: Path | None = None
    pattern: PatternSpec = field(default_factory=PatternSpec)
    encoding: VideoEncoding = field(default_factory=VideoEncoding)
    impair: ImpairSpec | None = None  # embedded room only
    publish_url: str | None = None  # publish the pattern here (WHIP or janus://) and watch it
    # STUN/TURN servers to gather with (none by default; see probe.signaling.ice_servers).
    ice_servers: tuple[RTCIceServer, ...] = ()


@contextlib.asynccontextmanager
async def _target_url(options: CheckOptions) -> AsyncIterator[tuple[str, bool]]:
    """The URL to probe and whether it is the embedded room (started here, stopped on exit)."""
    if options.publish_url is not None:
        async with _published(options) as url:
            yield url, False
        return
    if options.url is not None:
        yield options.url, False
        return
    config = RoomConfig(pattern=options.pattern, encoding=options.encoding, impair=options.impair)
    async with room_process(config) as room:
        yield f"{room.base_url}/whep/{DEFAULT_STREAM}", True


@contextlib.asynccontextmanager
async def _published(options: CheckOptions) -> AsyncIterator[str]:
    """Publish the pattern to ``publish_url`` while open; yields the URL to watch it at."""
    from probe.pattern.publisher import PatternPublisher

    assert options.publish_url is not None
    signaling = open_publisher_signaling(options.publish_url, options.token, options.ice_servers)
    publisher = PatternPublisher(signaling, options.pattern, options.encoding)
    if options.url is None and not publisher.names_its_viewer:
        raise InputError(f"give --view URL: where to watch what is published to "
                         f"{options.publish_url} (e.g. the server's WHEP URL)")
    async with publisher.running(options.timeout_s):
        yield options.url or publisher.viewer_url()


def _stamp_clock_for(url: str, own_pattern: bool) -> ClockSource:
    """The clock a stamp read in this run is on: ours for our own pattern or a sender on this
    host, else the remote sender's (counted only when in step with ours, as NTP would keep it).
    The report says "same-host" or "ntp" only when stamps were read (``metrics.latency``)."""
    return "same-host" if own_pattern or is_loopback_url(url) else "ntp"


async def run_check(options: CheckOptions,
                    on_progress: Callable[[Progress], None] | None = None) -> Report:
    """Run one check and score it; raises ``ProbeError`` when nothing could be measured."""
    for flag, value, most in (("--duration", options.duration_s, MAX_DURATION_S),
                              ("--timeout", options.timeout_s, MAX_TIMEOUT_S)):
        if not 0 < value <= most:  # also refuses NaN, which would remove every bound
            raise InputError(f"{flag} must be a number of seconds above 0 and at most "
                             f"{most:g}, not {value!r}")
    if options.impair is not None and (options.url or options.publish_url) is not None:
        raise InputError("--impair applies to the embedded test room only; to impair a remote "
                         "stream, run `streamprobe serve --impair SPEC` in front of it, or drop URL")
    try:
        limits = load_limits(options.thresholds)
    except ThresholdsError as err:
        raise InputError(str(err)) from err
    async with _target_url(options) as (url, embedded):
        signaling = open_viewer_signaling(url, options.token, options.ice_servers)
        own_pattern = embedded or options.publish_url is not None
        # Our own pattern is known frame by frame: PSNR/SSIM against it, live.
        source = PatternRenderer(options.pattern).source_picture if own_pattern else None
        analyzer = StreamAnalyzer(expect_continuous_audio=own_pattern, reference=source,
                                  clarity_fps=LIVE_CLARITY_FPS)
        viewed = await Viewer(signaling, analyzer, on_progress).watch(
            options.duration_s, options.timeout_s)
    facts = RunFacts(
        target=Target(url=url, protocol="loopback" if embedded else signaling.protocol),
        clock=_stamp_clock_for(url, own_pattern),
        # The embedded room plays only its pattern, whose reports tell its capture clock.
        reports_on_capture_clock=embedded,
        time_to_first_frame_ms=viewed.join.time_to_first_frame_ms,
        join_split=viewed.join.split(),
        video_codec=viewed.video_codec,
        audio_codec=viewed.audio_codec,
        media_ended=viewed.media_ended,
        error_count=viewed.error_count,
        first_error=viewed.first_error,
    )
    if viewed.error_count and viewed.error_count >= analyzer.frames:
        raise MeasurementError(f"nothing trustworthy was measured on {url}: every video frame "
                               f"failed analysis ({viewed.first_error}); please report this")
    report = analyzer.report(facts, limits, duration_s=options.duration_s, notes=viewed.notes())
    # t_s 0 is the first frame's arrival, taken on the monotonic clock: placed on the wall clock.
    started_s = time.time() - (time.monotonic() - viewed.join.first_frame_s)
    return dataclasses.replace(report, started_at=utc_iso(started_s), stream_id=stream_id_of(url))
