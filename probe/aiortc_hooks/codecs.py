"""The codecs a peer connection negotiated, which aiortc keeps on each transceiver only."""

from __future__ import annotations

from aiortc import RTCPeerConnection

from probe.aiortc_hooks.gate import Hook, HookLog, Internal

HOOK = Hook(
    name="negotiated_codecs",
    without_it="the report does not name the video and audio codecs",
    internals=(Internal("aiortc.rtcrtptransceiver.RTCRtpTransceiver", "_codecs", "field"),),
)


def negotiated_codecs(pc: RTCPeerConnection, log: HookLog) -> dict[str, str]:
    """Codec name per kind from the applied remote description (e.g. {"video": "VP8"})."""
    codecs: dict[str, str] = {}
    for transceiver in pc.getTransceivers():
        if not log.require(HOOK, transceiver, "_codecs"):
            continue
        chosen = [c for c in transceiver._codecs if c.mimeType.split("/")[1] != "rtx"]
        if chosen:
            codecs[transceiver.kind] = chosen[0].mimeType.split("/")[1]
    return codecs
