"""A viewer that joins mid-stream asks for a keyframe at once and decodes nothing before it, as
libwebrtc's receiver does: real aiortc peers over loopback, real VP8 packets from libvpx, and a
sender that (like an SFU forwarding a publisher) sends delta frames until it is asked."""

from __future__ import annotations

import asyncio
import fractions
import time

import av
import numpy as np
from aiortc import MediaStreamTrack, RTCPeerConnection

from probe.aiortc_hooks import HookLog, frame_release, keyframe_recovery, keyframe_requests
from probe.aiortc_hooks import receiver_counters

FPS = 10  # 100 ms between frames: "at the first frame" and "at the second" are far apart
TIME_BASE = fractions.Fraction(1, 90000)
FIRST_FRAME_TIMEOUT_S = 5.0


def vp8_packets(count: int) -> list[av.Packet]:
    """``count`` frames of moving noise encoded by libvpx: one keyframe, then delta frames."""
    ctx = av.CodecContext.create("libvpx", "w")
    ctx.width, ctx.height, ctx.pix_fmt = 160, 120, "yuv420p"
    ctx.time_base, ctx.framerate = fractions.Fraction(1, FPS), FPS
    ctx.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    ctx.gop_size = 10 * count
    rng = np.random.default_rng(1)
    packets = []
    for index in range(count):
        frame = av.VideoFrame.from_ndarray(rng.integers(0, 255, (180, 160), np.uint8), "yuv420p")
        frame.pts = index
        packets.extend(ctx.encode(frame))
    packets.extend(ctx.encode(None))
    assert packets[0].is_keyframe and not any(p.is_keyframe for p in packets[1:])
    return packets


def keyframe_picture(packets: list[av.Packet]) -> np.ndarray:
    """The luma plane libvpx decodes from the stream's keyframe."""
    decoder = av.CodecContext.create("libvpx", "r")
    (frame,) = decoder.decode(packets[0])
    return frame.to_ndarray(format="gray")


class MidStreamTrack(MediaStreamTrack):
    """Sends the delta frames of a stream whose keyframe the viewer never got; once asked for a
    keyframe, the stream from its keyframe on. Timestamps go on at ``FPS`` throughout."""

    kind = "video"

    def __init__(self, packets: list[av.Packet]) -> None:
        super().__init__()
        self.packets = packets
        self._next = len(packets) // 2  # mid-GOP
        self._sent = 0
        self.requested_s: float | None = None
        self.sent_when_asked: int | None = None

    def request_keyframe(self) -> None:
        if self.requested_s is None:
            self.requested_s = time.monotonic()
            self.sent_when_asked = self._sent
            self._next = 0

    async def recv(self) -> av.Packet:  # type: ignore[override]
        await asyncio.sleep(1 / FPS)
        packet = self.packets[self._next % len(self.packets)]
        self._next += 1
        packet.pts, packet.time_base = self._sent * 90000 // FPS, TIME_BASE
        self._sent += 1
        return packet


async def test_a_viewer_joining_mid_stream_asks_for_a_keyframe_and_starts_at_it() -> None:
    track = MidStreamTrack(vp8_packets(60))
    sender_pc, viewer_pc = RTCPeerConnection(), RTCPeerConnection()
    log = HookLog()
    received: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    counters: list[receiver_counters.ReceiverCounters] = []

    @viewer_pc.on("track")
    def _track(remote: MediaStreamTrack) -> None:
        receiver = next(t.receiver for t in viewer_pc.getTransceivers()
                        if t.receiver.track is remote)
        counted = receiver_counters.install(receiver, log)
        assert counted is not None
        counters.append(counted)
        awaiting = keyframe_recovery.install(receiver, log)
        assert awaiting is not None and awaiting()  # joining: nothing decodes before a keyframe
        frame_release.install(receiver, log, awaiting)
        received.put_nowait(remote)

    try:
        sender = sender_pc.addTrack(track)
        assert keyframe_requests.install(sender, track.request_keyframe, log)
        await sender_pc.setLocalDescription(await sender_pc.createOffer())
        await viewer_pc.setRemoteDescription(sender_pc.localDescription)
        await viewer_pc.setLocalDescription(await viewer_pc.createAnswer())
        await sender_pc.setRemoteDescription(viewer_pc.localDescription)
        remote = await asyncio.wait_for(received.get(), FIRST_FRAME_TIMEOUT_S)
        first = await asyncio.wait_for(remote.recv(), FIRST_FRAME_TIMEOUT_S)
        frame_s = time.monotonic()
        assert log.failed == []
        # The first picture shown is the keyframe's: no delta frame was decoded before it.
        assert np.array_equal(first.to_ndarray(format="gray"), keyframe_picture(track.packets))
        # Asked for at the first packet of a delta frame, as libwebrtc does: not after failing
        # to decode it (aiortc alone asks at the next packet after a decoder error, a frame on).
        assert counters[0].plis >= 1
        assert track.sent_when_asked == 1
        assert track.requested_s is not None and frame_s - track.requested_s < 0.5
    finally:
        await sender_pc.close()
        await viewer_pc.close()
