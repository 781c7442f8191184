"""``streamprobe compare``'s floors (issue 18), measured.

Offline, on a natural clip of the corpus (Debian opencv-doc's ``Megamind.avi``, an animated
film): every setting's VMAF against libvmaf run by hand (imageio-ffmpeg's FFmpeg: the encode
scaled back with ``scale=flags=bicubic``, the source's first frames, ``libvmaf``), floor 0.5;
the BD-rates against the ``bjontegaard`` package called on the same points, floor equal; and the
ranking's agreement with the by-hand VMAF (Kendall's tau, printed).
Live, the stamped pattern through the embedded room without impairment and under ``loss=2%``:
what the offline table cannot show (freezes, quality lost to the network), printed side by side
with the offline scores of the same settings.

Usage: python bench/bench_compare.py [--quick]   (exit 1 when a floor is missed)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import bjontegaard  # noqa: E402
import imageio_ffmpeg  # noqa: E402
from scipy.stats import kendalltau  # noqa: E402

from metrics.compare import SettingSummary  # noqa: E402
from probe.compare.offline import encode_name, frame_count  # noqa: E402
from probe.compare.runner import CompareOptions, run_compare  # noqa: E402
from probe.room.impair_spec import parse_impair_spec  # noqa: E402

NATURAL_CLIP = Path("/usr/share/doc/opencv-doc/examples/data/Megamind.avi")
MAX_VMAF_GAP = 0.5  # issue 18: within 0.5 of libvmaf run by hand
LIVE_LOSS = "loss=2%,seed=1"
# The same loss over a 40 ms one-way link: a NACK's repair then costs a round trip (80 ms).
LIVE_LOSS_RTT = "loss=2%,delay=40ms,seed=1"


def vmaf_by_hand(encode: Path, source: Path, width: int, height: int, frames: int,
                 fps: float) -> float:
    """libvmaf (vmaf_v0.6.1) of ``encode`` scaled to the source's size against its first
    ``frames`` frames, FFmpeg's filters only. Both sides are retimed to frame n at n / fps:
    libvmaf pairs frames by timestamp, and Matroska's millisecond timestamps of a 23.976 fps
    encode would otherwise pair some frames with their neighbours."""
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "vmaf.json"
        retime = f"settb=AVTB,setpts=N/({fps:.6f})/TB"
        graph = (f"[0:v]{retime},scale={width}:{height}:flags=bicubic,format=yuv420p[d];"
                 f"[1:v]trim=end_frame={frames},{retime},format=yuv420p[r];"
                 f"[d][r]libvmaf=log_fmt=json:log_path={log}:n_threads=2")
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(encode),
                        "-i", str(source), "-lavfi", graph, "-an", "-f", "null", "-"],
                       check=True, timeout=600)
        return float(json.loads(log.read_text())["pooled_metrics"]["vmaf"]["mean"])


def offline_floors(quick: bool, folder: Path) -> bool:
    grid = folder / "grid.toml"
    heights = "[264]" if quick else "[264, 528]"
    grid.write_text(f'codec = ["vp8", "h264"]\nbitrate_kbps = [150, 300, 600, 1200]\n'
                    f"height = {heights}\n")
    duration_s = 1.0 if quick else 2.0
    encodes = folder / "encodes"
    outcome = run_compare(CompareOptions(grid=grid, source=NATURAL_CLIP, offline=True,
                                         duration_s=duration_s, encodes_dir=encodes))
    src = outcome.source
    print(f"offline: {NATURAL_CLIP.name} {src.width}x{src.height} {src.fps:.3f} fps, "
          f"{duration_s:g} s per encode, {len(outcome.runs)} settings")
    print(f"{'setting':<34} {'kbps':>6} {'compare VMAF':>13} {'libvmaf by hand':>16} {'gap':>6}")
    gaps, ours, hand = [], [], []
    for run in outcome.runs:
        s = run.setting
        by_hand = vmaf_by_hand(encodes / encode_name(s), NATURAL_CLIP, src.width, src.height,
                               frame_count(s, duration_s), s.fps)
        assert run.vmaf is not None
        gaps.append(abs(run.vmaf - by_hand))
        ours.append(run.vmaf)
        hand.append(by_hand)
        print(f"{s.describe(('codec', 'bitrate_kbps', 'height')):<34} "
              f"{run.delivered_kbps:>6.0f} {run.vmaf:>13.3f} {by_hand:>16.3f} {gaps[-1]:>6.3f}")
    vmaf_ok = max(gaps) <= MAX_VMAF_GAP
    print(f"VMAF gap to libvmaf by hand: max {max(gaps):.3f}, median "
          f"{sorted(gaps)[len(gaps) // 2]:.3f} (floor <= {MAX_VMAF_GAP}) "
          f"{'ok' if vmaf_ok else 'MISSED'}")
    tau = kendalltau(ours, hand).statistic
    print(f"ranking agreement with libvmaf by hand: Kendall tau {tau:.3f} over "
          f"{len(ours)} settings")
    computed = [bd for bd in outcome.result.bd_rate if bd.pct is not None]
    bd_ok = bool(computed)
    for bd in outcome.result.bd_rate:
        if bd.pct is None:
            print(f"BD-rate {bd.metric} {bd.test} vs {bd.anchor}: refused ({bd.reason})")
            continue
        anchor, test = bd.anchor_points, bd.test_points
        package = bjontegaard.bd_rate([p[0] for p in anchor], [p[1] for p in anchor],
                                      [p[0] for p in test], [p[1] for p in test],
                                      method="akima", require_matching_points=False)
        equal = abs(bd.pct - package) < 1e-9
        bd_ok &= equal
        print(f"BD-rate {bd.metric} {bd.test} vs {bd.anchor}: compare {bd.pct:+.3f} %, "
              f"bjontegaard package {package:+.3f} % {'equal' if equal else 'MISSED'}")
    print(f"recommendation: {outcome.result.recommendation}")
    return vmaf_ok and bd_ok


def _row(s: SettingSummary) -> str:
    def f(v: float | None, digits: int = 1) -> str:
        return "—" if v is None else f"{v:.{digits}f}"
    psnr = s.spread["psnr_db"]
    return (f"{s.setting.describe(('keyframe_interval_s',)):<10} {s.impairment:<16} "
            f"{f(s.figure('delivered_kbps'), 0):>6} {f(s.figure('psnr_db')):>6} "
            f"{'' if psnr is None else f'{psnr[0]:.1f}-{psnr[1]:.1f}':>10} "
            f"{f(s.figure('ssim'), 3):>6} {f(s.freezes_per_min):>8} "
            f"{f(s.figure('glass_to_glass_p50_ms'), 0):>7} {f(s.figure('nacks'), 0):>6} "
            f"{s.repeats:>3}")


def live_figures(quick: bool, folder: Path) -> bool:
    grid = folder / "live.toml"
    grid.write_text('codec = ["vp8"]\nbitrate_kbps = [600]\nheight = [360]\n'
                    "keyframe_interval_s = [1, 10]\n")
    duration_s, repeats = (5.0, 1) if quick else (10.0, 3)
    offline = run_compare(CompareOptions(grid=grid, offline=True, duration_s=duration_s))
    live = run_compare(CompareOptions(
        grid=grid, duration_s=duration_s, repeats=repeats,
        impairments=tuple(parse_impair_spec(p) for p in ("loss=0%", LIVE_LOSS, LIVE_LOSS_RTT))))
    print(f"live: the pattern, {duration_s:g} s per run, medians of {repeats} (PSNR range "
          "across them); offline rows score the same encodes without the network (pattern at "
          "720p)")
    print(f"{'setting':<10} {'profile':<16} {'kbps':>6} {'PSNR':>6} {'range':>10} {'SSIM':>6} "
          f"{'frz/min':>8} {'g2g ms':>7} {'NACKs':>6} {'n':>3}")
    for summary in offline.result.ranked:
        print(_row(summary) + "   (offline)")
    for summary in live.result.ranked:
        print(_row(summary))
    clean = {s.setting: s for s in live.result.ranked if s.impairment == "loss=0%"}
    lossy = {s.setting: s for s in live.result.ranked if s.impairment == LIVE_LOSS}
    offline_freezes = max(s.freezes_per_min or 0.0 for s in offline.result.ranked)
    shown = [s for s in lossy if (lossy[s].freezes_per_min or 0.0) > offline_freezes
             or (lossy[s].figure("psnr_db") or 0) < (clean[s].figure("psnr_db") or 0) - 1.0]
    print(f"settings where {LIVE_LOSS} shows freezes or >1 dB PSNR lost (medians) that the "
          f"offline table cannot: {len(shown)} of {len(lossy)} {'ok' if shown else 'MISSED'}")
    print(f"live recommendation: {live.result.recommendation}")
    return bool(shown)


def main() -> int:
    warnings.simplefilter("ignore", UserWarning)  # the package's partial-overlap warning
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--offline-only", action="store_true", help="skip the live figures")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        ok = offline_floors(args.quick, Path(tmp))
        if not args.offline_only:
            ok &= live_figures(args.quick, Path(tmp))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
