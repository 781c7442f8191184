"""Headless Debian Chromium driven by Playwright: an independent WebRTC peer for the tests.

Never downloads a browser (``executable_path`` is Debian's /usr/bin/chromium). Media stays on
loopback: loopback candidates allowed, mDNS host-name obfuscation off.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import AsyncIterator

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox", "--headless=new", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--allow-loopback-in-peer-connection", "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--autoplay-policy=no-user-gesture-required", "--use-fake-ui-for-media-stream",
]


@contextlib.asynccontextmanager
async def chromium(extra_flags: tuple[str, ...] = ()) -> AsyncIterator[object]:
    """A launched browser (Playwright ``Browser``) with a fresh profile; closed on exit."""
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="streamprobe-chromium-") as profile:
        async with async_playwright() as playwright:
            context = await playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True,
                args=[*FLAGS, *extra_flags])
            try:
                yield context
            finally:
                await context.close()
