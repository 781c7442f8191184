"""Soak: does a watch of the embedded room hold bounded memory and keep every frame for an hour?

``streamprobe watch`` (its own process) watches the test room (also its own process, 720p30,
2 Mbps VP8) for ``--minutes``; this script prints the watch's RSS every minute. Floors (issue 17):
- RSS growth under 10 MB per hour after the first 5 minutes (least-squares slope over the
  minutes from 5 on);
- no frame lost to the probe: none dropped before analysis and no gap in the stamp counter
  (summed over the window reports);
- delivered fps within 1 % of the sender's 30 fps (frames / seconds with media).
Exits 1 when a floor is missed (the line says MISSED).

Usage: python bench/bench_soak.py [--minutes 60] [--quick (10 minutes)]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.watch_support import ENV, deliveries, room_server, rss_mb  # noqa: E402

MAX_GROWTH_MB_PER_H = 10.0
SETTLE_MIN = 5
SENDER_FPS = 30.0
MAX_FPS_SHORTFALL = 0.01


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, help="watch length [default 60; 10 with --quick]")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    minutes = args.minutes or (10 if args.quick else 60)
    with tempfile.TemporaryDirectory() as work, room_server(1280, 720, 2000) as url:
        timeline, reports, summary = (Path(work) / n for n in ("t.jsonl", "r.jsonl", "s.json"))
        watch = subprocess.Popen(
            [sys.executable, "-m", "probe.cli", "watch", url, "--timeline", str(timeline),
             "--reports", str(reports), "--json", str(summary), "--window", "60",
             "--duration", str(minutes * 60)], env=ENV, stderr=subprocess.PIPE, text=True)
        samples: list[tuple[float, float]] = []
        started = time.monotonic()
        for minute in range(1, minutes + 1):
            while time.monotonic() < started + minute * 60 and watch.poll() is None:
                time.sleep(0.5)
            if watch.poll() is not None:
                break
            samples.append((minute, rss_mb(watch.pid)))
            print(f"minute {minute:3d}: RSS {samples[-1][1]:7.1f} MB", flush=True)
        _, err = watch.communicate(timeout=120)
        if watch.returncode != 0:
            print(f"the watch exited {watch.returncode}: {err.strip()}")
            return 1
        [stream] = json.loads(summary.read_text())["streams"]
        [delivery] = deliveries(reports).values()
    late = np.array([s for s in samples if s[0] >= SETTLE_MIN])
    slope = float(np.polyfit(late[:, 0], late[:, 1], 1)[0]) * 60.0 if len(late) >= 2 else None
    missed = []
    if slope is None or slope >= MAX_GROWTH_MB_PER_H:
        missed.append("rss")
    growth = f"{slope:+.1f}" if slope is not None else "n/a"
    print(f"RSS growth after minute {SETTLE_MIN}: {growth} MB/h over {len(late)} samples "
          f"[floor < {MAX_GROWTH_MB_PER_H:g}] {'MISSED' if 'rss' in missed else 'ok'}")
    lost = stream["frames_dropped_by_probe"] + delivery.stamp_gaps
    if lost:
        missed.append("frames")
    print(f"frames: {stream['frames']} received, {stream['frames_dropped_by_probe']} dropped by "
          f"the probe before analysis, {delivery.stamp_gaps} stamp-counter gaps over "
          f"{delivery.windows} windows [floor 0] {'MISSED' if lost else 'ok'}")
    fps = stream["frames"] / stream["connected_s"] if stream["connected_s"] else 0.0
    fps_ok = fps >= SENDER_FPS * (1 - MAX_FPS_SHORTFALL)
    if not fps_ok:
        missed.append("fps")
    print(f"fps: {fps:.2f} delivered over {stream['connected_s']} s with media, sender "
          f"{SENDER_FPS:g} (ratio {fps / SENDER_FPS:.3f}) [floor >= {1 - MAX_FPS_SHORTFALL:.2f}] "
          f"{'ok' if fps_ok else 'MISSED'}; outages {stream['outages']}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
