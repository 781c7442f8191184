"""The fleet's timeline: every probe's rows in one JSON Lines file, with the probe's own troubles.

Rows are ``watch``'s (contract) in order of ``ts``, plus (added, contract):

- ``probe_overloaded: true`` on a row whose second fell while its probe was overloaded (its
  frozen seconds are the probe's, not the stream's);
- event records, keyed ``ts``, ``stream_id``, ``probe_id`` like rows and told apart by an
  ``event`` key: ``probe_outage`` (``seconds`` no probe watched the stream, from ``ts``: its
  probe died and was restarted, or moved it; ``reason``) and ``probe_overload`` (``seconds``
  from ``ts`` the probe was overloaded; ``reason``). Event records are not seconds of quality:
  ``retention --quality`` skips them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probe.fleet.actor import probe_id_of


@dataclass(frozen=True)
class ProbeGap:
    """Stream ``key`` was not watched by ``probe`` from when it was lost (``lost_s``, UTC epoch
    s, when the scheduler saw its probe gone) until given to a probe again; ``reason`` says why."""

    key: str
    probe: str
    lost_s: float
    reason: str


@dataclass(frozen=True)
class OverloadSpan:
    """Probe ``probe`` was overloaded while watching ``key`` over [``from_s``, ``until_s``)."""

    key: str
    probe: str
    from_s: float
    until_s: float
    reason: str


def part_rows(parts_dir: Path) -> list[dict[str, Any]]:
    """Every whole row of every probe's timeline part (a row a kill cut short is left out)."""
    rows = []
    for part in sorted(parts_dir.glob("*.jsonl")):
        for line in part.read_text(encoding="utf-8").splitlines():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return rows


def merged_timeline(rows: list[dict[str, Any]], key_of: dict[str, str],
                    gaps: Iterable[ProbeGap], spans: Iterable[OverloadSpan],
                    ended_s: float) -> list[dict[str, Any]]:
    """Rows and event records in ``ts`` order (see the module); ``key_of`` maps a row's
    ``probe_id`` to its stream key, ``ended_s`` is when the fleet stopped."""
    by_key: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_key.setdefault(key_of.get(row["probe_id"], row["probe_id"]), []).append(row)
    for key_rows in by_key.values():
        key_rows.sort(key=lambda r: r["ts"])
    events = list(_outage_events(by_key, gaps, ended_s))
    for span in spans:
        hit = [r for r in by_key.get(span.key, ()) if span.from_s - 1.0 < r["ts"] < span.until_s]
        for row in hit:
            row["probe_overloaded"] = True
        stream_id = hit[0]["stream_id"] if hit else span.key
        events.append({"ts": round(span.from_s, 3), "stream_id": stream_id,
                       "probe_id": probe_id_of(span.probe, span.key), "event": "probe_overload",
                       "seconds": round(span.until_s - span.from_s, 3), "reason": span.reason})
    merged = [r for key_rows in by_key.values() for r in key_rows] + events
    merged.sort(key=lambda r: (r["ts"], r["stream_id"], r["probe_id"], "event" in r))
    return merged


def _outage_events(by_key: dict[str, list[dict[str, Any]]], gaps: Iterable[ProbeGap],
                   ended_s: float) -> Iterator[dict[str, Any]]:
    """A gap runs from the second after the last row written before the probe was lost (rows of
    a window still open when a probe dies are lost with it) to the first row after."""
    for gap in gaps:
        key_rows = by_key.get(gap.key, [])
        before = [r["ts"] for r in key_rows if r["ts"] < gap.lost_s]
        after = [r["ts"] for r in key_rows if r["ts"] >= gap.lost_s]
        start_s = before[-1] + 1.0 if before else gap.lost_s
        end_s = after[0] if after else ended_s
        stream_id = key_rows[0]["stream_id"] if key_rows else gap.key
        yield {"ts": round(start_s, 3), "stream_id": stream_id,
               "probe_id": probe_id_of(gap.probe, gap.key), "event": "probe_outage",
               "seconds": round(max(0.0, end_s - start_s), 3), "reason": gap.reason}


def write_json_lines(path: Path, objects: list[dict[str, Any]]) -> None:
    """Write ``objects`` to ``path`` (replacing it), one a line."""
    path.write_text("".join(json.dumps(o) + "\n" for o in objects), encoding="utf-8")
