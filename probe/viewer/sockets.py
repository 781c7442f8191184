"""The viewer's receive sockets: deep enough for a sender's bursts, and watched for drops.

A drop the kernel counts on the probe's own socket is the probe falling behind, not the stream:
the report says so instead of blaming the stream.
"""

from __future__ import annotations

import os
import socket

from aiortc import RTCPeerConnection

from probe.aiortc_hooks.gate import HookLog
from probe.aiortc_hooks.ice_sockets import udp_sockets

# What the viewer asks for: a second of 8 Mbps video with the kernel's per-datagram overhead on
# loopback (~2.3 kB a 1.2 kB datagram), since a sender may send a keyframe as large as its 1 s
# rate-control buffer in one burst. libwebrtc asks for 256 KiB (media/engine/constants.cc,
# kVideoRtpRecvBufferSize) but reads each datagram in microseconds; the probe, in Python, takes
# ~0.1 ms, so the burst must wait in the kernel. Linux's default (net.core.rmem_default, 208 KiB:
# ~90 datagrams) lost 300 of a 1080p30 6 Mbps stream's packets in 10 s, every one counted in the
# kernel's UDP RcvbufErrors; with this, none.
VIDEO_RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024
PROC_UDP_TABLES = ("/proc/net/udp", "/proc/net/udp6")


def enlarge_receive_buffers(pc: RTCPeerConnection, log: HookLog,
                            size_bytes: int = VIDEO_RECEIVE_BUFFER_BYTES) -> int | None:
    """Ask the kernel for ``size_bytes`` of receive buffer on each of ``pc``'s ICE sockets (see
    ``VIDEO_RECEIVE_BUFFER_BYTES``); never shrinks one. Returns the smallest buffer (bytes, as the
    kernel reports it) afterwards, or None without sockets. Linux caps the request at
    ``net.core.rmem_max`` and reports twice what it grants (its bookkeeping overhead)."""
    granted: list[int] = []
    for sock in udp_sockets(pc, log):
        if sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) < size_bytes:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, size_bytes)
        granted.append(sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
    return min(granted) if granted else None


def kernel_drops(pc: RTCPeerConnection, log: HookLog) -> int | None:
    """Datagrams the kernel dropped on ``pc``'s ICE sockets because their receive buffer was
    full (the receiver read too slowly), from the "drops" column of Linux's /proc/net/udp;
    None where that table is not available."""
    inodes = {os.fstat(sock.fileno()).st_ino for sock in udp_sockets(pc, log)}
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
