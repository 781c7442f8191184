"""Node.js peers the tests start: werift as a WHEP server, Meetecho's janus-whep-server in front
of Janus, Google libwebrtc (``@roamhq/wrtc``) as a WHEP server and as a WHIP publisher. Their npm
packages are pinned in ``tests/support/node/package.json`` and its lock file, installed by
``scripts/test`` with ``npm ci``; every Node process runs with the loopback shim."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from tests.support.child_process import Child, child
from tests.support.loopback_only import loopback_only_env

NODE_FOLDER = Path(__file__).with_name("node")


def node() -> str:
    """The Node.js binary, once the packages are installed (``scripts/test`` runs ``npm ci``)."""
    binary = shutil.which("node")
    if binary is None or not (NODE_FOLDER / "node_modules").is_dir():
        raise RuntimeError(f"Node.js peers need node and `npm ci` in {NODE_FOLDER} "
                           "(scripts/test installs both)")
    return binary


@contextlib.asynccontextmanager
async def werift_whep_server(port: int, codec: str, video_rtp_port: int,
                             audio_rtp_port: int) -> AsyncIterator[Child]:
    """werift forwarding plain RTP from the two UDP ports to WHEP viewers at :port/whep/NAME."""
    async with child([node(), "whep_werift.mjs", str(port), codec, str(video_rtp_port),
                      str(audio_rtp_port)], ready=r"^listening", cwd=str(NODE_FOLDER),
                     env=loopback_only_env()) as server:
        yield server


@contextlib.asynccontextmanager
async def janus_whep_front(port: int, janus_ws_url: str, room: int, feed: int | str | None,
                           mountpoint: int | None = None) -> AsyncIterator[Child]:
    """janus-whep-server on :port with the VideoRoom endpoint ``/whep/endpoint/room`` (feed
    ``feed`` of ``room``, server-offer mode; none when ``feed`` is None) and, with
    ``mountpoint``, the Streaming endpoint ``/whep/endpoint/stream``."""
    extra = [str(mountpoint)] if mountpoint is not None else []
    async with child([node(), "whep_front.mjs", str(port), janus_ws_url, str(room),
                      "-" if feed is None else str(feed), *extra],
                     ready=r"^WHEP front up", cwd=str(NODE_FOLDER),
                     env=loopback_only_env()) as front:
        yield front


@contextlib.asynccontextmanager
async def wrtc_whep_server(port: int, y4m: Path, wav: Path) -> AsyncIterator[Child]:
    """Google libwebrtc (``@roamhq/wrtc``) as a WHEP server at :port/whep/NAME, sending the
    Y4M and WAV looped; it prints each viewer's send rate and estimate every second."""
    async with child([node(), "whep_wrtc.mjs", str(port), str(y4m), str(wav)],
                     ready=r"^listening", cwd=str(NODE_FOLDER), env=loopback_only_env()) as server:
        yield server


@contextlib.asynccontextmanager
async def wrtc_whip_publisher(url: str, y4m: Path, wav: Path,
                              seconds: float) -> AsyncIterator[Child]:
    """Google libwebrtc (``@roamhq/wrtc``) publishing the Y4M and WAV to the WHIP ``url`` for
    at most ``seconds``; yields once published (201), DELETEs its resource on exit."""
    async with child([node(), "whip_wrtc.mjs", url, str(y4m), str(wav), f"{seconds:g}"],
                     ready=r"^published 201", cwd=str(NODE_FOLDER),
                     env=loopback_only_env()) as publisher:
        yield publisher


SEND_RATE = re.compile(r"^sent (\S+) video (\d+) kbps target (\S+) available (\S+)")


@dataclass(frozen=True)
class SendRate:
    """One line of a libwebrtc peer's send figures: what it sent in the last second (kbps) and
    its estimator's figures (bps; None before the first estimate)."""

    label: str
    kbps: float
    target_bps: float | None
    available_bps: float | None


def send_rates(peer: Child) -> list[SendRate]:
    """The send-rate lines a libwebrtc peer printed so far, oldest first."""
    rates = []
    for line in list(peer.lines):
        if (match := SEND_RATE.match(line)) is not None:
            label, kbps, target, available = match.groups()
            rates.append(SendRate(label, float(kbps), _number(target), _number(available)))
    return rates


def _number(text: str) -> float | None:
    return None if text == "-" else float(text)
