"""Glass-to-glass from RTCP sender reports (``clock: "rtcp"``), checked against the stamps.

The room runs in its own process behind a link delayed by a known amount; one viewer run is
scored twice: with the stamps on our clock (the truth on this host), and as a stream published
elsewhere would be, its stamps not on our clock, so the latency must come from the sender reports.
"""

from __future__ import annotations

import pytest

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.report import Target
from metrics.verdict import load_limits
from probe.media.encoding import VideoEncoding
from probe.pattern.spec import PatternSpec
from probe.room.impair_spec import parse_impair_spec
from probe.room.process import room_process
from probe.room.server import DEFAULT_STREAM, RoomConfig
from probe.signaling import open_viewer_signaling
from probe.viewer.peer import Viewer

DELAY_MS = 150.0
# Sender reports map the capture clock to a few ms (the room's report interval, frame timing).
AGREEMENT_MS = 10.0


@pytest.mark.integration
async def test_sender_report_latency_matches_the_stamps() -> None:
    config = RoomConfig(pattern=PatternSpec(width=640, height=360),
                        encoding=VideoEncoding(bitrate_kbps=800),
                        impair=parse_impair_spec(f"delay={DELAY_MS:g}ms"))
    analyzer = StreamAnalyzer()
    async with room_process(config) as room:
        url = f"{room.base_url}/whep/{DEFAULT_STREAM}"
        await Viewer(open_viewer_signaling(url), analyzer).watch(duration_s=6.0, timeout_s=10.0)

    def latency(clock):
        facts = RunFacts(target=Target(url=url, protocol="whep"), clock=clock,
                         reports_on_capture_clock=True)
        return analyzer.report(facts, load_limits(None)).latency

    stamped, rtcp = latency("same-host"), latency("none")
    assert stamped.clock == "same-host" and rtcp.clock == "rtcp"
    assert stamped.glass_to_glass_ms.p50 >= DELAY_MS
    assert rtcp.glass_to_glass_ms.p50 == pytest.approx(stamped.glass_to_glass_ms.p50,
                                                        abs=AGREEMENT_MS)
    assert rtcp.glass_to_glass_ms.p95 == pytest.approx(stamped.glass_to_glass_ms.p95,
                                                        abs=2 * AGREEMENT_MS)
