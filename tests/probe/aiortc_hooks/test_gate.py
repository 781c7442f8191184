"""The gate in front of the aiortc/aioice hooks: every hook's internals present, notes when not,
and the loopback gathering scoped to the peer that asks for it."""

from __future__ import annotations

import ifaddr
import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCRtpReceiver

from probe.aiortc_hooks import HOOKS, HookLog, gate_problems, receiver_counters
from probe.aiortc_hooks.gate import Internal, version_problems
from probe.aiortc_hooks.loopback_gathering import loopback_only
from probe.check import CheckOptions, run_check
from probe.pattern.spec import PatternSpec

SMALL = PatternSpec(width=320, height=180, fps=30.0)


def test_every_hook_finds_its_internals_in_the_installed_aiortc() -> None:
    assert version_problems() == []
    for hook in HOOKS:
        assert hook.internals, hook.name
        assert hook.missing() == [], f"{hook.name}: {[str(i) for i in hook.missing()]}"
    assert gate_problems() == []
    assert len({hook.name for hook in HOOKS}) == len(HOOKS)


def test_internal_kinds_detect_what_is_gone() -> None:
    receiver = "aiortc.rtcrtpreceiver.RTCRtpReceiver"
    assert Internal(receiver, "_send_rtcp_pli").present()
    assert not Internal(receiver, "_send_rtcp_gone").present()
    assert Internal(receiver, "_RTCRtpReceiver__jitter_buffer", "field").present()
    assert not Internal(receiver, "_RTCRtpReceiver__no_such_field", "field").present()
    assert Internal("aioice.ice.Connection.gather_candidates", "get_host_addresses",
                    "called").present()
    assert not Internal("aioice.ice.Connection.gather_candidates", "socket", "called").present()
    assert not Internal("aiortc.no_such_module.Thing", "x").present()


def test_hook_log_notes_a_replacement_that_did_not_take_hold() -> None:
    class Slotted:
        __slots__ = ("method",)

        def __init__(self) -> None:
            self.method = None

    log = HookLog()
    assert not log.replace(receiver_counters.HOOK, Slotted(), "other", lambda: None)
    assert log.failed == ["receiver_counters"]
    (note,) = log.notes()
    assert "receiver_counters" in note and receiver_counters.HOOK.without_it in note


@pytest.mark.integration
async def test_a_missing_internal_fails_the_gate_and_is_noted_in_the_report(monkeypatch) -> None:
    # Removed for real from the installed aiortc's class; a clean loopback run never calls it.
    monkeypatch.delattr(RTCRtpReceiver, "_send_rtcp_nack")
    problems = gate_problems()
    assert any("'receiver_counters'" in p and "RTCRtpReceiver._send_rtcp_nack" in p
               for p in problems), problems
    report = await run_check(CheckOptions(duration_s=2, pattern=SMALL))
    assert report.video.frames > 30  # the check still ran
    notes = [n for n in report.notes if "receiver_counters" in n]
    assert notes and "_send_rtcp_nack" in notes[0]
    assert report.network.nacks is None and report.network.bitrate_kbps is None


def _host_candidates(pc: RTCPeerConnection) -> set[str]:
    return {line.split()[4] for line in pc.localDescription.sdp.splitlines()
            if line.startswith("a=candidate:") and " typ host" in line}


def _external_addresses() -> set[str]:
    return {ip.ip for adapter in ifaddr.get_adapters() for ip in adapter.ips
            if isinstance(ip.ip, str) and not ip.ip.startswith("127.")}


async def _gather(loopback: bool) -> set[str]:
    pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    try:
        pc.addTransceiver("video", direction="recvonly")
        with loopback_only(loopback):
            await pc.setLocalDescription(await pc.createOffer())
        return _host_candidates(pc)
    finally:
        await pc.close()


@pytest.mark.integration
async def test_loopback_check_then_remote_gathering_in_one_process() -> None:
    external = _external_addresses()
    if not external:
        pytest.skip("this machine has no non-loopback IPv4 address to gather on")
    report = await run_check(CheckOptions(duration_s=1, pattern=SMALL))
    assert report.video.frames > 10
    assert await _gather(loopback=True) == {"127.0.0.1"}
    # After a loopback check in this process, another peer gathers beyond 127.0.0.1.
    assert await _gather(loopback=False) & external
