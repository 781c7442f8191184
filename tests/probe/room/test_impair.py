"""The impairment scheduler (seeded, reproducible) and its effect on a real loopback check."""

from __future__ import annotations

import asyncio
import datetime

import pytest

from probe.check import CheckOptions, run_check
from probe.pattern.spec import PatternSpec
from probe.room.impair import ImpairedLink
from probe.room.impair_spec import parse_impair_spec
from probe.room.server import RoomConfig, TestRoom

SMALL = PatternSpec(width=640, height=360, fps=30.0)


async def test_loss_rate_and_bursts_follow_the_spec() -> None:
    loop = asyncio.get_running_loop()
    link = ImpairedLink(parse_impair_spec("loss=10%,burst=4,seed=3"), loop)
    dropped = [link.departure_s(1200) is None for _ in range(50_000)]
    assert sum(dropped) / len(dropped) == pytest.approx(0.10, abs=0.01)
    runs, run = [], 0
    for lost in dropped:
        if lost:
            run += 1
        elif run:
            runs.append(run)
            run = 0
    assert sum(runs) / len(runs) == pytest.approx(4.0, rel=0.1)
    again = ImpairedLink(parse_impair_spec("loss=10%,burst=4,seed=3"), loop)
    assert [again.departure_s(1200) is None for _ in range(1000)] == dropped[:1000]


async def test_delay_jitter_keep_order_and_rate_queues() -> None:
    loop = asyncio.get_running_loop()
    link = ImpairedLink(parse_impair_spec("delay=100ms,jitter=20ms"), loop)
    now = loop.time()
    departures = [link.departure_s(1000) for _ in range(200)]
    assert all(0.100 <= d - now <= 0.121 for d in departures)
    assert departures == sorted(departures)
    slow = ImpairedLink(parse_impair_spec("rate=800kbit"), loop)
    # 100 packets of 1000 B at 800 kbit/s: the queue grows by 10 ms per packet, past 500 ms drops.
    results = [slow.departure_s(1000) for _ in range(100)]
    assert results[9] - loop.time() == pytest.approx(0.100, abs=0.005)
    # Only the queue limit drops on a rate-only link: the first 50 fit, the last is dropped.
    assert all(r is not None for r in results[:50]) and results[-1] is None


class _Receiver(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.received: list[int] = []

    def datagram_received(self, data: bytes, addr: object) -> None:
        self.received.append(int.from_bytes(data, "big"))


async def test_jittered_datagrams_leave_a_real_socket_in_order() -> None:
    # Equal departure times (a packet held behind a slower one) must not swap on the wire, and a
    # packet due now must not overtake ones still held (a busy loop fires their timers late).
    loop = asyncio.get_running_loop()
    link = ImpairedLink(parse_impair_spec("delay=5ms,jitter=30ms,seed=1"), loop)
    receiver = _Receiver()
    inbound, _ = await loop.create_datagram_endpoint(lambda: receiver,
                                                     local_addr=("127.0.0.1", 0))
    outbound, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol,
                                                      remote_addr=inbound.get_extra_info("sockname"))
    address = inbound.get_extra_info("sockname")

    async def send_now(data: bytes, addr: tuple[str, int]) -> None:
        outbound.sendto(data, addr)

    send = link.wrap(type("Protocol", (), {"send_data": staticmethod(send_now),
                                           "transport": outbound})())
    try:
        for n in range(300):
            await send(n.to_bytes(2, "big"), address)
            if n % 10 == 0:
                await asyncio.sleep(0.004)
        await asyncio.sleep(0.2)
        assert receiver.received == list(range(300))
    finally:
        outbound.close()
        inbound.close()


@pytest.mark.integration
async def test_added_delay_shows_in_glass_to_glass() -> None:
    base = await run_check(CheckOptions(duration_s=4, pattern=SMALL))
    delayed = await run_check(CheckOptions(duration_s=4, pattern=SMALL,
                                           impair=parse_impair_spec("delay=200ms")))
    added_ms = delayed.latency.glass_to_glass_ms.p50 - base.latency.glass_to_glass_ms.p50
    assert added_ms == pytest.approx(200, abs=15)
    assert delayed.stutter.freeze_count == 0


@pytest.mark.integration
async def test_injected_outages_each_found_as_one_freeze_and_one_audio_gap() -> None:
    report = await run_check(CheckOptions(
        duration_s=9, pattern=SMALL, impair=parse_impair_spec("outage=0.5s@2s,outage=1s@4.5s")))
    freezes = report.stutter.freezes
    assert len(freezes) == 2
    # A freeze spans the outage, one frame interval, and the keyframe round trip after it.
    for freeze, outage_s in zip(freezes, (0.5, 1.0)):
        assert outage_s <= freeze.duration_s <= outage_s + 0.2
    assert report.audio.gap_count == 2
    assert report.audio.gap_total_s == pytest.approx(1.5, abs=0.2)
    assert report.network.plis >= 1


@pytest.mark.integration
def test_link_loss_reads_the_injected_loss_before_repair() -> None:
    """5 % random loss: link_loss_fraction near 5 % (before repair), the residual loss after
    NACK/RTX well under it, retransmissions counted, audio's own loss near 5 % (no repair)."""
    report = asyncio.run(run_check(CheckOptions(duration_s=6.0, pattern=PatternSpec(
        width=640, height=360, fps=30.0), impair=parse_impair_spec("loss=5%"))))
    net = report.network
    assert net.link_loss_fraction is not None and abs(net.link_loss_fraction - 0.05) <= 0.015
    assert net.loss_fraction is not None and net.loss_fraction < net.link_loss_fraction / 2
    assert net.retransmitted_packets and net.retransmitted_packets > 0
    assert report.audio is not None and report.audio.loss_fraction is not None
    assert 0.02 <= report.audio.loss_fraction <= 0.08


async def _freeze_wallclock_s(shared_clock: bool) -> list[float]:
    """Two viewers joining 1 s apart under one outage: each one's freeze start, UTC s."""
    config = RoomConfig(pattern=SMALL, impair=parse_impair_spec("outage=1s@2.5s"),
                        impair_shared_clock=shared_clock)
    async with TestRoom(config) as room:
        async def view(after_s: float) -> float:
            await asyncio.sleep(after_s)
            report = await run_check(CheckOptions(url=room.whep_url(), duration_s=5.5))
            [freeze] = report.stutter.freezes
            started = datetime.datetime.fromisoformat(report.started_at.replace("Z", "+00:00"))
            return started.timestamp() + freeze.start_s
        return list(await asyncio.gather(view(0.0), view(1.0)))


@pytest.mark.integration
async def test_a_shared_clock_puts_every_viewers_outage_at_the_same_moment() -> None:
    first, second = await _freeze_wallclock_s(shared_clock=True)
    assert abs(second - first) < 0.15
    first, second = await _freeze_wallclock_s(shared_clock=False)  # each from its own session
    assert 0.8 < second - first < 1.3
