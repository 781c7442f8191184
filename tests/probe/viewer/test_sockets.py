"""The viewer's ICE sockets: a receive buffer deep enough for bursts, and the kernel's drops counted."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection

from probe.aiortc_hooks import HookLog, ice_sockets
from probe.aiortc_hooks.loopback_gathering import loopback_only
from probe.viewer import sockets
from probe.viewer.peer import JoinTimes, ViewResult

DATAGRAM = b"\x80" * 1200  # an RTP-sized datagram; aioice drops what is not STUN or its data
SMALL_BUFFER_BYTES = 4096


@pytest.fixture
async def gathered_pc() -> AsyncIterator[RTCPeerConnection]:
    """A peer connection whose ICE sockets exist (gathered on 127.0.0.1 only)."""
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("video", direction="recvonly")
        with loopback_only():
            await pc.setLocalDescription(await pc.createOffer())
        yield pc
    finally:
        await pc.close()


def _flood(pc: RTCPeerConnection, count: int) -> None:
    """Send ``count`` datagrams to every ICE socket of ``pc`` without letting it read any."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender:
        for sock in ice_sockets.udp_sockets(pc, HookLog()):
            for _ in range(count):
                sender.sendto(DATAGRAM, sock.getsockname()[:2])


async def test_kernel_drops_count_what_a_full_buffer_lost(gathered_pc: RTCPeerConnection) -> None:
    udp = ice_sockets.udp_sockets(gathered_pc, HookLog())
    assert udp
    assert sockets.kernel_drops(gathered_pc, HookLog()) == 0
    for sock in udp:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SMALL_BUFFER_BYTES)
    _flood(gathered_pc, 200)  # far more than a few KiB hold; nothing reads meanwhile
    dropped = sockets.kernel_drops(gathered_pc, HookLog())
    assert dropped is not None and 0 < dropped <= 200 * len(udp)


async def test_enlarged_buffer_holds_a_keyframe_sized_burst(gathered_pc: RTCPeerConnection) -> None:
    granted = sockets.enlarge_receive_buffers(gathered_pc, HookLog())
    with open("/proc/sys/net/core/rmem_max") as handle:
        rmem_max = int(handle.read())
    # Linux grants the request up to net.core.rmem_max and reports twice what it grants.
    assert granted == 2 * min(sockets.VIDEO_RECEIVE_BUFFER_BYTES, rmem_max)
    if rmem_max < sockets.VIDEO_RECEIVE_BUFFER_BYTES:
        pytest.skip(f"net.core.rmem_max is {rmem_max}: the burst test needs the full buffer")
    _flood(gathered_pc, 600)  # a 1080p keyframe's packets, sent unpaced
    assert sockets.kernel_drops(gathered_pc, HookLog()) == 0


def test_report_says_when_the_probe_itself_dropped_datagrams() -> None:
    join = JoinTimes(request_s=0.0, answered_s=0.1, connected_s=0.2, first_frame_s=0.3)
    dropped = ViewResult(join, "VP8", "opus", socket_drops=12, receive_buffer_bytes=425984)
    (note,) = dropped.notes()
    assert "dropped 12 datagrams" in note and "416 KiB" in note and "rmem_max" in note
    assert ViewResult(join, "VP8", "opus", socket_drops=0).notes() == ()
