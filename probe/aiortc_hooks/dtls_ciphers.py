"""DTLS with peers whose certificate is RSA: offer the ECDHE-RSA suites beside aiortc's ECDSA ones.

aiortc's DTLS context (``RTCCertificate._create_ssl_context``) offers only ECDHE-ECDSA cipher
suites. In DTLS 1.2 the suite's authentication is the *server's* certificate key, so when aiortc
is the DTLS client of a peer with an RSA certificate (GStreamer 1.22 webrtcbin makes RSA ones)
that peer finds no suite it can use and fails with "no shared cipher". libwebrtc offers both
kinds. ``install`` widens the list of one peer connection's certificate to the same suites with
RSA authentication; as a server aiortc keeps its ECDSA certificate, so nothing else changes.
"""

from __future__ import annotations

from typing import Any

from aiortc import RTCPeerConnection

from probe.aiortc_hooks.gate import Hook, HookLog, Internal

HOOK = Hook(
    name="dtls_rsa_ciphers",
    without_it="DTLS fails with peers that use an RSA certificate (\"no shared cipher\", e.g. "
               "GStreamer webrtcbin)",
    internals=(Internal("aiortc.rtcdtlstransport.RTCCertificate", "_create_ssl_context"),
               Internal("aiortc.rtcdtlstransport.RTCDtlsTransport.start", "_create_ssl_context",
                        "called"),
               Internal("aiortc.rtcpeerconnection.RTCPeerConnection",
                        "_RTCPeerConnection__certificates", "field")),
)
# aiortc's four ECDHE-ECDSA suites, then the same four with RSA authentication (OpenSSL names).
CIPHERS = (b"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305:"
           b"ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA:"
           b"ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-CHACHA20-POLY1305:"
           b"ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES256-SHA")


def install(pc: RTCPeerConnection, log: HookLog) -> bool:
    """Make ``pc``'s DTLS offer the RSA suites too; False (noted in ``log``) when aiortc's
    internals differ. Call before the connection starts."""
    if not log.require(HOOK, pc, "_RTCPeerConnection__certificates"):
        return False
    installed = True
    for certificate in pc._RTCPeerConnection__certificates:  # type: ignore[attr-defined]
        if not log.require(HOOK, certificate, "_create_ssl_context"):
            return False
        create = certificate._create_ssl_context

        def with_rsa_suites(*args: Any, _create: Any = create, **kwargs: Any) -> Any:
            context = _create(*args, **kwargs)
            context.set_cipher_list(CIPHERS)
            return context

        installed &= log.replace(HOOK, certificate, "_create_ssl_context", with_rsa_suites)
    return installed
