"""A probe of the fleet: one Ray actor (its own process) watching its share of the streams.

Each stream is a ``probe.watch.stream.StreamWatch``, as in ``watch``; the actor writes its rows
to a timeline part of its own (``NAME.PID.jsonl``: a restarted actor starts a new part, so a row
cut short by a kill stays at the end of the old one), serves its Prometheus metrics, and reports
its health when asked. The class is plain; the scheduler wraps it with ``ray.remote``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

from metrics.watch_tally import StreamSummary
from probe.errors import InputError
from probe.fleet.spec import StreamPlan
from probe.viewer.loop_lag import LoopLag
from probe.watch.exporter import WatchMetrics
from probe.watch.session import WatchOptions, url_target, view_settings
from probe.watch.stream import StreamHealth, StreamWatch
from probe.watch.timeline_file import JsonLinesFile


@dataclass(frozen=True)
class ProbeHealth:
    """A probe's own state: which process (``pid``, restarted if it changes), its CPU since the
    previous report (cores), and each stream's ``StreamHealth``."""

    name: str
    pid: int
    cpu_cores: float
    streams: dict[str, StreamHealth]
    metrics_address: str | None  # host:port of /metrics
    loop_lag_ms: float = 0.0  # its event loop's worst lag since the previous report


def probe_id_of(probe: str, key: str) -> str:
    """The ``probe_id`` of the rows probe ``probe`` writes for stream ``key``."""
    return f"{probe}/{key}"


class ProbeActor:
    """Watches the streams ``assign`` gives it until ``stop``; one process per actor."""

    def __init__(self, name: str, options: WatchOptions, parts_dir: Path,
                 metrics_host: str | None, metrics_port: int | None) -> None:
        self._name = name
        self._options = options
        self._started_s = time.time()
        self._timeline = JsonLinesFile(parts_dir / f"{name}.{os.getpid()}.jsonl")
        self._metrics = WatchMetrics()
        self._address = None
        if metrics_host is not None:
            try:
                port = self._metrics.serve(metrics_port or 0, metrics_host)
            except OSError as err:
                raise InputError(f"probe {name}: cannot serve metrics on port {metrics_port}: "
                                 f"{err.strerror}") from None
            self._address = f"{metrics_host}:{port}"
        self._watches: dict[str, tuple[StreamWatch, asyncio.Task[StreamSummary]]] = {}
        self._cpu = (time.monotonic(), _cpu_s())
        self._lag = LoopLag()

    async def assign(self, plans: list[StreamPlan], fleet_started_s: float) -> None:
        """Watch exactly ``plans`` from now on: streams no longer in it are stopped (their rows
        written), new ones start (a load test's viewer not before its spawn time)."""
        wanted = {p.key: p for p in plans}
        for key in [k for k in self._watches if k not in wanted]:
            await self._stop_one(key)
        for key, plan in wanted.items():
            if key in self._watches:
                continue
            options = dataclasses.replace(
                self._options, token=plan.token or self._options.token,
                timeout_s=plan.timeout_s or self._options.timeout_s)
            watch = StreamWatch(url_target(plan.url, plan.stream_id, probe_id_of(self._name, key)),
                                view_settings(options, own_pattern=False), self._timeline, None,
                                self._metrics.stream(plan.stream_id))
            delay_s = max(0.0, fleet_started_s + plan.start_after_s - time.time())
            self._watches[key] = (watch, asyncio.create_task(self._run(watch, delay_s)))

    async def _run(self, watch: StreamWatch, delay_s: float) -> StreamSummary:
        await asyncio.sleep(delay_s)
        return await watch.run(math.inf)  # until stopped: the scheduler keeps the fleet's time

    async def health(self) -> ProbeHealth:
        """The probe's health now (see ``ProbeHealth``). The scheduler's first call to a probe
        (or to one Ray restarted) is this one: the loop-lag ticker starts here."""
        self._lag.start()
        now_s, cpu_s = time.monotonic(), _cpu_s()
        then_s, then_cpu_s = self._cpu
        self._cpu = (now_s, cpu_s)
        return ProbeHealth(name=self._name, pid=os.getpid(),
                           cpu_cores=(cpu_s - then_cpu_s) / max(now_s - then_s, 1e-3),
                           streams={k: w.health() for k, (w, _) in self._watches.items()},
                           metrics_address=self._address, loop_lag_ms=self._lag.take_max_ms())

    async def stop(self) -> dict[str, StreamSummary]:
        """Stop every watch (their timelines completed), stop serving; the summaries by key."""
        summaries = {key: await self._stop_one(key) for key in list(self._watches)}
        await self._lag.stop()
        self._timeline.close()
        self._metrics.close()
        return summaries

    async def _stop_one(self, key: str) -> StreamSummary:
        watch, task = self._watches.pop(key)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        return watch.tally.result()


def warm_up() -> None:
    """Ray's worker setup hook: this module and the watch's are imported by then (nothing to
    do; importing it was the point)."""


def _cpu_s() -> float:
    """User + system CPU seconds of this process, every thread."""
    times = os.times()
    return times.user + times.system
