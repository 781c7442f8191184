"""Release each video frame to the decoder as soon as it is complete, as a browser does.

aiortc's video jitter buffer releases a frame only when a packet of a *later* frame reaches it
(``JitterBuffer._remove_frame`` waits for a timestamp change; it ignores the marker bit). Every
frame therefore waits about one frame interval after its last packet arrived (measured on loopback
at 30 fps: glass-to-glass p50 51 ms, of which the frame was complete after 18 ms), and the last
frame before an outage is never released at all: the packet after it is lost, so the viewer
freezes one frame early and the freeze reads one frame interval long. libwebrtc's frame buffer
hands a frame to the decoder once its packets up to the marker bit (RFC 3550: last packet of the
frame, RFC 7741 and RFC 6184) are all in, so this does the same: when the packets from the
buffer's head up to a marker packet are all present and share its timestamp, they leave as one
frame. Decode time and any wait for a missing packet still count, as they do in a browser.

This wraps ``add`` of one receiver's jitter buffer; ``HOOK`` names every private name it
relies on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiortc import RTCRtpReceiver
from aiortc.jitterbuffer import JitterFrame

from probe.aiortc_hooks.gate import Hook, HookLog, Internal

SEQUENCE_MODULUS = 1 << 16
MARKERS_KEPT = 64  # marker packets remembered for frames not yet complete

BUFFER = "aiortc.jitterbuffer.JitterBuffer"
HOOK = Hook(
    name="frame_release",
    without_it="each frame waits for the next one's first packet: glass-to-glass reads one "
               "frame interval long, and freezes start one frame early",
    internals=(Internal("aiortc.rtcrtpreceiver.RTCRtpReceiver", "_RTCRtpReceiver__jitter_buffer",
                        "field"),
               Internal("aiortc.rtcrtpreceiver.RTCRtpReceiver._handle_rtp_packet", "add",
                        "called"),
               Internal(BUFFER, "add"), Internal(BUFFER, "remove"), Internal(BUFFER, "capacity"),
               Internal(BUFFER, "_packets", "field"), Internal(BUFFER, "_origin", "field"),
               # aiortc stores each packet's depayloaded bytes there before buffering it.
               Internal("aiortc.rtcrtpreceiver.RTCRtpReceiver._handle_rtp_packet", "_data",
                        "called")),
)


def _complete_head_frame(buffer: Any, marker_seq: int) -> JitterFrame | None:
    """Remove and return the frame at the buffer's head ending at ``marker_seq``, if all in."""
    origin = buffer._origin
    if origin is None:
        return None
    count = (marker_seq - origin) % SEQUENCE_MODULUS + 1
    if count > buffer.capacity:
        return None
    packets = [buffer._packets[(origin + i) % buffer.capacity] for i in range(count)]
    if any(p is None for p in packets):
        return None
    timestamp = packets[-1].timestamp
    if any(p.timestamp != timestamp for p in packets):
        return None
    buffer.remove(count)
    return JitterFrame(data=b"".join(p._data for p in packets), timestamp=timestamp)


def install(receiver: RTCRtpReceiver, log: HookLog,
            holding: Callable[[], bool] = lambda: False) -> bool:
    """Make a video receiver release frames at their marker packet; False (noted in ``log``) if
    aiortc differs.

    While ``holding()`` is true (gap recovery waits for a keyframe) no frame is released early.
    """
    if not log.require(HOOK, receiver, "_RTCRtpReceiver__jitter_buffer"):
        return False
    buffer = receiver._RTCRtpReceiver__jitter_buffer  # type: ignore[attr-defined]
    if not log.require(HOOK, buffer, "add", "_packets", "_origin"):
        return False
    add = buffer.add
    markers: dict[int, int] = {}  # RTP timestamp -> sequence number of its marker packet

    def add_releasing_complete(packet: Any) -> tuple[bool, JitterFrame | None]:
        pli, frame = add(packet)
        if packet.marker:
            markers[packet.timestamp] = packet.sequence_number
            while len(markers) > MARKERS_KEPT:
                del markers[next(iter(markers))]
        marker_seq = markers.get(packet.timestamp)
        if frame is None and marker_seq is not None and not holding():
            frame = _complete_head_frame(buffer, marker_seq)
        if frame is not None:
            markers.pop(frame.timestamp, None)
        return pli, frame

    return log.replace(HOOK, buffer, "add", add_releasing_complete)
