"""Picture features on synthetic pictures with a known degradation: blur, JPEG, noise, edges."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from metrics.clarity.picture import (
    analysis_canvas,
    blockiness,
    blur,
    noise_level,
    ringing,
    sharpness,
)


def natural_picture(height: int = 1080, width: int = 1920, seed: int = 5) -> np.ndarray:
    """A picture with natural-image statistics: 1/f amplitude spectrum, random phase."""
    rng = np.random.default_rng(seed)
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.fftfreq(width)[None, :]
    radius = np.hypot(fy, fx)
    radius[0, 0] = 1.0
    spectrum = rng.standard_normal((height, width)) + 1j * rng.standard_normal((height, width))
    field = np.real(np.fft.ifft2(spectrum / radius))
    return np.clip((field - field.mean()) / field.std() * 40 + 128, 0, 255).astype(np.uint8)


def jpeg(picture: np.ndarray, quality: int) -> np.ndarray:
    ok, data = cv2.imencode(".jpg", picture, [cv2.IMWRITE_JPEG_QUALITY, quality])
    assert ok
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)


PICTURE = natural_picture()
CANVAS = analysis_canvas(PICTURE)


def blurred(sigma: float) -> np.ndarray:
    return cv2.GaussianBlur(CANVAS, (0, 0), sigma) if sigma else CANVAS


def test_sharpness_falls_and_blur_rises_with_gaussian_sigma() -> None:
    sigmas = [0.0, 0.5, 1.0, 1.5, 2.5, 4.0]
    sharp = [sharpness(blurred(s)) for s in sigmas]
    blurs = [blur(blurred(s)) for s in sigmas]
    assert all(a > b for a, b in zip(sharp, sharp[1:])), sharp
    assert all(a < b for a, b in zip(blurs, blurs[1:])), blurs
    assert 0.0 <= blurs[0] < 0.5 < blurs[-1] <= 1.0


def test_blockiness_rises_as_jpeg_quality_falls() -> None:
    qualities = [95, 70, 40, 20, 8]
    values = [blockiness(jpeg(PICTURE, q)) for q in qualities]
    assert all(a < b for a, b in zip(values, values[1:])), values
    assert values[0] == pytest.approx(1.0, abs=0.1)  # near-lossless: no grid
    assert values[-1] > 1.5


def test_noise_level_tracks_added_gaussian_noise() -> None:
    flat = np.full((540, 960), 120, np.uint8)
    rng = np.random.default_rng(2)
    for sigma in (2.0, 5.0, 10.0):
        noisy = np.clip(flat + rng.normal(0, sigma, flat.shape), 0, 255).astype(np.uint8)
        assert noise_level(noisy) == pytest.approx(sigma, rel=0.15)
    smooth = blurred(1.0)
    levels = [noise_level(np.clip(smooth + rng.normal(0, s, smooth.shape), 0, 255)
                          .astype(np.uint8)) for s in (0, 3, 6, 12)]
    assert all(a < b for a, b in zip(levels, levels[1:])), levels


def shapes_picture(height: int = 540, width: int = 960, seed: int = 4) -> np.ndarray:
    """Flat-shaded rectangles and discs on a smooth ramp: strong edges beside flat areas."""
    rng = np.random.default_rng(seed)
    picture = np.tile(np.linspace(60, 180, width, dtype=np.float32), (height, 1))
    for _ in range(40):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        size, level = int(rng.integers(10, 60)), float(rng.integers(0, 255))
        if rng.random() < 0.5:
            cv2.rectangle(picture, (x, y), (x + size, y + size), level, -1)
        else:
            cv2.circle(picture, (x, y), size // 2, level, -1, lineType=cv2.LINE_AA)
    return picture.astype(np.uint8)


def test_ringing_rises_as_jpeg_quality_falls() -> None:
    # Edges as a lens leaves them (a 1-px blur); quantising the DCT rings beside them.
    shapes = cv2.GaussianBlur(shapes_picture(), (0, 0), 1.0)
    values = [ringing(shapes)] + [ringing(jpeg(shapes, q)) for q in (95, 50, 20)]
    assert all(a < b for a, b in zip(values, values[1:])), values
    assert values[-1] > 1.8 * values[0], values


def test_ringing_is_one_without_edges() -> None:
    assert ringing(np.full((540, 960), 100, np.uint8)) == 1.0


# The features as their definitions read, in plain NumPy: the fast versions must agree.
def reference_blockiness(y: np.ndarray) -> float:
    def mean_step(a: np.ndarray, b: np.ndarray) -> float:
        n = min(a.shape[0], b.shape[0]), min(a.shape[1], b.shape[1])
        return float(np.abs(a[: n[0], : n[1]].astype(int) - b[: n[0], : n[1]]).mean())
    across = mean_step(y[::4, 7::8], y[::4, 8::8]) / mean_step(y[::4, 3::8], y[::4, 4::8])
    down = mean_step(y[7::8, ::4], y[8::8, ::4]) / mean_step(y[3::8, ::4], y[4::8, ::4])
    return (across + down) / 2


def reference_blur(canvas: np.ndarray) -> float:
    picture = canvas.astype(int)
    total = lost = 0
    for lines in (picture[::4], picture.T[::4]):  # every 4th row, every 4th column
        padded = np.pad(lines, ((0, 0), (4, 4)), mode="reflect")  # OpenCV's default border
        box = np.stack([padded[:, k: k + lines.shape[1]] for k in range(9)]).sum(axis=0)
        smooth = np.floor(box / 9 + 0.5)  # cv2.blur rounds to nearest
        steps = np.abs(np.diff(lines, axis=1))
        total += steps.sum()
        lost += np.maximum(steps - np.abs(np.diff(smooth, axis=1)), 0).sum()
    return 1 - lost / total


def reference_noise(canvas: np.ndarray) -> float:
    h, w = canvas.shape
    centre = canvas[h // 4: 3 * h // 4, w // 4: 3 * w // 4].astype(int)
    mask = [[1, -2, 1], [-2, 4, -2], [1, -2, 1]]
    response = sum(mask[i][j] * centre[i: centre.shape[0] - 2 + i, j: centre.shape[1] - 2 + j]
                   for i in range(3) for j in range(3))
    return float(np.sqrt(np.pi / 2) * np.abs(response).mean() / 6)


@pytest.mark.parametrize("shape", [(1080, 1920), (361, 643), (200, 90)])
def test_fast_features_match_their_plain_definitions(shape: tuple[int, int]) -> None:
    y = jpeg(natural_picture(*shape, seed=9), 30)
    canvas = analysis_canvas(y)
    assert blockiness(y) == pytest.approx(reference_blockiness(y), rel=1e-12)
    assert blur(canvas) == pytest.approx(reference_blur(canvas), rel=1e-12)
    assert noise_level(canvas) == pytest.approx(reference_noise(canvas), rel=1e-12)
