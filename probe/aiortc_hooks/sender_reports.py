"""RTCP sender reports: ours on the capture clock, and the ones our viewer receives.

An SR pairs an NTP wall-clock instant with the RTP time *of that same instant* (RFC 3550 section
6.4.1); libwebrtc extrapolates the RTP time from the last frame's capture time to the SR's NTP
time. aiortc instead pairs the send time of its last packet with that packet's RTP time, so its
SRs place media late by the capture-to-send latency: measured 26.5 ms for the room's audio
(20 ms framing plus Opus's 6.5 ms look-ahead) against about 10 ms for video, so a lip-syncing
viewer would play the room's audio ~16-22 ms late. ``report_on_capture_clock`` rewrites the RTP
time of each SR one of our senders sends so that it is the capture clock's reading at the SR's
NTP time, as libwebrtc's is; the NTP time (and so the LSR/DLSR round trip) is left alone.

``SenderReportLog`` collects the SRs a viewer's receiver gets and expresses their RTP time on the
receiver's media timeline (aiortc rebases decoded pts to the first RTP timestamp it decoded), for
``metrics.avsync``. Both reach into one aiortc instance (``_send_rtcp``, ``_handle_rtcp_packet``
and the receiver's timestamp mapper): ``CAPTURE_CLOCK_HOOK`` and ``LOG_HOOK`` name them.
"""

from __future__ import annotations

import fractions
from dataclasses import replace
from typing import Any

from aiortc import RTCRtpReceiver, RTCRtpSender
from aiortc.rtp import RtcpSrPacket

from metrics.sender_clock import SenderReport
from probe.aiortc_hooks.gate import Hook, HookLog, Internal
from probe.media.broadcast import RTP_CLOCK_HZ, PacketTrack

NTP_TO_UNIX_S = 2208988800  # seconds from 1900-01-01 (NTP era 0) to 1970-01-01
RTP_TIMESTAMP_MODULUS = 1 << 32

SENDER = "aiortc.rtcrtpsender.RTCRtpSender"
RECEIVER = "aiortc.rtcrtpreceiver.RTCRtpReceiver"
CAPTURE_CLOCK_HOOK = Hook(
    name="capture_clock_sender_reports",
    without_it="the room's sender reports tell send time, not capture time: A/V sync reads "
               "about 20 ms off",
    internals=(Internal(SENDER, "_send_rtcp"), Internal(f"{SENDER}._run_rtcp", "_send_rtcp",
                                                        "called")),
)
LOG_HOOK = Hook(
    name="sender_report_log",
    without_it="the sender reports are not read: A/V sync and the sender-report latency clock "
               "are not measured",
    internals=(Internal(RECEIVER, "_handle_rtcp_packet"),
               Internal(RECEIVER, "_RTCRtpReceiver__timestamp_mapper", "field"),
               Internal(RECEIVER, "_RTCRtpReceiver__rtx_ssrc", "field"),
               Internal("aiortc.rtcrtpreceiver.TimestampMapper", "_last", "field"),
               Internal("aiortc.rtcrtpreceiver.TimestampMapper", "_origin", "field")),
)


def ntp_to_wallclock_ms(ntp_timestamp: int) -> float:
    """A 64-bit NTP timestamp as ms since the Unix epoch."""
    return ((ntp_timestamp >> 32) - NTP_TO_UNIX_S + (ntp_timestamp & 0xFFFFFFFF) / 2**32) * 1000.0


def _on_capture_clock(report: RtcpSrPacket, track: PacketTrack, clock_rate_hz: int) -> RtcpSrPacket:
    """``report`` with its RTP time moved from the last packet's capture to the SR's NTP time."""
    sent_ms = ntp_to_wallclock_ms(report.sender_info.ntp_timestamp)
    # aiortc's NTP time is when the last packet was sent: after the track handed it over, and
    # before the next one was asked for. So the latest packet handed over by then is that packet.
    captured = [capture_ms for handed_ms, capture_ms in track.captures if handed_ms <= sent_ms]
    if not captured:
        return report
    rtp = (report.sender_info.rtp_timestamp
           + round((sent_ms - captured[-1]) * clock_rate_hz / 1000.0)) % RTP_TIMESTAMP_MODULUS
    return replace(report, sender_info=replace(report.sender_info, rtp_timestamp=rtp))


def report_on_capture_clock(sender: RTCRtpSender, track: PacketTrack, log: HookLog) -> bool:
    """Make ``sender``'s SRs tell the capture clock of ``track``'s packets; False (SRs unchanged,
    noted in ``log``) when aiortc's internals differ."""
    if not log.require(CAPTURE_CLOCK_HOOK, sender, "_send_rtcp"):
        return False
    send_rtcp = sender._send_rtcp
    clock_rate_hz = RTP_CLOCK_HZ[track.kind]

    async def capture_clock_rtcp(packets: list[Any]) -> None:
        await send_rtcp([_on_capture_clock(p, track, clock_rate_hz)
                         if isinstance(p, RtcpSrPacket) else p for p in packets])

    return log.replace(CAPTURE_CLOCK_HOOK, sender, "_send_rtcp", capture_clock_rtcp)


def _signed32(value: int) -> int:
    return (value + (1 << 31)) % RTP_TIMESTAMP_MODULUS - (1 << 31)


class SenderReportLog:
    """The SRs of one receiver's media stream, handed out once on its media timeline."""

    def __init__(self, receiver: RTCRtpReceiver, log: HookLog) -> None:
        self._pending: list[tuple[float, int]] = []  # (sender wall clock ms, RTP timestamp)
        self._mapper = getattr(receiver, "_RTCRtpReceiver__timestamp_mapper", None)
        if not log.require(LOG_HOOK, receiver, "_RTCRtpReceiver__timestamp_mapper",
                           "_RTCRtpReceiver__rtx_ssrc", "_handle_rtcp_packet"):
            return
        rtx_ssrcs: dict[int, int] = receiver._RTCRtpReceiver__rtx_ssrc  # type: ignore[attr-defined]
        handle_rtcp = receiver._handle_rtcp_packet

        async def logged_rtcp(packet: Any) -> None:
            if isinstance(packet, RtcpSrPacket) and packet.ssrc not in rtx_ssrcs:
                self._pending.append((ntp_to_wallclock_ms(packet.sender_info.ntp_timestamp),
                                      packet.sender_info.rtp_timestamp))
            await handle_rtcp(packet)

        log.replace(LOG_HOOK, receiver, "_handle_rtcp_packet", logged_rtcp)

    def drain(self, time_base: fractions.Fraction) -> list[SenderReport]:
        """The SRs received since the last call, their RTP time as media time (s, decoded pts in
        ``time_base``); kept back until the receiver has decoded a first frame."""
        last, origin = getattr(self._mapper, "_last", None), getattr(self._mapper, "_origin", None)
        if last is None or origin is None:
            return []
        reports = [SenderReport(wallclock_ms=wall_ms,
                                media_s=float((_signed32(rtp - last) + last - origin) * time_base))
                   for wall_ms, rtp in self._pending]
        self._pending.clear()
        return reports
