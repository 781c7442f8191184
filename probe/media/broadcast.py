"""Fan-out of one encoded stream to many viewers: the room's and the publisher's media path.

The room encodes each stream once with PyAV (so codec, bitrate and keyframe interval are exactly
what was asked for) and hands the same ``av.Packet`` to every viewer's track; aiortc's sender
packetizes pre-encoded packets without re-encoding (``RTCRtpSender._next_encoded_frame``). A
viewer's keyframe request (PLI/FIR) reaches the shared encoder (``probe.aiortc_hooks.keyframe_requests``),
as an SFU forwards it to the publisher.
"""

from __future__ import annotations

import asyncio
import collections
import time

import av
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError

AUDIO_SAMPLE_RATE = 48000
# RTP clocks: 90 kHz for VP8 and H.264 video (RFC 7741, RFC 6184), 48 kHz for Opus (RFC 7587).
RTP_CLOCK_HZ = {"video": 90000, "audio": AUDIO_SAMPLE_RATE}
# A viewer that cannot keep up loses its oldest packets rather than growing memory.
VIEWER_QUEUE_PACKETS = 256
# Packets handed to the sender that are remembered for its sender reports (probe.aiortc_hooks.sender_reports).
CAPTURES_KEPT = 8


class PacketTrack(MediaStreamTrack):
    """A viewer's track that yields pre-encoded packets from a ``Broadcast``.

    A new viewer starts at the next keyframe, so its decoder never sees a partial picture.
    """

    def __init__(self, kind: str, broadcast: "Broadcast") -> None:
        super().__init__()
        self.kind = kind
        self._broadcast = broadcast
        self._queue: asyncio.Queue[av.Packet | None] = asyncio.Queue(VIEWER_QUEUE_PACKETS)
        self._waiting_for_keyframe = kind == "video"
        # (wall-clock ms when handed to the sender, wall-clock ms when captured) of the latest
        # packets, when the broadcast knows its capture clock.
        self.captures: collections.deque[tuple[float, float]] = collections.deque(
            maxlen=CAPTURES_KEPT)

    def offer(self, packet: av.Packet) -> None:
        """Queue one packet (called by the broadcast); drops the oldest when full."""
        if self._waiting_for_keyframe:
            if not packet.is_keyframe:
                return
            self._waiting_for_keyframe = False
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait(packet)

    async def recv(self) -> av.Packet:  # type: ignore[override]
        if self.readyState != "live":
            raise MediaStreamError
        packet = await self._queue.get()
        if packet is None:
            raise MediaStreamError
        epoch_ms = self._broadcast.capture_epoch_wallclock_ms
        if epoch_ms is not None and packet.pts is not None and packet.time_base is not None:
            self.captures.append((time.time() * 1000.0,
                                  epoch_ms + float(packet.pts * packet.time_base) * 1000.0))
        elif self.captures:
            # A relayed publisher: no capture clock, so the sender reports fall back to the
            # send clock (aiortc's) instead of pairing new packets with the pattern's captures.
            self.captures.clear()
        return packet

    def stop(self) -> None:
        if self.readyState == "live":
            self._broadcast.unsubscribe(self)
            if self._queue.full():
                self._queue.get_nowait()
            self._queue.put_nowait(None)  # wakes a pending recv()
        super().stop()


class Broadcast:
    """Fan-out of one encoded stream (video or audio) to any number of viewer tracks."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._tracks: set[PacketTrack] = set()
        self.keyframe_requested = asyncio.Event()
        # Wall-clock ms of pts 0 while packet pts follow capture time (the pattern); else None.
        self.capture_epoch_wallclock_ms: float | None = None

    def subscribe(self) -> PacketTrack:
        """A new viewer track; asks the encoder for a keyframe so the viewer starts at once."""
        track = PacketTrack(self.kind, self)
        self._tracks.add(track)
        self.keyframe_requested.set()
        return track

    def unsubscribe(self, track: PacketTrack) -> None:
        self._tracks.discard(track)

    def publish(self, packet: av.Packet) -> None:
        """Send one packet to every subscribed viewer."""
        for track in tuple(self._tracks):
            track.offer(packet)

    @property
    def viewers(self) -> int:
        return len(self._tracks)

    def close(self) -> None:
        for track in tuple(self._tracks):
            track.stop()
