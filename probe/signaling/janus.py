"""Janus VideoRoom: watch a room's publisher, or publish into a room, through Janus's HTTP API.

URL form: ``janus://HOST[:PORT][/BASE]/ROOM[?feed=ID]`` (``janus+https://`` for TLS). PORT
defaults to Janus's 8088 (8089 with TLS), BASE to ``/janus``; ``feed`` picks a publisher, else
the first publishing one is watched. Room and feed ids are numbers, or strings on servers run with
``string_ids``.

The VideoRoom plugin (Janus docs, "VideoRoom plugin", multistream API of Janus >= 1.0):
- a viewer checks the room (``exists``), polls ``listparticipants`` until a publisher is there,
  joins as ``ptype: subscriber`` to its ``streams``; Janus sends the SDP *offer* (event
  ``attached``), the viewer answers with ``start``;
- a publisher joins as ``ptype: publisher`` and sends its offer with ``publish``; Janus answers
  (event ``configured``);
- both ``leave``, then the handle is detached and the session destroyed, on every exit path.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from aiortc import RTCIceServer, RTCPeerConnection, RTCSessionDescription

from metrics.report import Protocol as ReportProtocol
from probe.aiortc_hooks.loopback_gathering import loopback_only
from probe.errors import InputError, MediaTimeout, SignalingError
from probe.signaling.janus_api import CLOSE_TIMEOUT_S, JanusSession
from probe.signaling.loopback import (
    is_loopback_host,
    is_loopback_url,
    strip_non_loopback_candidates,
)

VIDEOROOM = "janus.plugin.videoroom"
SCHEMES = {"janus": "http", "janus+http": "http", "janus+https": "https"}
DEFAULT_PORTS = {"http": 8088, "https": 8089}  # Janus's janus.transport.http.jcfg defaults
DEFAULT_BASE_PATH = "/janus"
PUBLISHER_POLL_S = 0.5
PUBLISHER_DISPLAY = "streamprobe"
CANDIDATE_ADDRESS = re.compile(r"^a=candidate:\S+ \d+ \S+ \d+ (\S+) ", re.MULTILINE)

RoomId = int | str


@dataclass(frozen=True)
class JanusTarget:
    """Where a ``janus://`` URL points: the HTTP API root, the room and, optionally, the feed."""

    api_url: str
    room: RoomId
    feed: RoomId | None = None


def _room_id(text: str) -> RoomId:
    return int(text) if text.isdigit() else text


def parse_janus_url(url: str) -> JanusTarget:
    """Parse ``janus://HOST[:PORT][/BASE]/ROOM[?feed=ID]``; a malformed URL is an ``InputError``."""
    parts = urlsplit(url)
    scheme = SCHEMES.get(parts.scheme)
    segments = [s for s in parts.path.split("/") if s]
    if scheme is None or not parts.hostname or not segments:
        raise InputError(f"cannot use {url!r}: a Janus room URL looks like "
                         "janus://HOST:PORT/ROOM or janus://HOST:PORT/ROOM?feed=ID")
    query = dict(parse_qsl(parts.query))
    unknown = set(query) - {"feed"}
    if unknown:
        raise InputError(f"cannot use {url!r}: unknown parameter {sorted(unknown)[0]!r} "
                         "(a Janus room URL takes only ?feed=ID)")
    base = "/" + "/".join(segments[:-1]) if len(segments) > 1 else DEFAULT_BASE_PATH
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = parts.port or DEFAULT_PORTS[scheme]
    feed = query.get("feed")
    return JanusTarget(api_url=f"{scheme}://{host}:{port}{base}", room=_room_id(segments[-1]),
                       feed=_room_id(feed) if feed else None)


def _keep_loopback_candidates(sdp: str) -> str:
    """Drop non-loopback candidates, unless Janus offered no loopback one at all.

    A Janus on this host usually advertises only its LAN address (it never gathers on loopback
    interfaces, src/ice.c); that address is local too, so it is kept rather than left with none.
    """
    if any(is_loopback_host(address) for address in CANDIDATE_ADDRESS.findall(sdp)):
        return strip_non_loopback_candidates(sdp)
    return sdp


class _RoomMember:
    """What viewer and publisher share: the Janus session, the room check, leaving."""

    protocol: ReportProtocol = "janus"

    def __init__(self, url: str, token: str | None = None,
                 ice_servers: tuple[RTCIceServer, ...] = ()) -> None:
        self.url = url
        self._ice_servers = ice_servers
        self.target = parse_janus_url(url)
        self._janus = JanusSession(self.target.api_url, VIDEOROOM, token)
        self._joined = False
        self._loopback = is_loopback_url(url)

    @property
    def failure(self) -> SignalingError | None:
        """Set when Janus dropped the session during the run (``Signaling.failure``)."""
        return self._janus.lost

    async def ice_servers(self, timeout_s: float) -> tuple[RTCIceServer, ...]:
        """The user's ICE servers (Janus's HTTP API names none)."""
        return self._ice_servers

    def notes(self) -> tuple[str, ...]:
        return ()

    async def _enter_room(self, timeout_s: float) -> None:
        """Open the session and check that the room exists (naming the rooms there if not)."""
        await self._janus.open(timeout_s)
        room = self.target.room
        reply = await self._janus.ask({"request": "exists", "room": room}, timeout_s)
        if not reply.get("exists"):
            listed = await self._janus.ask({"request": "list"}, timeout_s)
            rooms = ", ".join(str(r["room"]) for r in listed.get("list", [])) or "none"
            raise SignalingError(f"Janus at {self.target.api_url} has no VideoRoom room "
                                 f"{room!r} (public rooms there: {rooms}); check the room in "
                                 "the URL")

    async def _apply_remote(self, pc: RTCPeerConnection, jsep: dict | None, kind: str) -> None:
        if jsep is None or jsep.get("type") != kind:
            raise SignalingError(f"Janus at {self.target.api_url} sent no SDP {kind}")
        sdp = _keep_loopback_candidates(jsep["sdp"]) if self._loopback else jsep["sdp"]
        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp, kind))
        except (ValueError, TypeError) as err:
            raise SignalingError(f"the SDP {kind} from Janus at {self.target.api_url} cannot "
                                 f"be used: {err}") from err

    async def close(self) -> None:
        """Leave the room, detach, destroy the session; bounded, never raises."""
        if self._joined:
            self._joined = False
            with contextlib.suppress(SignalingError):
                await self._janus.call({"request": "leave"}, CLOSE_TIMEOUT_S)
        await self._janus.close()


class JanusViewer(_RoomMember):
    """Joins a VideoRoom as a subscriber to one publisher (``Signaling`` for ``Viewer``)."""

    async def negotiate(self, pc: RTCPeerConnection, timeout_s: float) -> None:
        """Find the feed, subscribe, answer Janus's offer; waits up to ``timeout_s`` per step.

        The viewer's own recvonly transceivers are reused for Janus's m-lines (aiortc matches
        them by kind when the remote offer is applied).
        """
        await self._enter_room(timeout_s)
        feed = await self._wait_for_feed(timeout_s)
        _, offer = await self._janus.call({"request": "join", "ptype": "subscriber",
                                           "room": self.target.room,
                                           "streams": [{"feed": feed}]}, timeout_s)
        self._joined = True
        await self._apply_remote(pc, offer, "offer")
        with loopback_only(self._loopback):
            await pc.setLocalDescription(await pc.createAnswer())
        await self._janus.call({"request": "start"}, timeout_s,
                               jsep={"type": "answer", "sdp": pc.localDescription.sdp})

    async def _wait_for_feed(self, timeout_s: float) -> RoomId:
        """The chosen feed (or the first publisher) once publishing; polls ``listparticipants``."""
        wanted, room = self.target.feed, self.target.room
        deadline_s = time.monotonic() + timeout_s
        while True:
            reply = await self._janus.ask({"request": "listparticipants", "room": room},
                                          timeout_s)
            publishing = [p["id"] for p in reply.get("participants", []) if p.get("publisher")]
            if wanted is None and publishing:
                return publishing[0]
            if wanted is not None and wanted in publishing:
                return wanted
            if time.monotonic() >= deadline_s:
                break
            await asyncio.sleep(PUBLISHER_POLL_S)
        if wanted is None:
            raise MediaTimeout(f"nobody published in Janus room {room!r} at "
                               f"{self.target.api_url} within {timeout_s:g} s; start the "
                               "publisher first, or raise --timeout")
        others = ", ".join(str(p) for p in publishing) or "none"
        raise MediaTimeout(f"feed {wanted!r} did not publish in Janus room {room!r} within "
                           f"{timeout_s:g} s (publishing: {others}); check ?feed= in the URL")


class JanusPublisher(_RoomMember):
    """Publishes a peer connection's tracks into a VideoRoom (``Signaling`` for publishers)."""

    feed: RoomId | None = None

    async def negotiate(self, pc: RTCPeerConnection, timeout_s: float) -> None:
        """Join as publisher, send ``pc``'s offer with ``publish``, apply Janus's answer.

        Afterwards ``feed`` is this publisher's id in the room (what viewers subscribe to).
        """
        await self._enter_room(timeout_s)
        joined, _ = await self._janus.call({"request": "join", "ptype": "publisher",
                                            "room": self.target.room,
                                            "display": PUBLISHER_DISPLAY}, timeout_s)
        self._joined = True
        self.feed = joined.get("id")
        with loopback_only(self._loopback):
            await pc.setLocalDescription(await pc.createOffer())
        _, answer = await self._janus.call({"request": "publish"}, timeout_s,
                                           jsep={"type": "offer", "sdp": pc.localDescription.sdp})
        await self._apply_remote(pc, answer, "answer")

    def viewer_url(self) -> str:
        """The ``janus://`` URL that watches this publisher (its room, ``?feed=`` its id)."""
        return f"{self.url.split('?', 1)[0]}?feed={self.feed}"
