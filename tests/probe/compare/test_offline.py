"""Offline compare on a natural clip: real encoders, VMAF against libvmaf run by hand, the cache."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from probe.compare.offline import encode_name, frame_count
from probe.compare.runner import CompareOptions, run_compare

NATURAL_CLIP = Path("/usr/share/doc/opencv-doc/examples/data/Megamind.avi")  # opencv-doc
DURATION_S = 1.0


def _libvmaf(encode: Path, width: int, height: int, frames: int, fps: float) -> float:
    """libvmaf by hand: FFmpeg's filters only, both sides retimed to n / fps (libvmaf pairs by
    timestamp)."""
    log = encode.with_suffix(".vmaf.json")
    retime = f"settb=AVTB,setpts=N/({fps:.6f})/TB"
    graph = (f"[0:v]{retime},scale={width}:{height}:flags=bicubic,format=yuv420p[d];"
             f"[1:v]trim=end_frame={frames},{retime},format=yuv420p[r];"
             f"[d][r]libvmaf=log_fmt=json:log_path={log}:n_threads=2")
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(encode), "-i",
                    str(NATURAL_CLIP), "-lavfi", graph, "-an", "-f", "null", "-"],
                   check=True, timeout=300)
    return float(json.loads(log.read_text())["pooled_metrics"]["vmaf"]["mean"])


@pytest.mark.integration
def test_offline_vmaf_matches_libvmaf_by_hand_and_the_cache_resumes(tmp_path: Path) -> None:
    grid = tmp_path / "grid.toml"
    grid.write_text('codec = ["vp8", "h264"]\nbitrate_kbps = [200, 800]\nheight = [264]\n')
    options = CompareOptions(grid=grid, source=NATURAL_CLIP, offline=True,
                             duration_s=DURATION_S, cache_dir=tmp_path / "cache",
                             encodes_dir=tmp_path / "encodes")
    outcome = run_compare(options)
    assert outcome.cached == 0 and len(outcome.runs) == 4
    src = outcome.source
    for run in outcome.runs:
        s = run.setting
        assert (s.width, s.height) == (360, 264)
        by_hand = _libvmaf(tmp_path / "encodes" / encode_name(s), src.width, src.height,
                           frame_count(s, DURATION_S), s.fps)
        assert run.vmaf == pytest.approx(by_hand, abs=0.5)
        assert run.delivered_kbps == pytest.approx(s.bitrate_kbps, rel=0.5)
        assert run.freeze_count == 0 and run.encode_cores is not None and run.encode_cores > 0
    # More bits, more quality, per codec; the ranking is on VMAF.
    assert outcome.result.quality_metric == "vmaf"
    for codec in ("vp8", "h264"):
        low, high = (r for r in outcome.runs if r.setting.codec == codec)
        assert high.vmaf > low.vmaf + 3
    (bd,) = outcome.result.bd_rate
    assert bd.pct is None and "2 points" in bd.reason
    again = run_compare(options)
    assert again.cached == 4
    assert [r.vmaf for r in again.runs] == [r.vmaf for r in outcome.runs]
