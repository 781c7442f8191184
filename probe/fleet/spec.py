"""The fleet's SPEC.toml: streams to watch, or a load test of one stream, and how to split them.

    [fleet]                   # optional
    probes = 2                # actors [default: as few as cores_per_probe allows]
    cores_per_probe = 1.0     # the most one probe reserves [default 1: one Python process]

    [[stream]]                # one table per stream ...
    url = "https://sfu.example/whep/show-1"
    stream_id = "show-1"      # [default: the URL's last path segment]
    height = 720              # picks the measured cost per stream [default 720]
    cost_cores = 0.3          # or give the cost itself
    token = "..."             # per-stream flags: token, timeout (s)

    [load]                    # ... or a load test: N viewers of one URL
    url = "https://sfu.example/whep/show-1"
    viewers = 50
    spawn_rate = 5.0          # viewers started per second [default: all at once]

A bad SPEC is a ``SpecError`` (an ``InputError``: one line, exit 2) naming the file and the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probe.errors import InputError
from probe.fleet.cost import stream_cost_cores
from probe.signaling import open_viewer_signaling
from probe.stream_identity import stream_id_of
from probe.toml_file import read_toml

DEFAULT_HEIGHT_PX = 720
DEFAULT_CORES_PER_PROBE = 1.0  # one Python process: its event loop holds one core at most
STREAM_KEYS = {"url", "stream_id", "height", "cost_cores", "token", "timeout"}
LOAD_KEYS = STREAM_KEYS | {"viewers", "spawn_rate"}
FLEET_KEYS = {"probes", "cores_per_probe"}


class SpecError(InputError):
    """The fleet SPEC cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class StreamPlan:
    """One watch of the fleet. ``key`` is unique in the fleet (the stream_id, or
    ``stream_id#N`` for viewer N of a load test); it starts ``start_after_s`` after the fleet."""

    key: str
    url: str
    stream_id: str
    cost_cores: float
    start_after_s: float = 0.0
    token: str | None = None
    timeout_s: float | None = None


@dataclass(frozen=True)
class FleetSpec:
    """What the fleet watches (``streams``) and how many probes share it."""

    streams: tuple[StreamPlan, ...]
    probes: int | None = None
    cores_per_probe: float = DEFAULT_CORES_PER_PROBE


def load_spec(path: Path) -> FleetSpec:
    """Read and check ``path`` (TOML); ``SpecError`` for anything unusable."""
    return parse_spec(read_toml(path, SpecError, "fleet SPEC"), str(path))


def parse_spec(data: dict[str, Any], where: str) -> FleetSpec:
    """``FleetSpec`` from parsed TOML; ``where`` names the source in errors."""
    _known(data, {"fleet", "stream", "load"}, where)
    fleet = data.get("fleet", {})
    if not isinstance(fleet, dict):
        raise SpecError(f"{where}: [fleet] must be a table")
    _known(fleet, FLEET_KEYS, f"{where}: [fleet]")
    probes = fleet.get("probes")
    if probes is not None and (not isinstance(probes, int) or isinstance(probes, bool)
                               or probes < 1):
        raise SpecError(f"{where}: [fleet] probes: expected a whole number of at least 1")
    cores = _positive(fleet, "cores_per_probe", f"{where}: [fleet]", DEFAULT_CORES_PER_PROBE)
    if ("stream" in data) == ("load" in data):
        raise SpecError(f"{where}: give either [[stream]] tables or one [load] table")
    if "stream" in data:
        tables = data["stream"]
        if not isinstance(tables, list) or not tables:
            raise SpecError(f"{where}: [[stream]] must be one or more tables")
        plans = tuple(_stream(t, f"{where}: [[stream]] {i + 1}") for i, t in enumerate(tables))
        seen: set[str] = set()
        for plan in plans:
            if plan.key in seen:
                raise SpecError(f"{where}: stream_id {plan.key!r} is given twice")
            seen.add(plan.key)
    else:
        plans = _load(data["load"], f"{where}: [load]")
    if probes is not None and probes > len(plans):
        raise SpecError(f"{where}: [fleet] probes = {probes} is more than the {len(plans)} "
                        "streams to watch")
    return FleetSpec(streams=plans, probes=probes, cores_per_probe=cores)


def _stream(table: Any, where: str, keys: set[str] = STREAM_KEYS) -> StreamPlan:
    if not isinstance(table, dict):
        raise SpecError(f"{where}: expected a table")
    _known(table, keys, where)
    url = table.get("url")
    if not isinstance(url, str) or not url:
        raise SpecError(f"{where}: key url missing (the stream's WHEP or janus:// URL)")
    try:
        open_viewer_signaling(url)
    except InputError as err:
        raise SpecError(f"{where}: url: {err}") from None
    stream_id = table.get("stream_id", stream_id_of(url))
    if not isinstance(stream_id, str) or not stream_id:
        raise SpecError(f"{where}: stream_id: expected a non-empty string")
    height = table.get("height", DEFAULT_HEIGHT_PX)
    if not isinstance(height, int) or isinstance(height, bool) or not 16 <= height <= 4320:
        raise SpecError(f"{where}: height: expected lines between 16 and 4320")
    token = table.get("token")
    if token is not None and not isinstance(token, str):
        raise SpecError(f"{where}: token: expected a string")
    return StreamPlan(key=stream_id, url=url, stream_id=stream_id,
                      cost_cores=_positive(table, "cost_cores", where,
                                           stream_cost_cores(height)),
                      token=token, timeout_s=_positive(table, "timeout", where, None))


def _load(table: Any, where: str) -> tuple[StreamPlan, ...]:
    one = _stream(table, where, LOAD_KEYS)
    viewers = table.get("viewers")
    if not isinstance(viewers, int) or isinstance(viewers, bool) or viewers < 1:
        raise SpecError(f"{where}: viewers: expected a whole number of at least 1")
    rate = _positive(table, "spawn_rate", where, math.inf)
    return tuple(StreamPlan(key=f"{one.stream_id}#{i}", url=one.url, stream_id=one.stream_id,
                            cost_cores=one.cost_cores, start_after_s=i / rate, token=one.token,
                            timeout_s=one.timeout_s)
                 for i in range(viewers))


def _positive(table: dict[str, Any], key: str, where: str, default: Any) -> Any:
    value = table.get(key, default)
    if value is default:
        return default
    if (not isinstance(value, (int, float)) or isinstance(value, bool)
            or not math.isfinite(value) or value <= 0):
        raise SpecError(f"{where}: {key}: expected a finite number above 0, got {value!r}")
    return float(value)


def _known(table: dict[str, Any], keys: set[str], where: str) -> None:
    unknown = sorted(set(table) - keys)
    if unknown:
        raise SpecError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(keys))})")
