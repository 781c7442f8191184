"""Four viewers of one 720p30 stream in one watch process, on this machine's two cores.

The test room runs in its own process (720p30, 2 Mbps VP8); one ``streamprobe watch`` process
joins it four times (four peers). Floor (issue 17): each viewer delivers at least 29 fps, with
no frame dropped by the probe (none dropped before analysis, no stamp-counter gap). Prints one
line per viewer and the watch process's CPU; exits 1 when a floor is missed.

Usage: python bench/bench_watch_viewers.py [--quick] [--viewers 4]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.watch_support import ENV, deliveries, room_server  # noqa: E402

MIN_FPS = 29.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="30 s instead of 120 s")
    parser.add_argument("--viewers", type=int, default=4)
    args = parser.parse_args()
    duration_s = 30 if args.quick else 120
    with tempfile.TemporaryDirectory() as work, room_server(1280, 720, 2000) as url:
        timeline, reports, summary = (Path(work) / n for n in ("t.jsonl", "r.jsonl", "s.json"))
        ids = [f"viewer-{i}" for i in range(args.viewers)]
        argv = [sys.executable, "-m", "probe.cli", "watch", *([url] * args.viewers),
                *[a for i in ids for a in ("--stream-id", i)], "--timeline", str(timeline),
                "--reports", str(reports), "--json", str(summary), "--window", "10",
                "--duration", str(duration_s)]
        watch = subprocess.Popen(argv, env=ENV, stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(watch.pid, 0)
        watch.returncode = os.waitstatus_to_exitcode(status)
        err = watch.stderr.read() if watch.stderr else ""
        if watch.returncode != 0:
            print(f"the watch exited {watch.returncode}: {err.strip()}")
            return 1
        streams = json.loads(summary.read_text())["streams"]
        delivered = deliveries(reports)
    ok = True
    for stream in streams:
        fps = stream["frames"] / stream["connected_s"] if stream["connected_s"] else 0.0
        lost = stream["frames_dropped_by_probe"] + delivered[stream["stream_id"]].stamp_gaps
        good = fps >= MIN_FPS and lost == 0 and stream["outages"] == 0
        ok &= good
        print(f"{stream['stream_id']}: {fps:.2f} fps over {stream['connected_s']} s, "
              f"{stream['frames_dropped_by_probe']} dropped by the probe, "
              f"{delivered[stream['stream_id']].stamp_gaps} stamp gaps, {stream['outages']} "
              f"outages [floor >= {MIN_FPS:g} fps, 0 lost] {'ok' if good else 'MISSED'}")
    cores = (usage.ru_utime + usage.ru_stime) / duration_s
    print(f"watch process CPU: {cores:.2f} cores for {args.viewers} viewers over {duration_s} s "
          "(join and start-up included)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
