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
import hmac
import logging
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from aiortc import RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.exceptions import OperationError

from probe.aiortc_hooks import (
    HookLog,
    dtls_ciphers,
    gate_problems,
    keyframe_requests,
    transport_cc,
)
from probe.aiortc_hooks.loopback_gathering import loopback_only
from probe.aiortc_hooks.media_consent import MediaConsent
from probe.aiortc_hooks.sender_reports import report_on_capture_clock
from probe.media.encoding import VideoEncoding
from probe.pattern.spec import PatternSpec
from probe.room.heap import give_back_freed_heap
from probe.room.impair import ImpairedLink, impair_peer_connection
from probe.room.impair_spec import ImpairSpec
from probe.room.limits import JoinRate, RoomLimits, valid_stream_name
from probe.room.stream import PublisherRelay, RoomStream
from probe.room.teardown import close_peer
from probe.signaling.ice_servers import peer_configuration
from probe.signaling.loopback import is_loopback_host, strip_non_loopback_candidates

log = logging.getLogger(__name__)

SDP_TYPE = "application/sdp"
VIEWER_PAGE = Path(__file__).with_name("static") / "view.html"
# A session whose peer never connects (it vanished after the POST) is closed after this.
SESSION_CONNECT_TIMEOUT_S = 20.0
# A publisher whose media stopped this long ago is gone: a new publish to its stream replaces it.
PUBLISHER_GONE_S = 3.0
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
    # False: each viewer's outages count from its own session's set-up. True: from the first
    # impaired viewer's, so every viewer loses the same moments (an outage of the sender's).
    impair_shared_clock: bool = False
    limits: RoomLimits = field(default_factory=RoomLimits)


@dataclass
class _Session:
    pc: RTCPeerConnection
    stream: RoomStream
    kind: str  # "whep" or "whip"
    relay: PublisherRelay | None = None
    watchdog: asyncio.TimerHandle | None = None
    link: ImpairedLink | None = None
    consent: MediaConsent | None = None  # a publisher's: when its media last arrived


class TestRoom:
    """The room server; use as ``async with TestRoom(config) as room: room.whep_url()``."""

    __test__ = False  # a product class, not a pytest test class

    def __init__(self, config: RoomConfig | None = None) -> None:
        self.config = config or RoomConfig()
        self._streams: dict[str, RoomStream] = {}
        self._sessions: dict[str, _Session] = {}
        self._runner: web.AppRunner | None = None
        self._join_rate = JoinRate(self.config.limits)
        self._background: set[asyncio.Task[None]] = set()  # session expiries under way
        self.port: int | None = None
        # On a loopback host every party is on this host: media stays on 127.0.0.1 too.
        self._loopback = is_loopback_host(self.config.host)
        self.hooks = HookLog()
        self._impair_origin_s: float | None = None  # loop s; see RoomConfig.impair_shared_clock

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Bind and serve; on a loopback host, media also stays on loopback."""
        for problem in gate_problems():
            log.warning("%s", problem)
        app = web.Application(client_max_size=self.config.limits.max_body_bytes)
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
        try:
            await site.start()
        except BaseException:
            await self.stop()
            raise
        self.port = self._runner.addresses[0][1]

    async def drop_sessions(self) -> None:
        """Close every session's peer connection, as an SFU dropping its viewers would."""
        await asyncio.gather(*(self._close_session(sid) for sid in list(self._sessions)))

    async def stop(self) -> None:
        """Close every peer connection and stream, then the HTTP server."""
        await self.drop_sessions()
        await asyncio.gather(*self._background, return_exceptions=True)
        await asyncio.gather(*(stream.close() for stream in self._streams.values()))
        self._streams.clear()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> TestRoom:
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

    @property
    def stream_count(self) -> int:
        """Streams that exist (an idle stream, without viewer or publisher, is dropped)."""
        return len(self._streams)

    # -- HTTP handlers ---------------------------------------------------------------------
    def _stream(self, name: str) -> RoomStream:
        if name not in self._streams:
            self._streams[name] = RoomStream(name, self.config.pattern, self.config.encoding)
        return self._streams[name]

    async def _drop_if_idle(self, stream: RoomStream) -> None:
        """Close and forget a stream nobody watches or publishes (its encoder goes with it)."""
        if stream.viewers == 0 and stream.publisher is None and \
                self._streams.get(stream.name) is stream:
            del self._streams[stream.name]
            await stream.close()

    def _authorized(self, request: web.Request) -> bool:
        """The bearer token matches (the scheme is case-insensitive, RFC 7235 section 2.1)."""
        if self.config.token is None:
            return True
        scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            credentials.strip().encode(), self.config.token.encode())

    def _refusal(self, request: web.Request, name: str) -> web.Response | None:
        """Why a join is refused before anything is created (None: go on)."""
        if not valid_stream_name(name):
            return _text(400, "the stream name must be 1-64 of A-Z a-z 0-9 . _ ~ -")
        if not self._join_rate.allow(request.remote or ""):
            return _text(429, "too many joins from this address; retry later",
                         {"Retry-After": str(self._join_rate.retry_after_s())})
        if not self._authorized(request):
            return _text(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
        limits = self.config.limits
        full = ("the room is full: "
                f"{limits.max_sessions} sessions" if len(self._sessions) >= limits.max_sessions
                else f"stream {name!r} is full: {limits.max_sessions_per_stream} sessions"
                if sum(s.stream.name == name for s in self._sessions.values())
                >= limits.max_sessions_per_stream
                else f"the room has its maximum of {limits.max_streams} streams"
                if name not in self._streams and len(self._streams) >= limits.max_streams
                else None)
        if full is not None:
            return _text(503, f"{full}; retry when someone leaves", {"Retry-After": "5"})
        if request.content_type != SDP_TYPE:
            return _text(415, f"the offer must be sent as {SDP_TYPE}")
        return None

    async def _join(self, request: web.Request) -> web.Response:
        kind, name = request.match_info["kind"], request.match_info["stream"]
        refusal = self._refusal(request, name)
        if refusal is not None:
            return refusal
        try:
            offer_sdp = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            return _text(400, "the offer is not UTF-8 text")
        if "m=" not in offer_sdp:
            return _text(400, "the body is not an SDP offer")
        if self._loopback:
            offer_sdp = strip_non_loopback_candidates(offer_sdp)
        stream = self._stream(name)
        if kind == "whip" and stream.publisher is not None and not await self._replace_gone(stream):
            return _text(409, f"stream {name!r} already has a publisher, still sending; one "
                              f"silent for {PUBLISHER_GONE_S:g} s is replaced by a new publish")
        pc = RTCPeerConnection(peer_configuration())  # host candidates only, no STUN server
        session_id = uuid.uuid4().hex
        session = _Session(pc=pc, stream=stream, kind=kind)
        self._sessions[session_id] = session
        try:
            answer = await self._negotiate(session_id, session, offer_sdp)
        except BaseException:
            # Whatever failed (a rejected offer, a client that hung up: the handler is
            # cancelled), the session, its peer, tracks and the stream's encoder go with it.
            await asyncio.shield(self._close_session(session_id))
            raise
        if isinstance(answer, web.Response):
            await self._close_session(session_id)
            return answer
        session.watchdog = asyncio.get_running_loop().call_later(
            SESSION_CONNECT_TIMEOUT_S, self._expire_unconnected, session_id)
        location = f"/{kind}/{name}/{session_id}"
        return web.Response(status=201, text=answer, content_type=SDP_TYPE,
                            headers={**CORS_HEADERS, "Location": location})

    async def _negotiate(self, session_id: str, session: _Session,
                         offer_sdp: str) -> str | web.Response:
        """Apply the offer to the session's peer; the answer SDP, or a 400 to send instead."""
        pc, stream, kind = session.pc, session.stream, session.kind
        dtls_ciphers.install(pc, self.hooks)
        # A publisher's estimator ramps on transport-cc feedback, as it does into a browser.
        feedback = transport_cc.install(pc, self.hooks) if kind == "whip" else None
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
                for transceiver in pc.getTransceivers() if feedback is not None else ():
                    feedback.attach(transceiver.receiver)
                session.relay = await stream.attach_publisher(incoming)
            with loopback_only(self._loopback):
                await pc.setLocalDescription(await pc.createAnswer())
            if kind == "whip":
                session.consent = MediaConsent()
                session.consent.install(pc, self.hooks)
            if kind == "whep" and self.config.impair is not None and not self.config.impair.is_clean:
                session.link = impair_peer_connection(pc, self.config.impair, self.hooks,
                                                      self._impair_origin_s)
                if self.config.impair_shared_clock and self._impair_origin_s is None:
                    self._impair_origin_s = session.link.started_s
        except OperationError as err:
            return _text(400, f"cannot use this offer: {err} (this room sends "
                              f"{stream.encoding.codec.upper()} video and Opus audio)")
        except Exception as err:  # noqa: BLE001 - aiortc's SDP parser raises any kind
            log.info("session %s: offer rejected: %s: %s", session_id[:8],
                     type(err).__name__, err)
            return _text(400, f"cannot use this offer: {type(err).__name__}: {err}"[:300])
        return pc.localDescription.sdp

    def _prepare_viewer(self, pc: RTCPeerConnection, stream: RoomStream) -> None:
        """Send-only transceivers carrying the stream, created before the offer is applied.

        aiortc negotiates codecs when the offer is applied, from the preferences of the
        transceiver it matches; so the video one must exist, limited to the room's codec, first.
        """
        wanted = "video/VP8" if stream.encoding.codec == "vp8" else "video/H264"
        for kind in ("video", "audio"):
            track = stream.subscribe(kind)
            transceiver = pc.addTransceiver(track, direction="sendonly")
            report_on_capture_clock(transceiver.sender, track, self.hooks)
            if kind == "video":
                transceiver.setCodecPreferences(
                    [c for c in RTCRtpSender.getCapabilities("video").codecs
                     if c.mimeType in (wanted, "video/rtx")])
                keyframe_requests.install(transceiver.sender, stream.video.keyframe_requested.set,
                                          self.hooks)

    async def _leave(self, request: web.Request) -> web.Response:
        if not self._authorized(request):
            return _text(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
        session_id = request.match_info["session"]
        session = self._sessions.get(session_id)
        if session is None or (session.kind, session.stream.name) != (
                request.match_info["kind"], request.match_info["stream"]):
            return _text(404, "no such session")
        await self._close_session(session_id)
        return web.Response(status=200, headers=CORS_HEADERS)

    async def _replace_gone(self, stream: RoomStream) -> bool:
        """Close the stream's publisher session if its media stopped (a publisher killed
        without DELETE); True when the stream is free for a new publisher."""
        for session_id, session in list(self._sessions.items()):
            if session.relay is not None and session.relay is stream.publisher:
                consent = session.consent
                silent_s = time.monotonic() - consent.last_media_s if consent else 0.0
                if silent_s < PUBLISHER_GONE_S:
                    return False
                log.info("stream %r: publisher %s sent no media for %.1f s; a new publish "
                         "replaces it", stream.name, session_id[:8], silent_s)
                await self._close_session(session_id)
        return stream.publisher is None

    def _expire_unconnected(self, session_id: str) -> None:
        session = self._sessions.get(session_id)
        if session is not None and session.pc.connectionState != "connected":
            task = asyncio.ensure_future(self._close_session(session_id))
            self._background.add(task)
            task.add_done_callback(self._background.discard)

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
        await close_peer(session.pc)
        await session.stream.release_if_idle()
        await self._drop_if_idle(session.stream)
        if not self._sessions:
            give_back_freed_heap()

    async def _no_trickle(self, request: web.Request) -> web.Response:
        return _text(405, "trickle ICE is not supported; send all candidates in the offer",
                     {"Allow": "POST, DELETE"})

    async def _preflight(self, request: web.Request) -> web.Response:
        return web.Response(status=204, headers=CORS_HEADERS)

    async def _health(self, request: web.Request) -> web.Response:
        streams = {name: {"viewers": s.viewers, "publishing": s.publisher is not None,
                          "source_switches": s.source_switches}
                   for name, s in self._streams.items()}
        connected = sum(s.pc.connectionState == "connected" for s in self._sessions.values())
        return web.json_response(
            {"streams": streams, "sessions": len(self._sessions), "connected": connected,
             "hook_failures": self.hooks.failed,
             # What a long-running room holds (bench/bench_room_churn.py): besides this
             # request's own task, and this process's threads.
             "tasks": len(asyncio.all_tasks()) - 1, "threads": threading.active_count()},
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
