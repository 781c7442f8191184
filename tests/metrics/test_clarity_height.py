"""Effective height on upscales from any height, with FFmpeg's scalers (not our round trip's)."""

from __future__ import annotations

import subprocess

import cv2
import imageio_ffmpeg
import numpy as np
import pytest

from metrics.clarity.height import effective_height, resampling_frequencies
from tests.metrics.test_clarity_picture import jpeg, natural_picture

PICTURE = natural_picture()


def ffmpeg_scale(picture: np.ndarray, width: int, height: int, flags: str) -> np.ndarray:
    """``picture`` scaled by FFmpeg's swscale (an upscaler independent of the probe's code)."""
    data = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "rawvideo",
                           "-pix_fmt", "gray", "-s", f"{picture.shape[1]}x{picture.shape[0]}",
                           "-i", "-", "-vf", f"scale={width}:{height}:flags={flags}",
                           "-f", "rawvideo", "-pix_fmt", "gray", "-"],
                          input=np.ascontiguousarray(picture).tobytes(), capture_output=True,
                          check=True, timeout=60).stdout
    return np.frombuffer(data, np.uint8).reshape(height, width)


def upscaled(rows: int, flags: str = "bicubic", quality: int | None = None,
             picture: np.ndarray = PICTURE) -> np.ndarray:
    """``picture`` reduced to ``rows`` (area), optionally a JPEG there, upscaled back by FFmpeg."""
    h, w = picture.shape
    small = cv2.resize(picture, (round(w * rows / h / 2) * 2, rows), interpolation=cv2.INTER_AREA)
    if quality is not None:
        small = jpeg(small, quality)
    return ffmpeg_scale(small, w, h, flags)


# Heights no list holds (400, 450, 630, 1000) and common ones, from 1080 rows.
@pytest.mark.parametrize("rows", [300, 360, 400, 450, 540, 630, 720, 810, 1000])
@pytest.mark.parametrize("flags", ["bicubic", "bilinear"])
def test_effective_height_of_an_upscale_from_any_height(rows: int, flags: str) -> None:
    assert effective_height(upscaled(rows, flags)) == pytest.approx(rows, rel=0.02)


@pytest.mark.parametrize("rows", [360, 400, 576, 630])
def test_effective_height_of_a_compressed_picture_upscaled(rows: int) -> None:
    # The small picture's own 8-px JPEG blocks repeat every 8 * 1080 / rows rows once upscaled.
    assert effective_height(upscaled(rows, quality=40)) == pytest.approx(rows, rel=0.15)


@pytest.mark.parametrize("rows", [300, 400, 450, 540])
def test_effective_height_of_an_upscale_from_another_size(rows: int) -> None:
    # 720 rows: nothing about the heights is tied to 1080 (450 is 5/8 of 720, on the block
    # grid's harmonics, found as a block-aligned candidate).
    picture = natural_picture(720, 1280, seed=8)
    assert effective_height(upscaled(rows, picture=picture)) == pytest.approx(rows, rel=0.02)


def test_the_resampling_trace_peaks_at_the_source_rows_over_the_picture_rows() -> None:
    # 400 of 1080 rows: the second difference repeats every 2.7 rows, 0.370 cycles/row.
    assert resampling_frequencies(upscaled(400))[0] == pytest.approx(400 / 1080, abs=0.002)


@pytest.mark.parametrize("height", [360, 720, 1080])
@pytest.mark.parametrize("quality", [None, 40, 10])
def test_a_native_picture_reads_its_own_height(height: int, quality: int | None) -> None:
    picture = natural_picture(height, round(height * 16 / 9))
    if quality is not None:
        picture = jpeg(picture, quality)
    assert effective_height(picture) == height


def test_a_picture_too_soft_to_tell_is_unknown() -> None:
    soft = cv2.GaussianBlur(PICTURE, (0, 0), 12.0)
    assert effective_height(soft) is None
