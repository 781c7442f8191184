"""A real Janus (Debian's ``janus``) for the tests: loopback only, generated config, always stopped.

The config is generated in a temporary folder from what the installed one says (where plugins and
transports live): the HTTP API and the admin API (with a secret) bound to 127.0.0.1 on free ports,
only the HTTP transport (and WebSockets, for janus-whep-server) and the VideoRoom plugin loaded, no STUN/TURN, and ICE gathered on the
loopback interface only (``ice_enforce_list = "lo"`` with the preloaded loopback shim, since Janus
itself skips loopback interfaces). The admin API tells the tests which sessions and handles exist.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import re
import secrets
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp

from tests.conftest import free_port
from tests.support.loopback_only import loopback_only_env

JANUS = "janus"
INSTALLED_CONFIG = Path("/etc/janus/janus.jcfg")
FOLDER_KEYS = ("plugins_folder", "transports_folder", "events_folder", "loggers_folder")
KEEP = {"plugins_folder": {"libjanus_videoroom.so"}, "transports_folder": {"libjanus_http.so"}}
WEBSOCKETS = "libjanus_websockets.so"  # for janus-whep-server, which speaks Janus over WebSocket
STREAMING = "libjanus_streaming.so"
STREAMING_MOUNTPOINT = 1
CONFIG_SECTION = {"plugins_folder": "plugins", "transports_folder": "transports",
                  "events_folder": "events", "loggers_folder": "loggers"}
# Janus's last start-up line; then /janus/info must answer (the core registers the transport
# just after printing it).
READY_LINE = "JANUS REST (HTTP/HTTPS) transport plugin initialized!"
READY_POLL_S = 0.05
START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 10.0
ADMIN_TIMEOUT_S = 5.0
LOG_LINES_KEPT = 200


@dataclass(frozen=True)
class JanusConfig:
    """What the test needs from Janus: rooms, session timeout (s), room bitrate cap, tokens."""

    rooms: tuple[int, ...] = (1234,)
    session_timeout_s: int = 60
    room_bitrate_bps: int = 1_500_000
    token_auth: bool = False  # clients need a token added through the admin API
    websockets: bool = False  # also the WebSocket transport (JanusServer.ws_url)
    # A Streaming plugin mountpoint (id 1) fed by plain RTP on these (video H.264, audio Opus)
    # ports of 127.0.0.1.
    streaming_rtp_ports: tuple[int, int] | None = None


def _installed_folders() -> dict[str, Path]:
    """Where the installed Janus keeps its plugins, transports, event handlers and loggers."""
    text = INSTALLED_CONFIG.read_text()
    found = {}
    for key in FOLDER_KEYS:
        match = re.search(rf'^\s*{key}\s*=\s*"([^"]+)"', text, re.MULTILINE)
        if match:
            found[key] = Path(match.group(1))
    return found


def _library_sections(folders: dict[str, Path], config: JanusConfig) -> str:
    """Plugin, transport, event and logger sections: all disabled but HTTP (and WebSockets,
    Streaming when asked for) and VideoRoom."""
    extra = ({WEBSOCKETS} if config.websockets else set()) | (
        {STREAMING} if config.streaming_rtp_ports else set())
    sections = []
    for key, folder in folders.items():
        lines = ["broadcast = false"] if key == "events_folder" else []
        keep = KEEP.get(key, set()) | extra
        unwanted = sorted(p.name for p in folder.glob("libjanus_*.so") if p.name not in keep)
        if unwanted:
            lines.append(f'disable = "{",".join(unwanted)}"')
        body = "".join(f"\t{line}\n" for line in lines)
        sections.append(f"{CONFIG_SECTION[key]}: {{\n{body}}}")
    return "\n".join(sections)


def write_config(folder: Path, config: JanusConfig, port: int, admin_port: int,
                 admin_secret: str, ws_port: int = 0) -> Path:
    """Write janus.jcfg, the HTTP (and WebSocket) transport's and the VideoRoom's configs;
    returns janus.jcfg."""
    folders = _installed_folders()
    folder_lines = "\n".join(f'\t{key} = "{path}"' for key, path in folders.items())
    (folder / "janus.jcfg").write_text(f"""general: {{
\tconfigs_folder = "{folder}"
{folder_lines}
\tdebug_level = 4
\tadmin_secret = "{admin_secret}"
\tinterface = "127.0.0.1"
\tsession_timeout = {config.session_timeout_s}
\ttoken_auth = {str(config.token_auth).lower()}
\thide_dependencies = true
}}
media: {{
\tipv6 = false
}}
nat: {{
\tice_enforce_list = "lo"
\tignore_mdns = true
}}
{_library_sections(folders, config)}
""")
    if config.websockets:
        (folder / "janus.transport.websockets.jcfg").write_text(f"""general: {{
\tjson = "compact"
\tws = true
\tws_port = {ws_port}
\tws_ip = "127.0.0.1"
\twss = false
}}
admin: {{
\tadmin_ws = false
}}
""")
    (folder / "janus.transport.http.jcfg").write_text(f"""general: {{
\tjson = "compact"
\tbase_path = "/janus"
\thttp = true
\tport = {port}
\tip = "127.0.0.1"
\thttps = false
}}
admin: {{
\tadmin_base_path = "/admin"
\tadmin_http = true
\tadmin_port = {admin_port}
\tadmin_ip = "127.0.0.1"
\tadmin_https = false
}}
""")
    rooms = "\n".join(f"""room-{room}: {{
\tdescription = "streamprobe test room {room}"
\tpublishers = 3
\tbitrate = {config.room_bitrate_bps}
\tvideocodec = "vp8"
\taudiocodec = "opus"
}}""" for room in config.rooms)
    (folder / "janus.plugin.videoroom.jcfg").write_text(f"general: {{\n}}\n{rooms}\n")
    if config.streaming_rtp_ports:
        video_port, audio_port = config.streaming_rtp_ports
        (folder / "janus.plugin.streaming.jcfg").write_text(f"""general: {{
}}
rtp-clip: {{
\ttype = "rtp"
\tid = {STREAMING_MOUNTPOINT}
\tdescription = "plain RTP in: H.264 and Opus"
\tmedia = (
\t\t{{ type = "video" mid = "v" port = {video_port} pt = 96 codec = "h264"
\t\t  fmtp = "profile-level-id=42e01f;packetization-mode=1" }},
\t\t{{ type = "audio" mid = "a" port = {audio_port} pt = 111 codec = "opus" }}
\t)
}}
""")
    return folder / "janus.jcfg"


class JanusServer:
    """A running Janus: its URLs, and its admin API (sessions, handles, session timeout)."""

    def __init__(self, port: int, admin_port: int, admin_secret: str, ws_port: int = 0) -> None:
        self.port = port
        self.api_url = f"http://127.0.0.1:{port}/janus"
        self.ws_url = f"ws://127.0.0.1:{ws_port}"  # with JanusConfig(websockets=True)
        self.admin_url = f"http://127.0.0.1:{admin_port}/admin"
        self._admin_secret = admin_secret
        self.log: collections.deque[str] = collections.deque(maxlen=LOG_LINES_KEPT)

    def room_url(self, room: int, feed: int | None = None) -> str:
        """The probe's ``janus://`` URL for ``room`` (and ``feed``)."""
        return f"janus://127.0.0.1:{self.port}/{room}" + (f"?feed={feed}" if feed else "")

    async def admin(self, command: str, session_id: int | None = None,
                    **fields: Any) -> dict[str, Any]:
        """One admin API request (Janus docs, "Admin/Monitor API"); returns the reply."""
        url = self.admin_url + (f"/{session_id}" if session_id else "")
        body = {"janus": command, "transaction": secrets.token_hex(6),
                "admin_secret": self._admin_secret, **fields}
        timeout = aiohttp.ClientTimeout(total=ADMIN_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            async with http.post(url, json=body) as response:
                reply = await response.json(content_type=None)
        if reply.get("janus") != "success":
            raise AssertionError(f"Janus admin {command!r} failed: {reply}")
        return reply

    async def wait_ready(self) -> None:
        """Until ``GET /janus/info`` and the admin API answer."""
        timeout = aiohttp.ClientTimeout(total=ADMIN_TIMEOUT_S)
        async with aiohttp.ClientSession(timeout=timeout) as http:
            while True:
                try:
                    async with http.get(f"{self.api_url}/info") as response:
                        if response.status == 200:
                            break
                except aiohttp.ClientError:
                    pass
                await asyncio.sleep(READY_POLL_S)
        await self.sessions()

    async def sessions(self) -> list[int]:
        """Ids of the sessions Janus holds now."""
        return (await self.admin("list_sessions"))["sessions"]

    async def handles(self) -> list[int]:
        """Ids of every plugin handle in every session Janus holds now."""
        handles = []
        for session_id in await self.sessions():
            with contextlib.suppress(AssertionError):  # the session ended meanwhile
                handles += (await self.admin("list_handles", session_id))["handles"]
        return handles

    async def participants(self, room: int) -> list[dict[str, Any]]:
        """The room's participants (VideoRoom ``listparticipants``), via the admin API."""
        reply = await self.admin("message_plugin", plugin="janus.plugin.videoroom",
                                 request={"request": "listparticipants", "room": room})
        return reply["response"]["participants"]


async def _until_ready(process: asyncio.subprocess.Process, log: collections.deque[str]) -> None:
    assert process.stdout is not None
    async for raw in process.stdout:
        line = raw.decode(errors="replace").rstrip()
        log.append(line)
        if READY_LINE in line:
            return
    raise RuntimeError("janus exited at start:\n" + "\n".join(log))


async def _drain(process: asyncio.subprocess.Process, log: collections.deque[str]) -> None:
    assert process.stdout is not None
    async for raw in process.stdout:
        log.append(raw.decode(errors="replace").rstrip())


@contextlib.asynccontextmanager
async def janus_server(config: JanusConfig | None = None) -> AsyncIterator[JanusServer]:
    """Start Janus on loopback with ``config``; yields once its APIs answer; stops it on exit."""
    config = config or JanusConfig()
    port, admin_port, ws_port = free_port(), free_port(), free_port()
    secret = secrets.token_hex(8)
    with tempfile.TemporaryDirectory(prefix="streamprobe-janus-") as folder:
        jcfg = write_config(Path(folder), config, port, admin_port, secret, ws_port)
        server = JanusServer(port, admin_port, secret, ws_port)
        process = await asyncio.create_subprocess_exec(
            JANUS, "-F", folder, "-C", str(jcfg), env=loopback_only_env(),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        drain: asyncio.Task[None] | None = None
        try:
            await asyncio.wait_for(_until_ready(process, server.log), START_TIMEOUT_S)
            drain = asyncio.create_task(_drain(process, server.log), name="janus-log")
            await asyncio.wait_for(server.wait_ready(), START_TIMEOUT_S)
            yield server
        finally:
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), STOP_TIMEOUT_S)
                except asyncio.TimeoutError:
                    process.kill()
                    await process.wait()
            if drain is not None:
                await asyncio.gather(drain, return_exceptions=True)
