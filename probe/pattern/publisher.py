"""Publishes the stamped test pattern into a server: WHIP (RFC 9725) or a Janus VideoRoom.

The publisher is the test room's pattern source (``probe.pattern.source``) with its encoder
(``probe.media.encoders``): frames are rendered and stamped with this host's wall clock, encoded once
with PyAV, and sent as pre-encoded packets on a sendonly peer connection. A viewer in the same
process (``check --publish URL --view URL``) reads the stamps with the same clock: true
glass-to-glass latency through whatever server sits in between. The signaling adapter is picked
by URL scheme (``probe.signaling.open_publisher_signaling``): ``http(s)://`` is WHIP, ``janus://``
a VideoRoom.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiortc import RTCPeerConnection, RTCRtpSender

from probe.aiortc_hooks import HookLog, dtls_ciphers, keyframe_requests
from probe.errors import InputError, MediaTimeout
from probe.media.broadcast import Broadcast
from probe.media.encoders import VideoEncodePipeline
from probe.media.encoding import VideoEncoding
from probe.pattern.source import PatternSource
from probe.pattern.spec import PatternSpec
from probe.signaling import Signaling
from probe.signaling.ice_servers import peer_configuration
from probe.signaling.janus import JanusPublisher

CODEC_MIME = {"vp8": "video/VP8", "h264": "video/H264"}


class PatternPublisher:
    """The stamped pattern, published through ``signaling`` while the context is open.

    ``async with PatternPublisher(signaling, spec, encoding).running(timeout_s):`` returns once
    the WebRTC connection is up and frames flow; leaving stops media, signaling and the peer.
    """

    def __init__(self, signaling: Signaling, spec: PatternSpec, encoding: VideoEncoding) -> None:
        self.signaling = signaling
        self.spec = spec
        self.encoding = encoding
        self._hooks = HookLog()
        self._video = Broadcast("video")
        self._audio = Broadcast("audio")
        self._source = PatternSource(spec, VideoEncodePipeline(encoding, spec.fps, self._video),
                                     self._audio)

    @contextlib.asynccontextmanager
    async def running(self, timeout_s: float) -> AsyncIterator["PatternPublisher"]:
        """Publish: negotiate, wait (``timeout_s``) for the connection, then send the pattern."""
        pc = RTCPeerConnection(peer_configuration(await self.signaling.ice_servers(timeout_s)))
        try:
            dtls_ciphers.install(pc, self._hooks)
            self._add_tracks(pc)
            settled = asyncio.Event()

            @pc.on("connectionstatechange")
            def _state() -> None:
                if pc.connectionState in ("connected", "failed", "closed"):
                    settled.set()

            await self.signaling.negotiate(pc, timeout_s)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout_s):
                    await settled.wait()
            if pc.connectionState != "connected":
                raise MediaTimeout(f"publishing to {self.signaling.url}: no WebRTC connection "
                                   f"within {timeout_s:g} s (ICE/DTLS); check that UDP reaches "
                                   "the server")
            # Started only now, so the first packet the sender takes is a fresh keyframe.
            self._source.start()
            yield self
        finally:
            await self.signaling.close()
            await pc.close()
            await self._source.stop()
            self._video.close()
            self._audio.close()

    def _add_tracks(self, pc: RTCPeerConnection) -> None:
        """Sendonly video (only the pattern's codec offered) and audio, fed by the broadcasts."""
        video = pc.addTransceiver(self._video.subscribe(), direction="sendonly")
        wanted = CODEC_MIME[self.encoding.codec]
        video.setCodecPreferences([c for c in RTCRtpSender.getCapabilities("video").codecs
                                   if c.mimeType in (wanted, "video/rtx")])
        keyframe_requests.install(video.sender, self._video.keyframe_requested.set, self._hooks)
        pc.addTransceiver(self._audio.subscribe(), direction="sendonly")

    @property
    def names_its_viewer(self) -> bool:
        """Whether the server tells where to watch what is published (a Janus room does)."""
        return isinstance(self.signaling, JanusPublisher)

    def viewer_url(self) -> str:
        """Where to watch what is published, once running (Janus: the room, ``?feed=`` ours)."""
        if not isinstance(self.signaling, JanusPublisher):
            raise InputError(f"{self.signaling.url} does not say where to watch what is "
                             "published to it; give a viewer URL")
        return self.signaling.viewer_url()
