"""What a libwebrtc sender gives the probe against what it gives a browser, medians of repeats.

Viewing: Google libwebrtc (``@roamhq/wrtc``) serves a natural clip by WHEP; headless Chromium
and the probe watch it at the same time. Floor (#14): the probe's received bitrate at least
0.8 x Chromium's (median of 3 runs), the same resolution, fps within 10 %. Ingest: libwebrtc
publishes the clip into the room (WHIP), then into a Janus VideoRoom; floor: its send rate into
the room at least 0.8 x its rate into Janus. Exits 1 when a floor is missed.
Usage: python bench/bench_browser_parity.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

# The comparison lives with the tests (it drives Chromium, Janus and Node through tests/support).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.probe.interop.browser_parity import publish_rates, watch_beside_chromium  # noqa: E402
from tests.support.clip import make_raw_clip  # noqa: E402

BITRATE_FLOOR = 0.8
FPS_AGREEMENT = 0.10
SEND_FLOOR = 0.8


async def main(repeats: int, watch_s: float, publish_s: float) -> int:
    with tempfile.TemporaryDirectory(prefix="streamprobe-parity-") as folder:
        y4m, wav = make_raw_clip(Path(folder))
        views = [await watch_beside_chromium(y4m, wav, watch_s) for _ in range(repeats)]
        for n, view in enumerate(views, 1):
            print(f"view run {n}: probe {view.report.network.bitrate_kbps:.0f} kbps "
                  f"{view.report.video.width}x{view.report.video.height} "
                  f"{view.report.video.fps:.2f} fps, chromium {view.chromium.kbps:.0f} kbps "
                  f"{view.chromium.width}x{view.chromium.height} {view.chromium.fps:.2f} fps: "
                  f"ratio {view.bitrate_ratio:.3f}; libwebrtc's estimate for chromium "
                  f"{_kbps(view.chromium_estimate_bps)}, for the probe "
                  f"{_kbps(view.probe_estimate_bps)}")
        ratio = statistics.median(v.bitrate_ratio for v in views)
        fps = statistics.median(v.fps_ratio for v in views)
        same = all(v.same_size for v in views)
        view_ok = ratio >= BITRATE_FLOOR and abs(fps - 1) <= FPS_AGREEMENT and same
        print(f"viewing: probe/chromium bitrate {ratio:.3f} (floor {BITRATE_FLOOR}), fps "
              f"{fps:.3f} (within {FPS_AGREEMENT:.0%}), same size {same}, median of {repeats} "
              f"{'ok' if view_ok else 'MISSED'}")
        sends = [await publish_rates(y4m, wav, publish_s) for _ in range(repeats)]
        for n, send in enumerate(sends, 1):
            print(f"ingest run {n}: into the room {send.room_kbps:.0f} kbps, into Janus "
                  f"{send.janus_kbps:.0f} kbps: ratio {send.ratio:.3f}")
        send_ratio = statistics.median(s.ratio for s in sends)
        send_ok = send_ratio >= SEND_FLOOR
        print(f"ingest: libwebrtc's send rate room/janus {send_ratio:.3f} (floor {SEND_FLOOR}), "
              f"median of {repeats} {'ok' if send_ok else 'MISSED'}")
    return 0 if view_ok and send_ok else 1


def _kbps(bps: float | None) -> str:
    return "none" if bps is None else f"{bps / 1000:.0f} kbps"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="one run of each, shorter watches (not the floor's median of 3)")
    quick = parser.parse_args().quick
    sys.exit(asyncio.run(main(1 if quick else 3, 8.0 if quick else 15.0,
                              10.0 if quick else 20.0)))
