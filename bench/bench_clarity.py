"""Clarity: ranking against VMAF on the encode ladder, effective height, and speed.

Prints one line per figure and exits 1 when a floor is missed. Floors (clarity issue):
- Spearman rank correlation of ``clarity.score`` with VMAF on the ladder (4 clips x 8
  settings, ``fixtures/clarity/ladder.csv``, rebuilt with ``--rebuild``): >= 0.90 per clip and
  >= 0.85 pooled. Also printed: the same with each clip's model fitted without that clip
  (leave-one-clip-out, per clip and pooled), the honest figure for unseen content;
- effective height within 15 % of the encode height, for every encode on the ladder made at
  less than 1080 rows and upscaled to 1080 (bicubic) before the probe sees it;
- speed on a 1920x1080 30 fps file: ``analyze`` (clarity on every frame) >= 0.5 x the
  throughput of bare PyAV decoding, and >= 8 x the throughput of VMAF (FFmpeg libvmaf), all
  measured side by side in this run (medians of 3; 1 with --quick).

Usage: python bench/bench_clarity.py [--quick] [--rebuild]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import av  # noqa: E402
import imageio_ffmpeg  # noqa: E402
import numpy as np  # noqa: E402
from scipy.stats import spearmanr  # noqa: E402

from fixtures.clarity import fit, ladder  # noqa: E402
from metrics.clarity import CANDIDATE_INPUTS, predicted_vmaf, score_from_vmaf  # noqa: E402
from probe.analyze import analyze_file  # noqa: E402

PER_CLIP_FLOOR, POOLED_FLOOR = 0.90, 0.85
HEIGHT_TOLERANCE = 0.15
DECODE_RATIO_FLOOR, VMAF_RATIO_FLOOR = 0.5, 8.0
SPEED_CLIP_S = 10.0


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def ranking(csv_path: Path) -> int:
    candidates, vmaf, clips = fit.load(csv_path, CANDIDATE_INPUTS)
    scores = np.array([score_from_vmaf(predicted_vmaf(row)) for row in candidates])
    inputs, _, _ = fit.load(csv_path)
    failures = 0
    for clip in sorted(set(clips)):
        mine = np.array([c == clip for c in clips])
        rho = spearmanr(scores[mine], vmaf[mine]).statistic
        failures += rho < PER_CLIP_FLOOR
        print(f"Spearman score~VMAF, clip {clip}: {rho:.3f} (floor {PER_CLIP_FLOOR}) "
              f"{verdict(rho >= PER_CLIP_FLOOR)}")
    pooled = spearmanr(scores, vmaf).statistic
    failures += pooled < POOLED_FLOOR
    print(f"Spearman score~VMAF, pooled over {len(vmaf)} encodes: {pooled:.3f} "
          f"(floor {POOLED_FLOOR}) {verdict(pooled >= POOLED_FLOOR)}")
    loco = fit.leave_one_clip_out(inputs, vmaf, clips)
    print("leave-one-clip-out Spearman (not a floor): "
          + ", ".join(f"{clip} {rho:.3f}" for clip, rho in loco.items()))
    return failures


def effective_heights(csv_path: Path) -> int:
    import csv

    with csv_path.open() as handle:
        rows = [r for r in csv.DictReader(handle) if int(r["encode_height"]) < ladder.HEIGHT]
    errors = [(float(r["upscaled_effective_height"]) - int(r["encode_height"]))
              / int(r["encode_height"]) for r in rows]
    worst = max(range(len(rows)), key=lambda i: abs(errors[i]))
    within = sum(abs(e) <= HEIGHT_TOLERANCE for e in errors)
    ok = within == len(rows)
    print(f"effective height of {len(rows)} upscaled encodes: median error "
          f"{statistics.median(errors):+.1%}, {within}/{len(rows)} within ±{HEIGHT_TOLERANCE:.0%}, "
          f"worst {rows[worst]['clip']} {rows[worst]['setting']} "
          f"{rows[worst]['upscaled_effective_height']} px ({errors[worst]:+.0%}) {verdict(ok)}")
    return 0 if ok else 1


def speed_file(folder: Path) -> Path:
    """A 1080p30 x264 file of the natural clip looped to ``SPEED_CLIP_S`` seconds."""
    source = folder / "natural.y4m"
    ladder.write_source("natural", source)
    path = folder / "speed.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-stream_loop", "-1",
                    "-i", str(source), "-t", str(SPEED_CLIP_S), "-c:v", "libx264", "-preset",
                    "veryfast", "-b:v", "6000k", str(path)], check=True, timeout=600)
    return path


def decode_fps(path: Path) -> float:
    start, frames = time.perf_counter(), 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        for _ in container.decode(stream):
            frames += 1
    return frames / (time.perf_counter() - start)


def analyze_fps(path: Path, frames: int) -> float:
    start = time.perf_counter()
    report = analyze_file(path)
    assert report.clarity.score is not None
    return frames / (time.perf_counter() - start)


def vmaf_fps(path: Path, frames: int) -> float:
    start = time.perf_counter()
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-i",
                    str(path), "-lavfi", "libvmaf=n_threads=2", "-f", "null", "-"],
                   check=True, timeout=1800)
    return frames / (time.perf_counter() - start)


def speed(repeats: int) -> int:
    with tempfile.TemporaryDirectory(prefix="streamprobe-bench-clarity-") as tmp:
        path = speed_file(Path(tmp))
        with av.open(str(path)) as container:
            frames = sum(1 for _ in container.decode(video=0))
        runs = [(decode_fps(path), analyze_fps(path, frames), vmaf_fps(path, frames))
                for _ in range(repeats)]
    decode, analyze, vmaf = (statistics.median(r[i] for r in runs) for i in range(3))
    to_decode, to_vmaf = analyze / decode, analyze / vmaf
    print(f"1080p30 speed ({frames} frames, median of {repeats}): decode {decode:.0f} fps, "
          f"analyze with clarity {analyze:.0f} fps, VMAF {vmaf:.1f} fps")
    print(f"analyze / bare decode: {to_decode:.2f} (floor {DECODE_RATIO_FLOOR}) "
          f"{verdict(to_decode >= DECODE_RATIO_FLOOR)}")
    print(f"analyze / VMAF: {to_vmaf:.1f} (floor {VMAF_RATIO_FLOOR:g}) "
          f"{verdict(to_vmaf >= VMAF_RATIO_FLOOR)}")
    return (to_decode < DECODE_RATIO_FLOOR) + (to_vmaf < VMAF_RATIO_FLOOR)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one speed run (CI)")
    parser.add_argument("--rebuild", action="store_true",
                        help="rebuild the ladder (minutes) into a temporary CSV first")
    args = parser.parse_args()
    csv_path = fit.LADDER
    if args.rebuild:
        csv_path = Path(tempfile.mkdtemp(prefix="streamprobe-ladder-")) / "ladder.csv"
        subprocess.run([sys.executable, "-m", "fixtures.clarity.ladder", str(csv_path)],
                       check=True, cwd=Path(__file__).resolve().parents[1])
    failures = ranking(csv_path) + effective_heights(csv_path) + speed(1 if args.quick else 3)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
