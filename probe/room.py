"""The built-in test room: a WHIP/WHEP server on aiohttp (``streamprobe serve``).

- ``POST /whep/{stream}`` with an SDP offer (``application/sdp``): a viewer joins; ``201``, the SDP
  answer and a ``Location`` to ``DELETE`` when leaving (WHEP, draft-ietf-wish-whep).
- ``POST /whip/{stream}``: a publisher sends media into the stream; same exchange (WHIP, RFC 9725).
- ``GET /health``: JSON with streams, viewers and publishers.

A stream nobody publishes plays the stamped test pattern. Trickle ICE (``PATCH``) is not
supported: both ends gather candidates before the exchange, and ``PATCH`` answers 405.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path
from dataclasses import dataclass, field

from aiohttp import web
from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.exceptions import OperationError

from probe.loopback_ice import is_loopback_host, loopback_ice_enabled, set_loopback_ice, \
    strip_non_loopback_candidates
from probe.impair import ImpairedLink, impair_peer_connection
from probe.impair_spec import ImpairSpec
from probe.pattern import PatternSpec
from probe.video_encoding import VideoEncoding
from probe.room_stream import PublisherRelay, RoomStream
from probe.sender_reports import report_on_capture_clock

log = logging.getLogger(__name__)

SDP_TYPE = "application/sdp"
VIEWER_PAGE = Path(__file__).with_name("static") / "view.html"
# A session whose peer never connects (it vanished after the POST) is closed after this.
SESSION_CONNECT_TIMEOUT_S = 20.0
DEFAULT_STREAM = "pattern"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "POST, DELETE, PATCH, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match",
    "Access-Control-Expose-Headers": "Location, ETag, Link",
}


@dataclass(frozen=True)
class RoomConfig:
    """Where the room listens and what its pattern looks like."""

    host: str = "127.0.0.1"
    port: int = 0  # 0: a free port chosen by the OS
    pattern: PatternSpec = field(default_factory=PatternSpec)
    encoding: VideoEncoding = field(default_factory=VideoEncoding)
    token: str | None = None
    impair: ImpairSpec | None = None  # applied to what the room sends each viewer


@dataclass
class _Session:
    pc: RTCPeerConnection
    stream: RoomStream
    role: str  # "viewer" or "publisher"
    relay: PublisherRelay | None = None
    watchdog: asyncio.TimerHandle | None = None
    link: ImpairedLink | None = None


class TestRoom:
    """The room server; use as ``async with TestRoom(config) as room: room.whep_url()``."""

    __test__ = False  # a product class, not a pytest test class

    def __init__(self, config: RoomConfig | None = None) -> None:
        self.config = config or RoomConfig()
        self._streams: dict[str, RoomStream] = {}
        self._sessions: dict[str, _Session] = {}
        self._runner: web.AppRunner | None = None
        self.port: int | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind and serve; on a loopback host, media also stays on loopback."""
        if is_loopback_host(self.config.host):
            set_loopback_ice(True)
        app = web.Application()
        app.add_routes([
            web.get("/", self._index),
            web.get("/health", self._health),
            web.get("/view/{stream}", self._viewer_page),
            web.post("/{kind:whep|whip}/{stream}", self._join),
            web.delete("/{kind:whep|whip}/{stream}/{session}", self._leave),
            web.patch("/{kind:whep|whip}/{stream}/{session}", self._no_trickle),
            web.options("/{kind:whep|whip}/{tail:.*}", self._preflight),
        ])
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.config.host, self.config.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        """Close every peer connection and stream, then the HTTP server."""
        await asyncio.gather(*(self._close_session(sid) for sid in list(self._sessions)))
        await asyncio.gather(*(stream.close() for stream in self._streams.values()))
        self._streams.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "TestRoom":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def base_url(self) -> str:
        host = self.config.host if self.config.host not in ("0.0.0.0", "::") else "127.0.0.1"
        return f"http://{host}:{self.port}"

    def whep_url(self, stream: str = DEFAULT_STREAM) -> str:
        return f"{self.base_url()}/whep/{stream}"

    def whip_url(self, stream: str = DEFAULT_STREAM) -> str:
        return f"{self.base_url()}/whip/{stream}"

    @property
    def session_count(self) -> int:
        return len(self._sessions)

    # -- HTTP handlers ---------------------------------------------------------------------
    def _stream(self, name: str) -> RoomStream:
        if name not in self._streams:
            self._streams[name] = RoomStream(name, self.config.pattern, self.config.encoding)
        return self._streams[name]

    def _authorized(self, request: web.Request) -> bool:
        return (self.config.token is None
                or request.headers.get("Authorization") == f"Bearer {self.config.token}")

    async def _join(self, request: web.Request) -> web.Response:
        kind, name = request.match_info["kind"], request.match_info["stream"]
        if not self._authorized(request):
            return _text(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
        if request.content_type != SDP_TYPE:
            return _text(415, f"the offer must be sent as {SDP_TYPE}")
        offer_sdp = await request.text()
        if "m=" not in offer_sdp:
            return _text(400, "the body is not an SDP offer")
        if loopback_ice_enabled():
            offer_sdp = strip_non_loopback_candidates(offer_sdp)
        stream = self._stream(name)
        if kind == "whip" and stream.publisher is not None:
            return _text(409, f"stream {name!r} already has a publisher")
        pc = RTCPeerConnection()
        session_id = uuid.uuid4().hex
        session = _Session(pc=pc, stream=stream, role="viewer" if kind == "whep" else "publisher")
        self._sessions[session_id] = session
        incoming = []
        pc.on("track", incoming.append)

        @pc.on("connectionstatechange")
        async def _on_state() -> None:
            if pc.connectionState in ("failed", "closed"):
                await self._close_session(session_id)

        try:
            if kind == "whep":
                self._prepare_viewer(pc, stream)
            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            if kind == "whep":
                _stop_unanswered_tracks(pc)
            else:
                session.relay = await stream.attach_publisher(incoming)
            await pc.setLocalDescription(await pc.createAnswer())
            if kind == "whep" and self.config.impair is not None and not self.config.impair.is_clean:
                session.link = impair_peer_connection(pc, self.config.impair)
        except OperationError as err:
            await self._close_session(session_id)
            return _text(400, f"cannot use this offer: {err} (this room sends "
                              f"{stream.encoding.codec.upper()} video and Opus audio)")
        except (ValueError, TypeError) as err:
            await self._close_session(session_id)
            return _text(400, f"cannot use this offer: {err}")
        session.watchdog = asyncio.get_running_loop().call_later(
            SESSION_CONNECT_TIMEOUT_S, self._expire_unconnected, session_id)
        location = f"/{kind}/{name}/{session_id}"
        return web.Response(status=201, text=pc.localDescription.sdp, content_type=SDP_TYPE,
                            headers={**CORS_HEADERS, "Location": location})

    def _prepare_viewer(self, pc: RTCPeerConnection, stream: RoomStream) -> None:
        """Send-only transceivers carrying the stream, created before the offer is applied.

        aiortc negotiates codecs when the offer is applied, from the preferences of the
        transceiver it matches; so the video one must exist, limited to the room's codec, first.
        """
        wanted = "video/VP8" if stream.encoding.codec == "vp8" else "video/H264"
        for kind in ("video", "audio"):
            track = stream.subscribe(kind)
            transceiver = pc.addTransceiver(track, direction="sendonly")
            report_on_capture_clock(transceiver.sender, track)
            if kind == "video":
                transceiver.setCodecPreferences(
                    [c for c in RTCRtpSender.getCapabilities("video").codecs
                     if c.mimeType in (wanted, "video/rtx")])
                stream.video.wire_keyframe_requests(transceiver.sender)

    async def _leave(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _text(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
        session_id = request.match_info["session"]
        if session_id not in self._sessions:
            return _text(404, "no such session")
        await self._close_session(session_id)
        return web.Response(status=200, headers=CORS_HEADERS)

    def _expire_unconnected(self, session_id: str) -> None:
        session = self._sessions.get(session_id)
        if session is not None and session.pc.connectionState != "connected":
            asyncio.ensure_future(self._close_session(session_id))

    async def _close_session(self, session_id: str) -> None:
        session = self._sessions.pop(session_id, None)
        if session is None:
            return
        if session.watchdog is not None:
            session.watchdog.cancel()
        for sender in session.pc.getSenders():
            if sender.track is not None:
                sender.track.stop()
        if session.relay is not None:
            await session.stream.detach_publisher(session.relay)
        await session.pc.close()
        await session.stream.release_if_idle()

    async def _no_trickle(self, request: web.Request) -> web.Response:
        return _text(405, "trickle ICE is not supported; send all candidates in the offer",
                     {"Allow": "POST, DELETE"})

    async def _preflight(self, request: web.Request) -> web.Response:
        return web.Response(status=204, headers=CORS_HEADERS)

    async def _health(self, request: web.Request) -> web.Response:
        streams = {name: {"viewers": s.viewers, "publishing": s.publisher is not None}
                   for name, s in self._streams.items()}
        connected = sum(s.pc.connectionState == "connected" for s in self._sessions.values())
        return web.json_response(
            {"streams": streams, "sessions": len(self._sessions), "connected": connected},
            headers=CORS_HEADERS)

    async def _viewer_page(self, request: web.Request) -> web.Response:
        """A browser WHEP viewer for a stream (open http://localhost:PORT/view/STREAM)."""
        return web.FileResponse(VIEWER_PAGE)

    async def _index(self, request: web.Request) -> web.Response:
        spec = self.config.pattern
        return web.Response(
            text=(f"streamprobe test room\nWHEP: {self.whep_url()}\nWHIP: {self.whip_url()}\n"
                  f"browser: {self.base_url()}/view/{DEFAULT_STREAM}\n"
                  f"pattern: {spec.width}x{spec.height}@{spec.fps:g} "
                  f"{self.config.encoding.codec} {self.config.encoding.bitrate_kbps} kbps\n"),
            headers=CORS_HEADERS)


def _stop_unanswered_tracks(pc: RTCPeerConnection) -> None:
    """Release tracks of transceivers the offer did not ask for (e.g. no audio m-line)."""
    for transceiver in pc.getTransceivers():
        if transceiver.mid is None and transceiver.sender.track is not None:
            transceiver.sender.track.stop()


def _text(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, text=message + "\n", headers={**CORS_HEADERS, **(headers or {})})
