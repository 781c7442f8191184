"""Which probe watches which stream: shares sized by cost, and re-balancing as probes come and go.

Pure (no Ray): the scheduler asks, the tests check. Every probe of a fleet reserves the same
cores (``probe_cores``): the largest share's cost, so Ray's placement never gives a node more
streams than its CPUs can watch, and a probe has room left for streams moved to it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from probe.fleet.spec import FleetSpec, StreamPlan

COST_EPSILON = 1e-9


@dataclass(frozen=True)
class Placement:
    """``probe_of`` each stream key; ``unplaced`` keys no live probe has room for."""

    probe_of: dict[str, str]
    unplaced: tuple[str, ...]


def probe_count(spec: FleetSpec) -> int:
    """Probes to start: the SPEC's ``probes``, else as few as ``cores_per_probe`` allows (a
    stream costing more than that gets a probe of its own)."""
    if spec.probes is not None:
        return spec.probes
    total = sum(min(p.cost_cores, spec.cores_per_probe) for p in spec.streams)
    return max(1, math.ceil(total / spec.cores_per_probe - COST_EPSILON))


def initial_shares(plans: Sequence[StreamPlan], probes: Sequence[str]) -> Placement:
    """The streams over ``probes`` by cost, dearest first, each onto the least loaded."""
    load = dict.fromkeys(probes, 0.0)
    probe_of: dict[str, str] = {}
    for plan in sorted(plans, key=lambda p: -p.cost_cores):
        probe = min(probes, key=lambda name: (load[name], name))
        probe_of[plan.key] = probe
        load[probe] += plan.cost_cores
    return Placement(probe_of=probe_of, unplaced=())


def probe_cores(plans: Sequence[StreamPlan], placement: Placement) -> float:
    """Cores each probe reserves: the cost of the dearest share (all probes alike)."""
    cost = {p.key: p.cost_cores for p in plans}
    load: dict[str, float] = {}
    for key, probe in placement.probe_of.items():
        load[probe] = load.get(probe, 0.0) + cost[key]
    return max(load.values(), default=0.0)


def rebalance(plans: Sequence[StreamPlan], current: Mapping[str, str],
              capacity_cores: Mapping[str, float]) -> Placement:
    """Streams on a live probe (a key of ``capacity_cores``) stay where they are (moving one
    would cost it a gap); the others go, dearest first, to the live probe with the most spare
    cores that can take them, and stay unplaced when none can."""
    cost = {p.key: p.cost_cores for p in plans}
    load = dict.fromkeys(capacity_cores, 0.0)
    probe_of: dict[str, str] = {}
    for key, probe in current.items():
        if probe in load and key in cost:
            probe_of[key] = probe
            load[probe] += cost[key]
    unplaced = []
    for plan in sorted((p for p in plans if p.key not in probe_of), key=lambda p: -p.cost_cores):
        room = [name for name in load
                if load[name] + plan.cost_cores <= capacity_cores[name] + COST_EPSILON]
        if not room:
            unplaced.append(plan.key)
            continue
        probe = max(room, key=lambda name: (capacity_cores[name] - load[name], name))
        probe_of[plan.key] = probe
        load[probe] += plan.cost_cores
    return Placement(probe_of=probe_of, unplaced=tuple(unplaced))
