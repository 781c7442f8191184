"""Headless Debian Chromium driven by Playwright: an independent WebRTC peer for the tests.

- ``chromium(camera=..., microphone=...)``: a launched browser (Playwright ``BrowserContext``) with
  a fresh profile; with files, its fake camera and microphone play them (Y4M, WAV) in a loop.
  Never downloads a browser (``executable_path`` is Debian's /usr/bin/chromium).
- ``page_server()``: serves this folder's ``pages/`` on a free loopback port; open pages from
  ``http://localhost:PORT/`` (a secure context, so ``getUserMedia`` works).
- ``peer_stats(page)``: the page's ``window.pc.getStats()`` as plain dicts, by type.

Media stays on loopback: loopback candidates allowed, mDNS host-name obfuscation off, and the
loopback shim preloaded (Chromium pairs its external address with loopback candidates otherwise,
and its peers answer there).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections import defaultdict
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.support.loopback_only import loopback_only_env

CHROMIUM = "/usr/bin/chromium"
PAGES = Path(__file__).with_name("pages")
FLAGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required", "--use-fake-ui-for-media-stream",
]
STATS_JS = """async (expression) => {
  const report = await eval(expression).getStats();
  return [...report.values()];
}"""


@contextlib.asynccontextmanager
async def chromium(extra_flags: tuple[str, ...] = (), camera: Path | None = None,
                   microphone: Path | None = None) -> AsyncIterator[Any]:
    """A launched browser (Playwright ``BrowserContext``) with a fresh profile; closed on exit.

    ``camera`` (Y4M) and ``microphone`` (WAV) become its fake capture devices, played in a loop.
    """
    from playwright.async_api import async_playwright

    devices = []
    if camera is not None or microphone is not None:
        devices.append("--use-fake-device-for-media-stream")
    if camera is not None:
        devices.append(f"--use-file-for-fake-video-capture={camera}")
    if microphone is not None:
        devices.append(f"--use-file-for-fake-audio-capture={microphone}")
    with tempfile.TemporaryDirectory(prefix="streamprobe-chromium-") as profile:
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, env=loopback_only_env(),
                args=[*FLAGS, *devices, *extra_flags])
            try:
                yield context
            finally:
                await context.close()


@contextlib.asynccontextmanager
async def page_server(folder: Path = PAGES) -> AsyncIterator[str]:
    """Serve ``folder`` on 127.0.0.1 (free port); yields ``http://localhost:PORT``."""
    app = web.Application()
    app.router.add_static("/", folder)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://localhost:{port}"
    finally:
        await runner.cleanup()


async def peer_stats(page: Any, expression: str = "window.pc") -> dict[str, list[dict[str, Any]]]:
    """The W3C webrtc-stats of the page's peer connection ``expression``, grouped by ``type``."""
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for stat in await page.evaluate(STATS_JS, expression):
        grouped[stat["type"]].append(stat)
    return dict(grouped)
