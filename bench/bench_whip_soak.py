"""An FFmpeg WHIP publish that must stay up: 120 s into the test room (45 s with --quick).

FFmpeg 9's WHIP muxer (the imageio-ffmpeg wheel) publishes the natural clip (opencv-doc's
Megamind.avi as H.264 + Opus, looped, real time) into a room running in its own process. FFmpeg
answers no consent checks (RFC 7675), so aioice alone would end the session after about 35 s
and the room would fall back to its pattern; the room counts a publisher's media as consent
(``probe.aiortc_hooks.media_consent``). Figures, each with its floor:
- seconds the room reported the stream as published, polled once a second (floor: all of them);
- FFmpeg still running at the end (floor: yes);
- a 5 s check at the end sees the clip (720x528), not the 1280x720 pattern (floor: yes).
The --quick form still outlasts the 35 s at which the session used to drop.

Usage: python bench/bench_whip_soak.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the project root, for tests.support

from probe.check import CheckOptions, run_check  # noqa: E402
from probe.media.encoding import VideoEncoding  # noqa: E402
from probe.room.process import room_process  # noqa: E402
from probe.room.server import RoomConfig  # noqa: E402
from tests.probe.interop.conftest import until_publishing  # noqa: E402
from tests.probe.interop.test_ffmpeg_whip import ffmpeg_whip  # noqa: E402
from tests.support.child_process import child  # noqa: E402
from tests.support.clip import CLIP_SIZE, make_clip  # noqa: E402

STREAM = "soak"


async def published_seconds(base_url: str, seconds: float) -> tuple[int, int]:
    """(polls that found the stream published, polls) over ``seconds``, one a second."""
    up = polls = 0
    start_s = time.monotonic()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        while polls < seconds:
            async with http.get(f"{base_url}/health") as response:
                health = await response.json()
            polls += 1
            up += health["streams"].get(STREAM, {}).get("publishing", False)
            await asyncio.sleep(max(0.0, start_s + polls - time.monotonic()))
    return up, polls


async def main(quick: bool) -> int:
    seconds = 45.0 if quick else 120.0
    with tempfile.TemporaryDirectory(prefix="streamprobe-soak-") as folder:
        clip = make_clip(Path(folder))
        config = RoomConfig(encoding=VideoEncoding(bitrate_kbps=800))
        async with room_process(config) as room:
            async with child(ffmpeg_whip(clip, f"{room.base_url}/whip/{STREAM}")) as ffmpeg:
                await until_publishing(room.base_url, STREAM)
                up, polls = await published_seconds(room.base_url, seconds)
                running = ffmpeg.process.returncode is None
                report = await run_check(CheckOptions(url=f"{room.base_url}/whep/{STREAM}",
                                                      duration_s=5))
    failures = 0
    ok = up == polls
    failures += not ok
    print(f"published {up} of {polls} one-second polls over {seconds:.0f} s "
          f"(floor: all) {'ok' if ok else 'MISSED'}")
    failures += not running
    print(f"FFmpeg still publishing at the end: {running} (floor: True) "
          f"{'ok' if running else 'MISSED'}")
    size = (report.video.width, report.video.height)
    ok = size == CLIP_SIZE and report.video.frames > 0
    failures += not ok
    print(f"check at the end sees {size[0]}x{size[1]}, {report.video.frames} frames "
          f"(floor: the clip's {CLIP_SIZE[0]}x{CLIP_SIZE[1]}) {'ok' if ok else 'MISSED'}")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="45 s instead of 120 s (CI)")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
