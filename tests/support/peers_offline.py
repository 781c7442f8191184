"""Small shared pieces for tests and benches that talk to the room without a full viewer: a
real aiortc viewer offer, and how many sockets a process holds."""

from __future__ import annotations

import os

from aiortc import RTCPeerConnection


async def viewer_offer() -> str:
    """A real aiortc viewer offer (recvonly video and audio), its peer already closed."""
    pc = RTCPeerConnection()
    pc.addTransceiver("video", direction="recvonly")
    pc.addTransceiver("audio", direction="recvonly")
    await pc.setLocalDescription(await pc.createOffer())
    sdp = pc.localDescription.sdp
    await pc.close()
    return sdp


def socket_count(pid: int | str = "self") -> int:
    """Sockets process ``pid`` holds open (from /proc, so aiortc's and aiohttp's count too)."""
    fd_dir = f"/proc/{pid}/fd"
    count = 0
    for name in os.listdir(fd_dir):
        try:
            count += os.readlink(os.path.join(fd_dir, name)).startswith("socket:")
        except OSError:
            pass
    return count
