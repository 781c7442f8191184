"""Network figures from periodic receiver samples (cumulative counters read once a second)."""

from __future__ import annotations

from dataclasses import dataclass

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


class NetworkMeter:
    """Keeps the first and latest samples (counters are cumulative) and per-second bitrates."""

    def __init__(self) -> None:
        self._first: NetSample | None = None
        self._last: NetSample | None = None
        self._jitters_ms: list[float] = []
        self.bitrate_by_second_kbps: dict[int, float] = {}

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
            self.bitrate_by_second_kbps[int(max(previous.t_s, 0.0))] = kbps

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
        return Network(
            bitrate_kbps=bitrate,
            packets_lost=last.packets_lost,
            loss_fraction=(last.packets_lost / expected) if expected > 0 else None,
            jitter_ms=(sum(self._jitters_ms) / len(self._jitters_ms)) if self._jitters_ms else None,
            nacks=last.nacks,
            plis=last.plis,
        )
