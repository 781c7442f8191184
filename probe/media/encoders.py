"""Encoders of the room and the publisher: real-time PyAV video (libvpx, libx264) and Opus.

``VideoEncodePipeline`` encodes raw frames once for a ``Broadcast`` and serves its keyframe
requests; ``AudioEncodePipeline`` encodes 20 ms Opus frames.
"""

from __future__ import annotations

import fractions
import time

import av

from probe.media.broadcast import AUDIO_SAMPLE_RATE, Broadcast
from probe.media.encoding import VideoEncoding

VIDEO_TIME_BASE = fractions.Fraction(1, 90000)
FULL_HD_ROWS = 1080
AUDIO_TIME_BASE = fractions.Fraction(1, AUDIO_SAMPLE_RATE)
AUDIO_FRAME_SAMPLES = 960  # 20 ms at 48 kHz, the WebRTC Opus frame
# A keyframe request closer than this to the last keyframe waits for the gap to end (one keyframe
# then serves every request of the gap): libwebrtc's sender keeps 300 ms between the keyframes it
# sends on request (kMinKeyframeSendIntervalMs, video/encoder_rtcp_feedback.cc). libwebrtc drops
# such a request and relies on the viewer asking again; the room serves it when the gap ends, since
# not every viewer asks again. A gap in time, not frames: 5 frames were a whole second at 5 fps.
KEYFRAME_REQUEST_MIN_GAP_S = 0.3

def video_encoder_name(encoding: VideoEncoding) -> str:
    """FFmpeg's name of the encoder for ``encoding.codec``."""
    return "libvpx" if encoding.codec == "vp8" else "libx264"


def open_video_encoder(encoding: VideoEncoding, width: int, height: int,
                       fps: float) -> av.VideoCodecContext:
    """A real-time PyAV encoder: libvpx (VP8) or libx264 constrained baseline (WebRTC's H.264)."""
    ctx = av.CodecContext.create(video_encoder_name(encoding), "w")
    configure_video_encoder(ctx, encoding, width, height, fps)
    return ctx


def configure_video_encoder(ctx: av.VideoCodecContext, encoding: VideoEncoding, width: int,
                            height: int, fps: float) -> None:
    """Set the room's real-time options on an encoder context not yet opened (also a muxer
    stream's, so a file encode is the same encode the room sends)."""
    bitrate_bps = encoding.bitrate_kbps * 1000
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
        if encoding.speed is not None:
            speed = str(encoding.speed)
        ctx.options = {"deadline": "realtime", "cpu-used": speed, "lag-in-frames": "0",
                       "static-thresh": "1", "error-resilient": "1",
                       "minrate": str(bitrate_bps), "maxrate": str(bitrate_bps),
                       "bufsize": str(bitrate_bps), "undershoot-pct": "100",
                       "overshoot-pct": "15"}
        ctx.qmin, ctx.qmax = 4, 56
    else:
        ctx.profile = "Baseline"
        ctx.options = {"preset": str(encoding.speed or "veryfast"), "tune": "zerolatency",
                       "maxrate": str(bitrate_bps), "bufsize": str(bitrate_bps)}
    # One thread: libvpx's worker threads stall badly when the other core is busy (measured:
    # 80 ms/frame at 360p with 2 threads under load, 4 ms with 1).
    ctx.thread_count = 1


class VideoEncodePipeline:
    """Encodes raw frames into a ``Broadcast``; opens (or reopens) the encoder at the frame size."""

    def __init__(self, encoding: VideoEncoding, fps: float, broadcast: Broadcast) -> None:
        self.encoding = encoding
        self.fps = fps
        self.broadcast = broadcast
        self._ctx: av.VideoCodecContext | None = None
        self._last_keyframe_s: float | None = None  # monotonic s

    def keyframe_wait_s(self) -> float | None:
        """Seconds until an asked-for keyframe may be encoded (0.0: the next frame will be one;
        None: nobody asked). Requests within ``KEYFRAME_REQUEST_MIN_GAP_S`` of the last keyframe
        wait for the gap to end."""
        if not self.broadcast.keyframe_requested.is_set():
            return None
        if self._last_keyframe_s is None:
            return 0.0
        return max(0.0, self._last_keyframe_s + KEYFRAME_REQUEST_MIN_GAP_S - time.monotonic())

    def restart(self) -> None:
        """Forget the encoder: the next frame opens a new one (a new source restarts its pts,
        and libvpx rejects pts below those it already encoded)."""
        self._ctx = None
        self._last_keyframe_s = None

    def encode(self, frame: av.VideoFrame) -> list[av.Packet]:
        """Encode one frame (runs in a worker thread); forces a keyframe when one was asked for."""
        if self._ctx is None or (self._ctx.width, self._ctx.height) != (frame.width, frame.height):
            self._ctx = open_video_encoder(self.encoding, frame.width, frame.height, self.fps)
        if self.keyframe_wait_s() == 0.0:
            frame.pict_type = av.video.frame.PictureType.I
        packets = self._ctx.encode(frame)
        for packet in packets:
            packet.time_base = VIDEO_TIME_BASE
            if packet.is_keyframe:
                self._last_keyframe_s = time.monotonic()
                self.broadcast.keyframe_requested.clear()
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
