"""Whether a probe is overloaded, and whether a fleet stream's stutter is its own or the probe's.

A probe that falls behind makes stutter of its own: frames it drops before analysis (its queue
full), frames it analyses too late to score, a deep analysis queue, and an event loop running
so late that it alone could have made a freeze (the probe times frames on its loop: a lag of
``LOOP_LAG_FREEZE_MS`` stretches a 30 fps frame delay past libwebrtc's freeze rule, whose
smallest margin is that many ms over the average). Over an interval between two health
samples of a probe, any of these makes it overloaded; a stream's frozen seconds while
its probe was overloaded are the probe's, not the stream's (``FleetStreamSummary``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from metrics.stutter import FREEZE_MIN_EXTRA_MS

# The viewer skips clarity beyond 45 queued analysis calls (probe.viewer.peer
# MAX_ANALYSIS_BACKLOG): from there on the probe is behind the stream.
QUEUE_DEPTH_BEHIND = 45
LOOP_LAG_FREEZE_MS = FREEZE_MIN_EXTRA_MS


@dataclass(frozen=True)
class HealthSample:
    """One probe stream's counters at one moment (cumulative since the watch began)."""

    queue_depth: int
    frames_dropped: int
    frames_late: int
    loop_lag_ms: float = 0.0  # the probe's worst event-loop lag since its previous sample


def overload_reasons(before: HealthSample | None, now: HealthSample) -> tuple[str, ...]:
    """Why the probe was overloaded between ``before`` and ``now`` (empty: it kept up)."""
    dropped = now.frames_dropped - (before.frames_dropped if before else 0)
    late = now.frames_late - (before.frames_late if before else 0)
    reasons = []
    if now.queue_depth >= QUEUE_DEPTH_BEHIND:
        reasons.append(f"analysis queue {now.queue_depth} deep")
    if dropped > 0:
        reasons.append(f"{dropped} frames dropped by the probe")
    if late > 0:
        reasons.append(f"{late} frames analysed late")
    if now.loop_lag_ms >= LOOP_LAG_FREEZE_MS:
        reasons.append(f"event loop {now.loop_lag_ms:.0f} ms late")
    return tuple(reasons)


@dataclass(frozen=True)
class FleetStreamSummary:
    """One watch of a fleet, from its merged timeline rows and events. ``frozen_s`` counts the
    stream's own frozen seconds (its outages included); ``frozen_probe_s`` those while its
    probe was overloaded, blamed on the probe; ``probe_outage_s`` seconds no probe watched."""

    key: str
    stream_id: str
    seconds: int
    connected_s: int
    outage_s: int
    frozen_s: int
    frozen_probe_s: int
    overloaded_s: int
    probe_outages: int
    probe_outage_s: float
    flagged: bool  # its probe was overloaded at some point: read its stutter with that in mind


def summarize_fleet(rows: Iterable[Mapping[str, Any]],
                    key_of: Mapping[str, str]) -> list[FleetStreamSummary]:
    """Per watch (``key_of`` maps a row's ``probe_id`` to its key), from merged timeline rows
    (``connected``, ``frozen``, ``probe_overloaded``) and ``probe_outage`` events."""
    tallies: dict[str, dict[str, Any]] = {}
    for row in rows:
        key = key_of.get(str(row.get("probe_id")))
        if key is None:
            continue
        t = tallies.setdefault(key, {"stream_id": row["stream_id"], "seconds": 0,
                                     "connected_s": 0, "outage_s": 0, "frozen_s": 0,
                                     "frozen_probe_s": 0, "overloaded_s": 0,
                                     "probe_outages": 0, "probe_outage_s": 0.0})
        if row.get("event") == "probe_outage":
            t["probe_outages"] += 1
            t["probe_outage_s"] += float(row["seconds"])
            continue
        if "event" in row:
            continue
        overloaded = bool(row.get("probe_overloaded"))
        t["seconds"] += 1
        t["connected_s"] += bool(row["connected"])
        t["outage_s"] += not row["connected"]
        t["overloaded_s"] += overloaded
        if row["frozen"]:
            t["frozen_probe_s" if overloaded else "frozen_s"] += 1
    return [FleetStreamSummary(key=k, flagged=t["overloaded_s"] > 0,
                               **{**t, "probe_outage_s": round(t["probe_outage_s"], 3)})
            for k, t in sorted(tallies.items())]
