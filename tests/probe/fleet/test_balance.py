"""Shares by cost, and re-balancing that moves only the streams that lost their probe."""

from __future__ import annotations

from probe.fleet.balance import initial_shares, probe_cores, probe_count, rebalance
from probe.fleet.spec import FleetSpec, StreamPlan


def plans(*costs: float) -> list[StreamPlan]:
    return [StreamPlan(key=f"s{i}", url="http://h/whep/x", stream_id=f"s{i}", cost_cores=c)
            for i, c in enumerate(costs)]


def test_probe_count_follows_the_cost_unless_given() -> None:
    assert probe_count(FleetSpec(streams=tuple(plans(*[0.26] * 6)))) == 2  # 1.56 cores
    assert probe_count(FleetSpec(streams=tuple(plans(*[0.26] * 6)), probes=3)) == 3
    assert probe_count(FleetSpec(streams=tuple(plans(2.0)))) == 1  # its own probe


def test_initial_shares_are_even_by_cost_and_reserve_the_dearest_share() -> None:
    six = plans(0.5, 0.1, 0.1, 0.1, 0.1, 0.1)
    placement = initial_shares(six, ["p0", "p1"])
    load = {p: sum(x.cost_cores for x in six if placement.probe_of[x.key] == p)
            for p in ("p0", "p1")}
    assert sorted(load.values()) == [0.5, 0.5]
    assert probe_cores(six, placement) == 0.5


def test_rebalance_keeps_placed_streams_and_moves_orphans_where_there_is_room() -> None:
    four = plans(0.25, 0.25, 0.25, 0.25)
    current = {"s0": "p0", "s1": "p0", "s2": "p1", "s3": "p1"}
    after = rebalance(four, {k: p for k, p in current.items() if p != "p1"},
                      {"p0": 0.75, "p2": 0.5})
    assert after.probe_of["s0"] == "p0" and after.probe_of["s1"] == "p0"
    assert after.probe_of["s2"] == after.probe_of["s3"] == "p2"  # the most spare cores first
    assert after.unplaced == ()


def test_rebalance_leaves_unplaced_what_no_probe_can_take() -> None:
    after = rebalance(plans(0.5, 0.5), {"s0": "p0"}, {"p0": 0.6})
    assert after.unplaced == ("s1",) and after.probe_of == {"s0": "p0"}
