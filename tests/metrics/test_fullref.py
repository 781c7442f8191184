"""PSNR and SSIM against FFmpeg's own psnr and ssim filters (an independent implementation)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np
import pytest

from metrics.fullref import FullReferenceMeter, mse, psnr_db, ssim
from tests.metrics.test_clarity_picture import natural_picture

SIZE = (360, 640)


def frames(count: int = 5) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Reference pictures and degraded copies (blur + noise of growing strength)."""
    rng = np.random.default_rng(11)
    refs, tests = [], []
    for n in range(count):
        ref = natural_picture(*SIZE, seed=n)
        test = cv2.GaussianBlur(ref, (0, 0), 0.6 + 0.3 * n)
        test = np.clip(test + rng.normal(0, 2 + n, SIZE), 0, 255).astype(np.uint8)
        refs.append(ref)
        tests.append(test)
    return refs, tests


def ffmpeg_scores(refs: list[np.ndarray], tests: list[np.ndarray], tmp: Path) -> tuple[float, float]:
    """(PSNR y average, SSIM Y mean) from FFmpeg's psnr and ssim filters on gray video."""
    paths = []
    for name, pictures in (("ref", refs), ("test", tests)):
        path = tmp / f"{name}.gray"
        path.write_bytes(b"".join(np.ascontiguousarray(p).tobytes() for p in pictures))
        paths.append(path)
    raw = ["-f", "rawvideo", "-pix_fmt", "gray", "-s", f"{SIZE[1]}x{SIZE[0]}"]
    out = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", *raw, "-i",
                          str(paths[1]), *raw, "-i", str(paths[0]), "-lavfi",
                          "[0:v]split[a][b];[1:v]split[c][d];[a][c]psnr;[b][d]ssim",
                          "-f", "null", "-"], capture_output=True, text=True, timeout=60)
    psnr = float(re.search(r"PSNR y:([\d.]+)", out.stderr).group(1))
    ssim_y = float(re.search(r"SSIM Y:([\d.]+)", out.stderr).group(1))
    return psnr, ssim_y


def test_psnr_and_ssim_agree_with_ffmpeg(tmp_path: Path) -> None:
    refs, tests = frames()
    meter = FullReferenceMeter()
    for ref, test in zip(refs, tests):
        meter.update(ref, test)
    result = meter.result()
    ff_psnr, ff_ssim = ffmpeg_scores(refs, tests, tmp_path)
    assert result.pairs == len(refs)
    # Both pool the MSE over all frames before taking the logarithm.
    assert result.psnr_db == pytest.approx(ff_psnr, abs=0.01)
    assert result.ssim == pytest.approx(ff_ssim, abs=0.001)


def test_identical_pictures_score_perfect_and_degradation_lowers_scores() -> None:
    refs, tests = frames(3)
    assert psnr_db(mse(refs[0], refs[0])) == 100.0
    assert ssim(refs[0], refs[0]) == pytest.approx(1.0)
    psnrs = [psnr_db(mse(r, t)) for r, t in zip(refs, tests)]
    ssims = [ssim(r, t) for r, t in zip(refs, tests)]
    assert psnrs[0] > psnrs[1] > psnrs[2] and ssims[0] > ssims[1] > ssims[2]


def test_pairs_of_different_size_are_refused() -> None:
    with pytest.raises(ValueError, match="differ in size"):
        FullReferenceMeter().update(np.zeros((10, 10), np.uint8), np.zeros((10, 12), np.uint8))
