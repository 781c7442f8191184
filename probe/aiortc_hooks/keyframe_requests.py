"""Route a viewer's keyframe requests (PLI/FIR) to an encoder aiortc does not own.

aiortc honours a PLI or FIR only when it encodes itself (``RTCRtpSender._send_keyframe`` tells its
own encoder). The room and the publisher send pre-encoded packets from one shared encoder, so the
request must reach that encoder instead, as an SFU forwards it to the publisher.
"""

from __future__ import annotations

from collections.abc import Callable

from aiortc import RTCRtpSender

from probe.aiortc_hooks.gate import Hook, HookLog, Internal

SENDER = "aiortc.rtcrtpsender.RTCRtpSender"
HOOK = Hook(
    name="keyframe_requests",
    without_it="viewers' keyframe requests are ignored: recovery after loss waits for the next "
               "periodic keyframe",
    internals=(Internal(SENDER, "_send_keyframe"),
               Internal(f"{SENDER}._handle_rtcp_packet", "_send_keyframe", "called")),
)


def install(sender: RTCRtpSender, on_request: Callable[[], None], log: HookLog) -> bool:
    """Call ``on_request()`` whenever ``sender``'s viewer asks for a keyframe; False (noted in
    ``log``) when aiortc's internals differ."""
    if not log.require(HOOK, sender, "_send_keyframe"):
        return False
    return log.replace(HOOK, sender, "_send_keyframe", on_request)
