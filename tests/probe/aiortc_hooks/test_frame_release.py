"""Frames leave aiortc's real jitter buffer at their marker packet, as in a browser."""

from __future__ import annotations

from types import SimpleNamespace

from aiortc.jitterbuffer import JitterBuffer
from aiortc.rtp import RtpPacket

from probe.aiortc_hooks import HookLog, frame_release


def packet(sequence_number: int, timestamp: int, marker: bool = False) -> RtpPacket:
    p = RtpPacket(payload_type=96, sequence_number=sequence_number, timestamp=timestamp,
                  marker=marker)
    p._data = bytes([sequence_number])  # what aiortc's depayloader leaves for the buffer
    return p


def receiver_with(buffer: JitterBuffer) -> SimpleNamespace:
    return SimpleNamespace(_RTCRtpReceiver__jitter_buffer=buffer)


def test_aiortc_alone_holds_a_complete_frame_until_the_next_one_starts() -> None:
    buffer = JitterBuffer(capacity=512, is_video=True)
    assert [buffer.add(packet(n, 1000, n == 3))[1] for n in (1, 2, 3)] == [None] * 3
    released = buffer.add(packet(4, 4000))[1]
    assert released is not None and released.data == b"\x01\x02\x03"


def test_frame_leaves_at_its_marker_packet() -> None:
    buffer = JitterBuffer(capacity=512, is_video=True)
    assert frame_release.install(receiver_with(buffer), HookLog())
    assert buffer.add(packet(1, 1000))[1] is None
    assert buffer.add(packet(2, 1000))[1] is None
    frame = buffer.add(packet(3, 1000, marker=True))[1]
    assert frame is not None and (frame.data, frame.timestamp) == (b"\x01\x02\x03", 1000)
    # The next frame starts cleanly after it.
    assert buffer.add(packet(4, 4000))[1] is None
    frame = buffer.add(packet(5, 4000, marker=True))[1]
    assert frame is not None and (frame.data, frame.timestamp) == (b"\x04\x05", 4000)


def test_frame_with_a_missing_packet_waits_for_it() -> None:
    buffer = JitterBuffer(capacity=512, is_video=True)
    assert frame_release.install(receiver_with(buffer), HookLog())
    assert buffer.add(packet(10, 1000))[1] is None
    assert buffer.add(packet(12, 1000, marker=True))[1] is None  # 11 not in yet
    frame = buffer.add(packet(11, 1000))[1]  # arrives late: now the frame is complete
    assert frame is not None and frame.data == b"\x0a\x0b\x0c"


def test_receiver_without_aiortc_internals_is_left_alone() -> None:
    log = HookLog()
    assert not frame_release.install(SimpleNamespace(), log)
    assert log.failed == ["frame_release"]
