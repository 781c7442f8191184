"""Every patch of aiortc or aioice internals, in one place, behind one gate.

The probe must see and change what aiortc has no public API for. Each module here is one hook:
it declares the private names it relies on (``Hook``), installs itself through one function that
checks it took hold, and notes in a ``HookLog`` when it did not, so the report says which figure
it changes. ``gate_problems()`` checks every hook against the installed aiortc and aioice (and
their versions against the range the suite passes on, pinned in pyproject.toml); a test fails
when any is missing.

- ``receiver_counters``: bytes, NACKs and PLIs of a receiver.
- ``keyframe_recovery``: skip a stuck gap and ask for a keyframe, as libwebrtc does.
- ``frame_release``: release a frame at its marker packet, as libwebrtc does.
- ``sender_reports``: the room's SRs on the capture clock; the SRs a viewer receives.
- ``keyframe_requests``: a viewer's PLI/FIR to the room's or publisher's shared encoder.
- ``stun_timing``: RTT from the ICE agent's STUN transactions.
- ``ice_sockets``: the UDP sockets under a peer connection.
- ``send_path``: user-space impairment of what a peer sends.
- ``loopback_gathering``: host candidates on 127.0.0.1, scoped to one peer's gathering.
- ``codecs``: the negotiated codec names.
- ``dtls_ciphers``: DTLS with peers whose certificate is RSA.
- ``media_consent``: a WHIP publisher's media counts as its consent (RFC 7675).
- ``ice_role``: the ICE role of a WHEP client that gathers before it knows it offers.
- ``transport_cc``: transport-wide congestion feedback, negotiated and sent as a browser does.
"""

from __future__ import annotations

from probe.aiortc_hooks import (
    codecs,
    dtls_ciphers,
    frame_release,
    ice_role,
    ice_sockets,
    keyframe_recovery,
    keyframe_requests,
    loopback_gathering,
    media_consent,
    receiver_counters,
    send_path,
    sender_reports,
    stun_timing,
    transport_cc,
)
from probe.aiortc_hooks.gate import Hook, HookLog
from probe.aiortc_hooks.gate import gate_problems as _gate_problems

HOOKS: tuple[Hook, ...] = (
    receiver_counters.HOOK, keyframe_recovery.HOOK, frame_release.HOOK,
    sender_reports.CAPTURE_CLOCK_HOOK, sender_reports.LOG_HOOK, keyframe_requests.HOOK,
    stun_timing.HOOK, ice_sockets.HOOK, send_path.HOOK, loopback_gathering.HOOK, codecs.HOOK,
    dtls_ciphers.HOOK, media_consent.HOOK, ice_role.HOOK, transport_cc.HOOK,
)


def gate_problems() -> list[str]:
    """Every reason a hook cannot be trusted on this installation (empty when all is well)."""
    return _gate_problems(HOOKS)


__all__ = ["HOOKS", "Hook", "HookLog", "gate_problems"]
