"""Running a fleet: Ray up (local or joined), probe actors sized by cost, health, faults, output.

The scheduler starts ``probe_count`` actors, each reserving ``probe_cores`` CPUs (Ray places an
actor only on a node with that many free, and the fleet refuses to start when the cluster has
fewer than all of them need). Once a second it asks every probe for its health:

- a probe Ray says died (on a local Ray: whose process is gone) hands its streams at once to
  the fleet's spare, when it has one: a probe started with the others and given no stream,
  its imports done, so its streams resume after a join instead of after a process start
  (seconds on busy cores). The cluster must have the spare's cores free besides the probes',
  else there is none. Each stream's gap is a ``ProbeGap`` (a probe outage in the timeline,
  not a stream outage);
- a probe whose process changed was restarted by Ray (``MAX_RESTARTS``): it gets its streams
  again, unless they went to the spare (then it is the spare);
- a probe silent for ``GONE_AFTER_S`` is gone: it is killed for good, its streams are moved to
  live probes with spare cores (``balance.rebalance``) and, for those that do not fit, a new
  probe is started;
- a probe that dropped or delayed frames, whose queue is deep, or whose event loop ran late
  enough to make a freeze by itself (``metrics.probe_health``), was overloaded over that
  second: an ``OverloadSpan`` for each of its streams.

At the end every probe stops (its timeline completed), Ray stops if the fleet started it, and
the parts are merged (``probe.fleet.merge``) into JSON Lines and a Parquet dataset
(``probe.fleet.parquet``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from metrics.probe_health import (
    FleetStreamSummary,
    HealthSample,
    overload_reasons,
    summarize_fleet,
)
from probe.errors import InputError, MediaTimeout
from probe.fleet.actor import ProbeActor, ProbeHealth, probe_id_of
from probe.fleet.balance import initial_shares, probe_cores, probe_count, rebalance
from probe.fleet.merge import (
    OverloadSpan,
    ProbeGap,
    merged_timeline,
    part_rows,
    write_json_lines,
)
from probe.fleet.parquet import write_parquet
from probe.fleet.spec import FleetSpec
from probe.watch.session import WatchOptions, validate_options, view_settings

FLEET_SCHEMA = "streamprobe.fleet/1"
HEALTH_INTERVAL_S = 1.0
CALL_TIMEOUT_S = 5.0  # a probe not answering a health call within this is not answering
GONE_AFTER_S = 30.0  # silent this long: restarts are not bringing it back, move its streams
START_TIMEOUT_S = 60.0  # a probe process imports aiortc, NumPy, OpenCV: seconds on 2 cores
STOP_TIMEOUT_S = 30.0
MAX_RESTARTS = 5
# Every Ray worker imports the watch's modules as it starts, idle in Ray's pool: a probe
# restarted on a busy machine then skips seconds of imports (aiortc, PyAV, OpenCV, SciPy).
WARM_UP_HOOK = "probe.fleet.actor.warm_up"
TIMELINE_NAME = "timeline.jsonl"
SD_NAME = "prometheus_sd.json"
SUMMARY_NAME = "summary.json"


@dataclass(frozen=True)
class FleetOptions:
    """A fleet run: ``spec``, each stream watched as ``watch`` (its ``timeline`` unused), the
    output in ``timeline_dir``; ``ray_address`` None starts a local Ray."""

    spec: FleetSpec
    watch: WatchOptions
    timeline_dir: Path
    ray_address: str | None = None
    metrics_port: int | None = None  # probe i serves on N + i (0: free ports)


@dataclass(frozen=True)
class ProbeRecord:
    """A probe as the fleet ran it: its restarts, and its stream keys at the end."""

    name: str
    cores: float
    restarts: int
    streams: tuple[str, ...]
    metrics_address: str | None


@dataclass(frozen=True)
class FleetResult:
    """Per stream (``FleetStreamSummary``), the probes, the probe outages, the files."""

    streams: tuple[FleetStreamSummary, ...]
    probes: tuple[ProbeRecord, ...]
    probe_gaps: tuple[ProbeGap, ...]
    timeline: str
    schema: str = FLEET_SCHEMA

    def to_dict(self) -> dict[str, Any]:
        return {"schema": self.schema, "timeline": self.timeline,
                "probes": [asdict(p) for p in self.probes],
                "probe_gaps": [asdict(g) for g in self.probe_gaps],
                "streams": [asdict(s) for s in self.streams]}


@dataclass
class _Probe:
    name: str
    handle: Any
    pid: int | None = None
    restarts: int = 0
    last_answer_s: float = field(default_factory=time.monotonic)
    lost: bool = False  # Ray said it died; its gaps are recorded, its restart awaited
    address: str | None = None
    samples: dict[str, HealthSample] = field(default_factory=dict)


def _validate(options: FleetOptions) -> None:
    validate_options(options.watch)
    view_settings(options.watch, own_pattern=False)  # a bad thresholds file, before Ray
    try:
        (options.timeline_dir / "parts").mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(f"{options.timeline_dir}: cannot write: {err.strerror}") from None
    if any((options.timeline_dir / "parts").iterdir()):
        raise InputError(f"{options.timeline_dir}: holds another fleet's timeline; give an "
                         "empty or new directory")


@contextlib.contextmanager
def ray_session(address: str | None) -> Iterator[Any]:
    """Ray joined at ``address``, or started on this machine (every core, no dashboard, quiet);
    disconnected, or stopped, on exit."""
    import ray

    os.environ.setdefault("RAY_AUTH_MODE", "disabled")  # a local, loopback-only Ray
    try:
        if address is None:
            ray.init(num_cpus=os.cpu_count() or 1, include_dashboard=False,
                     logging_level=logging.ERROR, log_to_driver=False,
                     runtime_env={"worker_process_setup_hook": WARM_UP_HOOK})
        else:
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False,
                     runtime_env={"worker_process_setup_hook": WARM_UP_HOOK})
    except (ConnectionError, RuntimeError, ValueError) as err:
        raise InputError(f"cannot {'start' if address is None else 'join'} Ray"
                         f"{'' if address is None else ' at ' + address}: {err}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


class _Fleet:
    """The scheduler's state while the fleet runs (see the module)."""

    def __init__(self, ray: Any, options: FleetOptions) -> None:
        self._ray = ray
        self._options = options
        self._plans = {p.key: p for p in options.spec.streams}
        self._started_s = time.time()  # reset once the probes are up (``start``)
        self.probes: dict[str, _Probe] = {}
        self.probe_of: dict[str, str] = {}
        self.gaps: list[ProbeGap] = []
        self.spans: list[OverloadSpan] = []
        self._open_spans: dict[tuple[str, str], OverloadSpan] = {}
        self._next_index = 0
        names = [self._new_name() for _ in range(probe_count(options.spec))]
        self.probe_of = initial_shares(options.spec.streams, names).probe_of
        self.cores = probe_cores(options.spec.streams, initial_shares(options.spec.streams,
                                                                       names))
        self._names = names
        if ray.is_initialized():
            have = ray.cluster_resources().get("CPU", 0.0)
            need = self.cores * len(names)
            if need > have + 1e-9:
                raise InputError(
                    f"the fleet needs {need:.2f} cores ({len(names)} probes of "
                    f"{self.cores:.2f}: {len(self._plans)} streams at their measured cost), "
                    f"the cluster has {have:g}; give fewer streams or more nodes")
            if need + self.cores <= have + 1e-9:
                self._names.append(self._new_name())  # the spare: no stream at the start

    def _new_name(self) -> str:
        name = f"probe-{self._next_index}"
        self._next_index += 1
        return name

    def _host(self) -> str | None:
        if self._options.metrics_port is None:
            return None
        return "127.0.0.1" if self._options.ray_address is None else "0.0.0.0"

    def _spawn(self, name: str) -> _Probe:
        index = int(name.rsplit("-", 1)[1])
        port = self._options.metrics_port
        remote = self._ray.remote(ProbeActor).options(
            name=f"streamprobe-{os.getpid()}-{name}", num_cpus=self.cores,
            max_restarts=MAX_RESTARTS, max_task_retries=0)
        handle = remote.remote(name, self._options.watch, self._options.timeline_dir / "parts",
                               self._host(), port + index if port else port)
        probe = _Probe(name=name, handle=handle)
        self.probes[name] = probe
        return probe

    async def start(self) -> None:
        """Every probe up and given its share (``InputError`` when one cannot start)."""
        for name in self._names:
            self._spawn(name)
        answers = await asyncio.gather(*(self._call(p, "health", timeout_s=START_TIMEOUT_S)
                                         for p in self.probes.values()), return_exceptions=True)
        for probe, answer in zip(self.probes.values(), answers):
            if isinstance(answer, BaseException):
                raise InputError(f"probe {probe.name} did not start: {_why(answer)}")
            probe.pid, probe.address = answer.pid, answer.metrics_address
        # A load test's spawn times count from here, as --duration does: not from before the
        # probes started (Ray takes seconds), which would start every viewer at once.
        self._started_s = time.time()
        await asyncio.gather(*(self._assign(p) for p in self.probes.values()))

    async def _call(self, probe: _Probe, method: str, *args: Any,
                    timeout_s: float = CALL_TIMEOUT_S) -> Any:
        # Not cancelled on a timeout: a late health answer is harmless, and cancelling calls
        # queued for an actor Ray is restarting is best left alone.
        return await asyncio.wait_for(getattr(probe.handle, method).remote(*args), timeout_s)

    async def _assign(self, probe: _Probe) -> None:
        plans = [self._plans[k] for k, p in self.probe_of.items() if p == probe.name]
        await self._call(probe, "assign", plans, self._started_s)

    async def tick(self) -> None:
        """One round of health: restarts, departures, overloads (see the module)."""
        probes = list(self.probes.values())
        for probe in probes:
            if self._options.ray_address is None and not probe.lost and _exited(probe.pid):
                # A local probe's process is gone: no need to wait for Ray to say so.
                await self._died(probe, "its process exited")
        answers = await asyncio.gather(*(self._call(p, "health") for p in probes),
                                       return_exceptions=True)
        for probe, answer in zip(probes, answers):
            if isinstance(answer, ProbeHealth):
                await self._answered(probe, answer)
                continue
            if isinstance(answer, self._ray.exceptions.RayActorError) and not probe.lost:
                await self._died(probe, _why(answer))  # a slow answer is not a death
            if time.monotonic() - probe.last_answer_s > GONE_AFTER_S:
                await self._gone(probe, _why(answer))
        self.write_service_discovery()

    async def _answered(self, probe: _Probe, health: ProbeHealth) -> None:
        now_s = time.time()
        probe.last_answer_s = time.monotonic()
        probe.address = health.metrics_address
        if probe.pid is None:  # a probe started to take moved streams: its first answer
            probe.pid = health.pid
            await self._assign(probe)
            return
        if health.pid != probe.pid:
            probe.restarts += 1
            if not probe.lost:  # died and came back between two rounds
                self._lose(probe, f"probe {probe.name} (pid {probe.pid}) died; restarted as "
                                  f"pid {health.pid}")
            probe.pid, probe.samples, probe.lost = health.pid, {}, False
            await self._assign(probe)
            return
        for key, sample in health.streams.items():
            now = HealthSample(sample.queue_depth, sample.frames_dropped, sample.frames_late,
                               health.loop_lag_ms)
            reasons = overload_reasons(probe.samples.get(key), now)
            probe.samples[key] = now
            self._overload(probe.name, key, reasons, now_s)

    def _spare(self) -> _Probe | None:
        """A live probe watching nothing, if there is one."""
        busy = set(self.probe_of.values())
        return next((p for p in self.probes.values() if p.name not in busy
                     and p.pid is not None and not p.lost), None)

    async def _died(self, probe: _Probe, why: str) -> None:
        """``probe`` is dead: its streams' gaps start now, and they go to the spare, if any."""
        probe.lost = True
        self._lose(probe, f"probe {probe.name} (pid {probe.pid}) died: {why}")
        spare = self._spare()
        if spare is None or probe.name not in self.probe_of.values():
            return
        for key, owner in list(self.probe_of.items()):
            if owner == probe.name:
                self.probe_of[key] = spare.name
        await self._assign(spare)

    def _lose(self, probe: _Probe, reason: str) -> None:
        """A ``ProbeGap`` from now for each stream of ``probe``."""
        lost_s = time.time()
        self.gaps.extend(ProbeGap(key=key, probe=probe.name, lost_s=lost_s, reason=reason)
                         for key, owner in self.probe_of.items() if owner == probe.name)

    def _overload(self, probe: str, key: str, reasons: tuple[str, ...], now_s: float) -> None:
        """Extend or close the stream's open overload span."""
        open_span = self._open_spans.pop((probe, key), None)
        if reasons:
            start_s = open_span.from_s if open_span else now_s - HEALTH_INTERVAL_S
            why = open_span.reason if open_span else "; ".join(reasons)
            self._open_spans[(probe, key)] = OverloadSpan(key, probe, start_s, now_s, why)
        elif open_span is not None:
            self.spans.append(open_span)

    async def _gone(self, probe: _Probe, why: str) -> None:
        """Kill ``probe`` for good; its streams to probes with room, or to a new probe."""
        self._ray.kill(probe.handle, no_restart=True)
        del self.probes[probe.name]
        if not probe.lost:
            self._lose(probe, f"probe {probe.name} gone ({why}); its streams moved")
        orphans = [k for k, p in self.probe_of.items() if p == probe.name]
        for key in orphans:
            del self.probe_of[key]
        capacity = dict.fromkeys(self.probes, self.cores)
        placement = rebalance(list(self._plans.values()), self.probe_of, capacity)
        if placement.unplaced:
            new = self._spawn(self._new_name())
            placement = rebalance(list(self._plans.values()), placement.probe_of,
                                  {**capacity, new.name: self.cores})
        moved = {k: p for k, p in placement.probe_of.items() if k in orphans}
        self.probe_of.update(moved)
        for name in set(moved.values()):
            target = self.probes[name]
            if target.pid is not None:
                await self._assign(target)

    def write_service_discovery(self) -> None:
        """Prometheus file-based service discovery: one target group per probe (replaced
        atomically, as Prometheus re-reads it on change)."""
        if self._options.metrics_port is None:
            return
        groups = [{"targets": [p.address], "labels": {"job": "streamprobe_fleet",
                                                      "probe": p.name}}
                  for p in self.probes.values() if p.address]
        path = self._options.timeline_dir / SD_NAME
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(groups, indent=2) + "\n")
        temporary.replace(path)

    async def stop(self) -> dict[str, str]:
        """Every probe stopped (timelines completed) and killed; probe_id -> stream key."""
        for key_probe in self._open_spans.values():
            self.spans.append(key_probe)
        self._open_spans.clear()
        probes = list(self.probes.values())
        await asyncio.gather(*(self._call(p, "stop", timeout_s=STOP_TIMEOUT_S) for p in probes),
                             return_exceptions=True)
        for probe in probes:
            self._ray.kill(probe.handle, no_restart=True)
        return {probe_id_of(f"probe-{i}", k): k for i in range(self._next_index)
                for k in self._plans}

    def records(self) -> tuple[ProbeRecord, ...]:
        return tuple(ProbeRecord(name=p.name, cores=round(self.cores, 3), restarts=p.restarts,
                                 streams=tuple(sorted(k for k, o in self.probe_of.items()
                                                      if o == p.name)),
                                 metrics_address=p.address) for p in self.probes.values())


def _exited(pid: int | None) -> bool:
    """True when process ``pid`` (on this machine) no longer exists."""
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _why(err: BaseException) -> str:
    if isinstance(err, asyncio.TimeoutError):
        return "no answer"
    return f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"


async def run_fleet(options: FleetOptions,
                    on_status: Callable[[list[str]], None] | None = None) -> FleetResult:
    """Run the fleet until ``options.watch.duration_s`` or cancellation; write the merged
    timeline, the service discovery file and the summary into ``timeline_dir``. Raises
    ``MediaTimeout`` when no stream delivered a frame."""
    _validate(options)
    with ray_session(options.ray_address) as ray:
        fleet = _Fleet(ray, options)
        try:
            await fleet.start()
            fleet.write_service_discovery()
            until_s = (time.monotonic() + options.watch.duration_s
                       if options.watch.duration_s is not None else math.inf)
            while time.monotonic() < until_s:
                await asyncio.sleep(min(HEALTH_INTERVAL_S, max(0.0, until_s - time.monotonic())))
                await fleet.tick()
                if on_status is not None:
                    on_status([f"{r.name}: {len(r.streams)} streams, {r.restarts} restarts"
                               for r in fleet.records()])
        finally:
            key_of = await fleet.stop()
            result = _finish(options, fleet, key_of)
    if not any(s.connected_s for s in result.streams):
        raise MediaTimeout(f"no video frame from any stream of the fleet; the timeline "
                           f"{result.timeline} records the outage")
    return result


def _finish(options: FleetOptions, fleet: _Fleet, key_of: dict[str, str]) -> FleetResult:
    rows = merged_timeline(part_rows(options.timeline_dir / "parts"), key_of, fleet.gaps,
                           fleet.spans, time.time())
    timeline = options.timeline_dir / TIMELINE_NAME
    write_json_lines(timeline, rows)
    write_parquet(timeline, options.timeline_dir)
    result = FleetResult(streams=tuple(summarize_fleet(rows, key_of)), probes=fleet.records(),
                         probe_gaps=tuple(fleet.gaps), timeline=str(timeline))
    (options.timeline_dir / SUMMARY_NAME).write_text(json.dumps(result.to_dict(), indent=2)
                                                     + "\n")
    return result
