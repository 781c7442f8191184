"""How long aiortc's video jitter buffer held each complete frame before releasing it.

aiortc releases a video frame only when a packet of a *later* frame reaches its jitter buffer
(``JitterBuffer._remove_frame`` waits for a timestamp change; it ignores the marker bit), so
every frame waits about one frame interval after its last packet arrived (measured on loopback
at 30 fps: glass-to-glass p50 51 ms, of which the frame was complete after 18 ms). A browser
decodes a frame once it is complete (libwebrtc's frame buffer), so glass-to-glass counts from
completion: ``FrameRelease`` notes, per RTP timestamp, when its last packet arrived and when
the buffer let it go; the viewer takes the difference off the frame's arrival. Decode time and
any wait for a missing packet still count, as they do in a browser.

This wraps ``add`` of one receiver's jitter buffer and reads its timestamp mapper, as
``probe.keyframe_recovery`` reaches into the buffer; with other aiortc internals nothing is
held back (``held_ms`` is 0).
"""

from __future__ import annotations

import collections
import time
from typing import Any

from aiortc import RTCRtpReceiver

RTP_TIMESTAMP_MODULUS = 1 << 32
FRAMES_KEPT = 64  # released frames remembered until they come out of the decoder


class FrameRelease:
    """Per video frame: ms between its last packet's arrival and its release to the decoder."""

    def __init__(self, receiver: RTCRtpReceiver) -> None:
        self._completed_ms: dict[int, float] = {}  # RTP timestamp -> last packet's arrival
        self._held_ms: collections.OrderedDict[int, float] = collections.OrderedDict()
        self._mapper = getattr(receiver, "_RTCRtpReceiver__timestamp_mapper", None)
        buffer = getattr(receiver, "_RTCRtpReceiver__jitter_buffer", None)
        if buffer is None or self._mapper is None or not hasattr(buffer, "add"):
            return
        add = buffer.add

        def timed_add(packet: Any) -> tuple[bool, Any]:
            now_ms = time.time() * 1000.0
            self._completed_ms[packet.timestamp] = now_ms
            pli, frame = add(packet)
            if frame is not None:
                completed_ms = self._completed_ms.pop(frame.timestamp, now_ms)
                self._held_ms[frame.timestamp] = now_ms - completed_ms
                while len(self._held_ms) > FRAMES_KEPT:
                    self._held_ms.popitem(last=False)
                # Timestamps before the released one will not be released any more.
                for stale in [t for t in self._completed_ms
                              if 0 < (frame.timestamp - t) % RTP_TIMESTAMP_MODULUS < 1 << 31]:
                    del self._completed_ms[stale]
            return pli, frame

        buffer.add = timed_add

    def held_ms(self, pts: int) -> float:
        """How long the frame decoded with ``pts`` (aiortc's rebased RTP time) was held complete."""
        origin = getattr(self._mapper, "_origin", None)
        if origin is None:
            return 0.0
        return self._held_ms.get((pts + origin) % RTP_TIMESTAMP_MODULUS, 0.0)
