"""transport-cc negotiation, scoped to the peer connections that ask for it: the offer and the
answer carry the transport-wide sequence number extension and ``transport-cc`` feedback beside
REMB; other peer connections in the same process negotiate as aiortc does."""

from __future__ import annotations

import re

from aiortc import (
    RTCCertificate,
    RTCDtlsTransport,
    RTCIceGatherer,
    RTCIceTransport,
    RTCPeerConnection,
    RTCRtpReceiver,
    RTCSessionDescription,
)
from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, RtpPacket

from probe.aiortc_hooks import HookLog, transport_cc
from probe.aiortc_hooks.transport_cc import URI

EXTMAP = re.compile(r"^a=extmap:(\d+) (\S+)", re.MULTILINE)


def sections(sdp: str) -> list[str]:
    return sdp.split("\r\nm=")[1:]


async def offer(hooked: bool, direction: str = "recvonly") -> tuple[RTCPeerConnection, str]:
    pc = RTCPeerConnection()
    if hooked:
        transport_cc.install(pc, HookLog())
    pc.addTransceiver("video", direction=direction)
    pc.addTransceiver("audio", direction=direction)
    description = await pc.createOffer()
    return pc, description.sdp


async def test_a_hooked_offer_asks_for_transport_cc_and_keeps_remb() -> None:
    pc, sdp = await offer(hooked=True)
    plain, plain_sdp = await offer(hooked=False)  # the same process, after the hooked one
    try:
        video, audio = sections(sdp)
        for section in (video, audio):
            assert (str(transport_cc.EXTENSION_ID), URI) in EXTMAP.findall(section)
        payload_types = re.findall(r"^a=rtpmap:(\d+) (?!rtx)", video, re.MULTILINE)
        for pt in payload_types:
            assert f"a=rtcp-fb:{pt} transport-cc" in video
            assert f"a=rtcp-fb:{pt} goog-remb" in video
            assert f"a=rtcp-fb:{pt} nack pli" in video
        opus = re.search(r"^a=rtpmap:(\d+) opus/", audio, re.MULTILINE).group(1)
        assert f"a=rtcp-fb:{opus} transport-cc" in audio
        assert URI not in plain_sdp and "transport-cc" not in plain_sdp
    finally:
        await pc.close()
        await plain.close()


async def test_a_hooked_answer_takes_the_offerers_id_and_others_drop_it() -> None:
    offerer, sdp = await offer(hooked=False, direction="sendonly")
    browser_like = sdp.replace("a=extmap:3 ", f"a=extmap:9 {URI}\r\na=extmap:3 ", 1)
    browser_like = re.sub(r"(a=rtcp-fb:(\d+) nack pli\r\n)", r"\1a=rtcp-fb:\2 transport-cc\r\n",
                          browser_like)
    answers = []
    for hooked in (True, False):
        answerer = RTCPeerConnection()
        if hooked:
            transport_cc.install(answerer, HookLog())
        try:
            await answerer.setRemoteDescription(RTCSessionDescription(browser_like, "offer"))
            answers.append((await answerer.createAnswer()).sdp)
        finally:
            await answerer.close()
    await offerer.close()
    hooked_answer, plain_answer = answers
    assert ("9", URI) in EXTMAP.findall(sections(hooked_answer)[0])
    assert "transport-cc" in sections(hooked_answer)[0]
    assert URI not in plain_answer and "transport-cc" not in plain_answer


async def rembs_sent(numbered: bool) -> tuple[int, int]:
    """(REMB packets, other RTCP) a hooked video receiver sends for 6 s of 1 kB packets every
    10 ms with abs-send-time, numbered (transport-wide sequence) or not. The transport is real
    but never connected: what the receiver sends is taken at its ``_send_rtcp``."""
    dtls = RTCDtlsTransport(RTCIceTransport(RTCIceGatherer()),
                            [RTCCertificate.generateCertificate()])
    receiver = RTCRtpReceiver("video", dtls)
    sent: list[object] = []

    async def send_rtcp(packet: object) -> None:
        sent.append(packet)

    receiver._send_rtcp = send_rtcp
    receiver._RTCRtpReceiver__rtcp_ssrc = 1234  # set by aiortc when the transport starts
    assert transport_cc.TransportFeedback(HookLog()).attach(receiver)
    for index in range(600):
        arrival_ms = 1000 + 10 * index
        packet = RtpPacket(payload_type=96, sequence_number=index, timestamp=900 * index,
                           ssrc=5678, payload=bytes(1000))
        packet.extensions.abs_send_time = ((arrival_ms << 18) // 1000) & 0xFFFFFF  # 6.18 s
        if numbered:
            packet.extensions.transport_sequence_number = index
        await receiver._handle_rtp_packet(packet, arrival_time_ms=arrival_ms)
    rembs = sum(isinstance(p, RtcpPsfbPacket) and p.fmt == RTCP_PSFB_APP for p in sent)
    return rembs, len(sent) - rembs


async def test_numbered_packets_feed_the_senders_estimate_and_never_remb() -> None:
    """libwebrtc's ReceiveSideCongestionController::OnReceivedPacket: a packet with a
    transport-wide sequence number goes to transport-cc feedback only; one without it to the
    receiver's own (REMB) estimate."""
    rembs, feedback = await rembs_sent(numbered=True)
    assert rembs == 0 and feedback >= 1
    rembs, feedback = await rembs_sent(numbered=False)
    assert rembs >= 3 and feedback == 0  # aiortc's REMB, every ~0.5 s once it has a rate
