"""``streamprobe check``: join a stream as a viewer, measure it, return a ``Report``.

With no URL the built-in test room starts as a child process on a free loopback port and the
probe watches its stamped pattern: the embedded default, which needs no outside server. With a
publish URL the probe also publishes the pattern there (WHIP or a Janus room) and watches it come
back: one clock stamps and reads, so glass-to-glass is true latency through that server.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.report import ClockSource, Report, Target
from metrics.verdict import ThresholdsError, load_limits
from probe.errors import InputError
from probe.impair_spec import ImpairSpec
from probe.loopback_ice import is_loopback_url
from probe.pattern import PatternRenderer, PatternSpec
from probe.room import DEFAULT_STREAM, RoomConfig
from probe.room_process import room_process
from probe.video_encoding import VideoEncoding
from probe.signaling import open_publisher_signaling, open_viewer_signaling
from probe.viewer import Progress, Viewer


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
    async with room_process(config) as base_url:
        yield f"{base_url}/whep/{DEFAULT_STREAM}", True


@contextlib.asynccontextmanager
async def _published(options: CheckOptions) -> AsyncIterator[str]:
    """Publish the pattern to ``publish_url`` while open; yields the URL to watch it at."""
    from probe.publisher import PatternPublisher

    assert options.publish_url is not None
    signaling = open_publisher_signaling(options.publish_url, options.token)
    publisher = PatternPublisher(signaling, options.pattern, options.encoding)
    if options.url is None and not publisher.names_its_viewer:
        raise InputError(f"give --view URL: where to watch what is published to "
                         f"{options.publish_url} (e.g. the server's WHEP URL)")
    async with publisher.running(options.timeout_s):
        yield options.url or publisher.viewer_url()


def _clock_for(url: str, own_pattern: bool) -> ClockSource:
    """Glass-to-glass needs the sender's clock: ours (our pattern or this host), else unknown."""
    return "same-host" if own_pattern or is_loopback_url(url) else "none"


async def run_check(options: CheckOptions,
                    on_progress: Callable[[Progress], None] | None = None) -> Report:
    """Run one check and score it; raises ``ProbeError`` when nothing could be measured."""
    if options.duration_s <= 0 or options.timeout_s <= 0:
        raise InputError("--duration and --timeout must be positive numbers of seconds")
    if options.impair is not None and (options.url or options.publish_url) is not None:
        raise InputError("--impair applies to the embedded test room only; to impair a remote "
                         "stream, run `streamprobe serve --impair SPEC` in front of it, or drop URL")
    try:
        limits = load_limits(options.thresholds)
    except ThresholdsError as err:
        raise InputError(str(err)) from err
    async with _target_url(options) as (url, embedded):
        signaling = open_viewer_signaling(url, options.token)
        own_pattern = embedded or options.publish_url is not None
        # Our own pattern is known frame by frame: PSNR/SSIM against it, live.
        source = PatternRenderer(options.pattern).source_picture if own_pattern else None
        analyzer = StreamAnalyzer(expect_continuous_audio=own_pattern, reference=source)
        viewed = await Viewer(signaling, analyzer, on_progress).watch(
            options.duration_s, options.timeout_s)
    facts = RunFacts(
        target=Target(url=url, protocol="loopback" if embedded else signaling.protocol),
        clock=_clock_for(url, own_pattern),
        time_to_first_frame_ms=viewed.join.time_to_first_frame_ms,
        join_split=viewed.join.split(),
        video_codec=viewed.video_codec,
        audio_codec=viewed.audio_codec,
    )
    return analyzer.report(facts, limits, duration_s=options.duration_s, notes=viewed.notes())
