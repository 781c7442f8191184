"""Network figures from periodic receiver samples (cumulative counters read once a second)."""

from __future__ import annotations

from dataclasses import dataclass

from metrics.loss import LossCounts, fraction
from metrics.report import Network


@dataclass(frozen=True)
class NetSample:
    """Cumulative receiver counters at ``t_s`` (s, same origin as the frame times).

    ``jitter_ms`` is the RFC 3550 interarrival jitter of the video stream at that moment.
    """

    t_s: float
    bytes_received: int
    packets_received: int
    packets_lost: int
    jitter_ms: float | None
    nacks: int
    plis: int
    rtt_ms: float | None = None
    # Added (issue #21), from sequence numbers (metrics.loss): video before/after repair, audio.
    video_loss: LossCounts | None = None
    audio_loss: LossCounts | None = None


def _loss_between(earlier: NetSample, later: NetSample) -> float | None:
    """The video loss fraction between two samples (after repair, as ``loss_fraction``),
    clipped to 0–1: a late retransmission can lower the cumulative count."""
    if earlier.video_loss is not None and later.video_loss is not None:
        lost = later.video_loss.lost - earlier.video_loss.lost
        expected = later.video_loss.expected - earlier.video_loss.expected
    else:
        lost = later.packets_lost - earlier.packets_lost
        expected = lost + later.packets_received - earlier.packets_received
    return min(max(lost / expected, 0.0), 1.0) if expected > 0 else None


class NetworkMeter:
    """Keeps the first and latest samples (counters are cumulative) and per-second bitrates."""

    def __init__(self) -> None:
        self._first: NetSample | None = None
        self._last: NetSample | None = None
        self._jitters_ms: list[float] = []
        self.bitrate_by_second_kbps: dict[int, float] = {}
        self.loss_by_second: dict[int, float] = {}  # as loss_fraction, over each sample's span

    def update(self, sample: NetSample) -> None:
        """Account one sample; samples arrive in time order."""
        previous = self._last
        if self._first is None:
            self._first = sample
        self._last = sample
        if sample.jitter_ms is not None:
            self._jitters_ms.append(sample.jitter_ms)
        if previous is not None and sample.t_s > previous.t_s:
            kbps = 8.0 * (sample.bytes_received - previous.bytes_received) / (
                sample.t_s - previous.t_s) / 1000.0
            second = int(max(previous.t_s, 0.0))
            self.bitrate_by_second_kbps[second] = kbps
            loss = _loss_between(previous, sample)
            if loss is not None:
                self.loss_by_second[second] = loss

    @property
    def rtt_ms(self) -> float | None:
        return self._last.rtt_ms if self._last else None

    def result(self) -> Network:
        """The report's network section: mean bitrate, loss, mean jitter, feedback counts."""
        first, last = self._first, self._last
        if first is None or last is None:
            return Network(None, None, None, None, None, None)
        span_s = last.t_s - first.t_s
        bitrate = (8.0 * (last.bytes_received - first.bytes_received) / span_s / 1000.0
                   if span_s > 0 else None)
        expected = last.packets_received + last.packets_lost
        video = last.video_loss
        return Network(
            bitrate_kbps=bitrate,
            packets_lost=video.lost if video else last.packets_lost,
            loss_fraction=(fraction(video.lost, video.expected) if video
                           else (last.packets_lost / expected) if expected > 0 else None),
            jitter_ms=(sum(self._jitters_ms) / len(self._jitters_ms)) if self._jitters_ms else None,
            nacks=last.nacks,
            plis=last.plis,
            link_loss_fraction=fraction(video.link_lost, video.expected) if video else None,
            retransmitted_packets=video.retransmitted if video else None,
        )

    def audio_loss(self) -> tuple[int | None, float | None]:
        """The audio stream's packets lost and loss fraction (webrtc-stats), if counted."""
        audio = self._last.audio_loss if self._last else None
        if audio is None:
            return None, None
        return audio.lost, fraction(audio.lost, audio.expected)
