"""Encode once, send to every viewer: the test room's media path.

The room encodes each stream once with PyAV (so codec, bitrate and keyframe interval are exactly
what was asked for) and hands the same ``av.Packet`` to every viewer's track; aiortc's sender
packetizes pre-encoded packets without re-encoding (``RTCRtpSender._next_encoded_frame``). A
viewer's keyframe request (PLI/FIR) is forwarded to the shared encoder, as an SFU forwards it to
the publisher.
"""

from __future__ import annotations

import asyncio
import collections
import fractions
import time

import av
from aiortc import MediaStreamTrack, RTCRtpSender
from aiortc.mediastreams import MediaStreamError

from probe.video_encoding import VideoEncoding

VIDEO_TIME_BASE = fractions.Fraction(1, 90000)
FULL_HD_ROWS = 1080
AUDIO_SAMPLE_RATE = 48000
AUDIO_TIME_BASE = fractions.Fraction(1, AUDIO_SAMPLE_RATE)
AUDIO_FRAME_SAMPLES = 960  # 20 ms at 48 kHz, the WebRTC Opus frame
# RTP clocks: 90 kHz for VP8 and H.264 video (RFC 7741, RFC 6184), 48 kHz for Opus (RFC 7587).
RTP_CLOCK_HZ = {"video": 90000, "audio": AUDIO_SAMPLE_RATE}
# A viewer that cannot keep up loses its oldest packets rather than growing memory.
VIEWER_QUEUE_PACKETS = 256
# Keyframe requests closer together than this are merged (one keyframe serves them all).
KEYFRAME_REQUEST_MIN_GAP_FRAMES = 5
# Packets handed to the sender that are remembered for its sender reports (probe.sender_reports).
CAPTURES_KEPT = 8

def open_video_encoder(encoding: VideoEncoding, width: int, height: int,
                       fps: float) -> av.VideoCodecContext:
    """A real-time PyAV encoder: libvpx (VP8) or libx264 constrained baseline (WebRTC's H.264)."""
    bitrate_bps = encoding.bitrate_kbps * 1000
    name = "libvpx" if encoding.codec == "vp8" else "libx264"
    ctx = av.CodecContext.create(name, "w")
    ctx.width, ctx.height = width, height
    ctx.pix_fmt = "yuv420p"
    ctx.time_base = VIDEO_TIME_BASE
    ctx.framerate = fractions.Fraction(round(fps * 1000), 1000)
    ctx.bit_rate = bitrate_bps
    ctx.gop_size = max(1, round(encoding.keyframe_interval_s * fps))
    if encoding.codec == "vp8":
        # libvpx real-time CBR, as aiortc configures it; "cpu-used" -6 with "static-thresh"
        # measured 3 ms/frame at 360p and 8 ms at 720p on 2 cores (cpu-used 8 alone: 50 ms).
        # At 1080p and above speed 10: -6 measured 20 ms/frame alone at 1080p, too close to the
        # 33 ms frame interval with a viewer on the same 2 cores; -10 measured 17 ms.
        speed = "-10" if height >= FULL_HD_ROWS else "-6"
        ctx.options = {"deadline": "realtime", "cpu-used": speed, "lag-in-frames": "0",
                       "static-thresh": "1", "error-resilient": "1",
                       "minrate": str(bitrate_bps), "maxrate": str(bitrate_bps),
                       "bufsize": str(bitrate_bps), "undershoot-pct": "100",
                       "overshoot-pct": "15"}
        ctx.qmin, ctx.qmax = 4, 56
    else:
        ctx.profile = "Baseline"
        ctx.options = {"preset": "veryfast", "tune": "zerolatency",
                       "maxrate": str(bitrate_bps), "bufsize": str(bitrate_bps)}
    # One thread: libvpx's worker threads stall badly when the other core is busy (measured:
    # 80 ms/frame at 360p with 2 threads under load, 4 ms with 1).
    ctx.thread_count = 1
    return ctx


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

    def wire_keyframe_requests(self, sender: RTCRtpSender) -> None:
        """Route the viewer's PLI/FIR, which aiortc handles in ``_send_keyframe``, to our encoder.

        aiortc only honours keyframe requests when it encodes itself; with pre-encoded packets the
        request must reach the shared encoder instead.
        """
        sender._send_keyframe = self.keyframe_requested.set  # type: ignore[method-assign]

    @property
    def viewers(self) -> int:
        return len(self._tracks)

    def close(self) -> None:
        for track in tuple(self._tracks):
            track.stop()


class VideoEncodePipeline:
    """Encodes raw frames into a ``Broadcast``; opens (or reopens) the encoder at the frame size."""

    def __init__(self, encoding: VideoEncoding, fps: float, broadcast: Broadcast) -> None:
        self.encoding = encoding
        self.fps = fps
        self.broadcast = broadcast
        self._ctx: av.VideoCodecContext | None = None
        self._frames_since_keyframe = 0
        self._request_deferred = False  # the last frame saw a request too close to a keyframe

    @property
    def keyframe_due(self) -> bool:
        """A keyframe was asked for and the next frame encoded will be one (requests closer
        than ``KEYFRAME_REQUEST_MIN_GAP_FRAMES`` to the last keyframe wait for that gap)."""
        return (self.broadcast.keyframe_requested.is_set()
                and self._frames_since_keyframe >= KEYFRAME_REQUEST_MIN_GAP_FRAMES)

    @property
    def keyframe_urgent(self) -> bool:
        """A keyframe is due for a request that came after the last frame: worth encoding now,
        not at the next frame tick (a deferred request is served at the regular cadence)."""
        return self.keyframe_due and not self._request_deferred

    def encode(self, frame: av.VideoFrame) -> list[av.Packet]:
        """Encode one frame (runs in a worker thread); forces a keyframe when one was asked for."""
        if self._ctx is None or (self._ctx.width, self._ctx.height) != (frame.width, frame.height):
            self._ctx = open_video_encoder(self.encoding, frame.width, frame.height, self.fps)
        due = self.keyframe_due
        self._request_deferred = self.broadcast.keyframe_requested.is_set() and not due
        if due:
            frame.pict_type = av.video.frame.PictureType.I
        packets = self._ctx.encode(frame)
        for packet in packets:
            packet.time_base = VIDEO_TIME_BASE
            if packet.is_keyframe:
                self._frames_since_keyframe = 0
                self.broadcast.keyframe_requested.clear()
        self._frames_since_keyframe += 1
        return packets


class AudioEncodePipeline:
    """Encodes 20 ms int16 frames into Opus packets for a ``Broadcast``."""

    def __init__(self) -> None:
        self._ctx = av.CodecContext.create("libopus", "w")
        self._ctx.sample_rate = AUDIO_SAMPLE_RATE
        self._ctx.layout = "stereo"
        self._ctx.format = "s16"
        self._ctx.bit_rate = 64000
        self._ctx.time_base = AUDIO_TIME_BASE
        self._resampler = av.AudioResampler(format="s16", layout="stereo",
                                            rate=AUDIO_SAMPLE_RATE,
                                            frame_size=AUDIO_FRAME_SAMPLES)

    def encode(self, frame: av.AudioFrame) -> list[av.Packet]:
        """Encode one audio frame of any layout/rate; packets carry 48 kHz pts."""
        packets = []
        for chunk in self._resampler.resample(frame):
            packets.extend(self._ctx.encode(chunk))
        for packet in packets:
            packet.time_base = AUDIO_TIME_BASE
        return packets
