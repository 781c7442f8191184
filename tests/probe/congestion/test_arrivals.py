"""Arrival bookkeeping for transport-cc feedback: unwrapping, gaps, late and duplicate packets,
reference time and deltas on the draft's clock, splitting, bounded memory."""

from __future__ import annotations

from probe.congestion.arrivals import ArrivalLog
from probe.congestion.feedback import TransportFeedback


def received_times_us(packet: TransportFeedback) -> list[int | None]:
    """Arrival times the packet tells (in us, on the 250 us grid), None where not received."""
    ticks = packet.reference_time * 256
    times: list[int | None] = []
    for delta in packet.deltas:
        if delta is None:
            times.append(None)
        else:
            ticks += delta
            times.append(ticks * 250)
    return times


def test_nothing_recorded_nothing_sent() -> None:
    assert ArrivalLog().feedback(1, 2) == []


def test_reports_every_number_once_with_gaps_and_reordering() -> None:
    log = ArrivalLog()
    for sequence, at_us in ((100, 1_000_000), (101, 1_001_000), (103, 1_000_500), (104, 1_010_000)):
        log.record(sequence, at_us)
    [packet] = log.feedback(sender_ssrc=9, media_ssrc=8)
    assert (packet.sender_ssrc, packet.media_ssrc, packet.base_sequence) == (9, 8, 100)
    assert packet.reference_time == 1_000_000 // 64_000  # floor, in 64 ms
    # 103 arrived before 101 had: a negative delta, which only a large delta can carry.
    assert packet.deltas[2] is None and packet.deltas[3] < 0
    assert received_times_us(packet) == [1_000_000, 1_001_000, None, 1_000_500, 1_010_000]
    assert log.pending() == 0 and log.feedback(9, 8) == []
    log.record(105, 1_020_000)
    [following] = log.feedback(9, 8)
    assert (following.base_sequence, following.feedback_count) == (105, 1)


def test_a_late_packet_after_its_report_is_counted_not_reported() -> None:
    log = ArrivalLog()
    log.record(10, 0)
    log.record(12, 1000)
    log.feedback(1, 1)
    log.record(11, 2000)  # reported as lost already
    log.record(12, 3000)  # a duplicate of a reported one
    assert log.feedback(1, 1) == [] and log.stats.late == 2


def test_duplicates_keep_the_first_arrival() -> None:
    log = ArrivalLog()
    log.record(5, 1000)
    log.record(5, 9000)
    [packet] = log.feedback(1, 1)
    assert received_times_us(packet) == [1000]


def test_sequence_numbers_unwrap_across_65535() -> None:
    log = ArrivalLog()
    for n, sequence in enumerate((65534, 65535, 0, 1)):
        log.record(sequence, 500_000 + n * 250)
    [packet] = log.feedback(1, 1)
    assert packet.base_sequence == 65534 and len(packet.deltas) == 4
    assert packet.deltas == (500_000 // 250 - 7 * 256, 1, 1, 1)  # from 7 x 64 ms


def test_a_gap_too_long_for_a_delta_starts_a_new_packet() -> None:
    log = ArrivalLog()
    log.record(1, 0)
    log.record(2, 9_000_000)  # 36000 ticks later: beyond 16 signed bits
    first, second = log.feedback(1, 1)
    assert (first.base_sequence, len(first.deltas)) == (1, 1)
    assert (second.base_sequence, second.feedback_count) == (2, first.feedback_count + 1)
    assert received_times_us(second) == [9_000_000]


def test_memory_is_bounded_between_reports() -> None:
    log = ArrivalLog(max_pending=100)
    for sequence in range(1000):
        log.record(sequence % 65536, sequence * 1000)
    assert log.pending() == 100 and log.stats.dropped == 900
    [packet] = log.feedback(1, 1)
    assert packet.base_sequence == 900 and len(packet.deltas) == 100
