"""The UDP sockets under a peer connection's ICE agent, for what aiortc has no option for.

aiortc exposes neither socket options nor a per-datagram hook; its ICE agent (aioice) keeps one
protocol, one UDP socket, per gathered candidate in ``Connection._protocols``. The probe reaches
them to time STUN transactions (``probe.stun_rtt``), to impair what the room sends
(``probe.impair``), to give the viewer a receive buffer deep enough for a sender's bursts, and
to count what the kernel dropped there anyway (the probe falling behind, not the stream).
"""

from __future__ import annotations

import os
import socket
from typing import Any

from aiortc import RTCPeerConnection

# What the viewer asks for: a second of 8 Mbps video with the kernel's per-datagram overhead on
# loopback (~2.3 kB a 1.2 kB datagram), since a sender may send a keyframe as large as its 1 s
# rate-control buffer in one burst. libwebrtc asks for 256 KiB (media/engine/constants.cc,
# kVideoRtpRecvBufferSize) but reads each datagram in microseconds; the probe, in Python, takes
# ~0.1 ms, so the burst must wait in the kernel. Linux's default (net.core.rmem_default, 208 KiB:
# ~90 datagrams) lost 300 of a 1080p30 6 Mbps stream's packets in 10 s, every one counted in the
# kernel's UDP RcvbufErrors; with this, none.
VIDEO_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024
PROC_UDP_TABLES = ("/proc/net/udp", "/proc/net/udp6")


def ice_protocols(pc: RTCPeerConnection) -> list[Any]:
    """Every aioice protocol (one UDP socket each) of ``pc``'s ICE transports, each once.

    Empty until ICE gathering is complete (the candidates' sockets exist from then on).
    """
    protocols: dict[int, Any] = {}
    for transceiver in pc.getTransceivers():
        dtls = transceiver.receiver.transport
        connection = getattr(getattr(dtls, "transport", None), "_connection", None)
        for protocol in getattr(connection, "_protocols", ()):
            protocols.setdefault(id(protocol), protocol)
    return list(protocols.values())


def udp_sockets(pc: RTCPeerConnection) -> list[socket.socket]:
    """The UDP sockets under ``pc``'s ICE protocols (empty before gathering is complete)."""
    transports = (protocol.transport for protocol in ice_protocols(pc))
    found = (t.get_extra_info("socket") for t in transports if t is not None)
    return [sock for sock in found if sock is not None]


def enlarge_receive_buffers(pc: RTCPeerConnection,
                            size_bytes: int = VIDEO_RECEIVE_BUFFER_BYTES) -> int | None:
    """Ask the kernel for ``size_bytes`` of receive buffer on each of ``pc``'s ICE sockets (see
    ``VIDEO_RECEIVE_BUFFER_BYTES``); never shrinks one. Returns the smallest buffer (bytes, as the
    kernel reports it) afterwards, or None without sockets. Linux caps the request at
    ``net.core.rmem_max`` and reports twice what it grants (its bookkeeping overhead)."""
    granted: list[int] = []
    for sock in udp_sockets(pc):
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) < size_bytes:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size_bytes)
        granted.append(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
    return min(granted) if granted else None


def kernel_drops(pc: RTCPeerConnection) -> int | None:
    """Datagrams the kernel dropped on ``pc``'s ICE sockets because their receive buffer was
    full (the receiver read too slowly), from the "drops" column of Linux's /proc/net/udp;
    None where that table is not available."""
    inodes = {os.fstat(sock.fileno()).st_ino for sock in udp_sockets(pc)}
    drops, found = 0, False
    for table in PROC_UDP_TABLES:
        try:
            with open(table) as handle:
                rows = handle.read().splitlines()[1:]
        except OSError:
            continue
        for fields in (row.split() for row in rows):
            if len(fields) > 12 and int(fields[9]) in inodes:  # inode ... drops (last)
                drops += int(fields[-1])
                found = True
    return drops if found else None
