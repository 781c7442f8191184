"""Content freezes on synthetic frames with a known frozen run, and against FFmpeg's freezedetect."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from metrics.content_freeze import ContentFreezeDetector, mafd


def moving(n: int, rng: np.random.Generator) -> np.ndarray:
    return rng.integers(0, 255, (72, 128), dtype=np.uint8) if n >= 0 else None


@pytest.mark.parametrize("frozen_frames", [15, 30, 90])
def test_frozen_run_is_one_event_of_known_length(frozen_frames: int) -> None:
    rng = np.random.default_rng(0)
    detector = ContentFreezeDetector()
    t, frame = 0.0, None
    for i in range(200):
        if not (50 < i <= 50 + frozen_frames):
            frame = moving(i, rng)
        detector.update(i / 30, frame)
    events = detector.events
    expected_s = (frozen_frames + 1) / 30
    if expected_s < 0.5:
        assert events == ()
        return
    assert len(events) == 1 and events[0].kind == "content"
    assert events[0].start_s == pytest.approx(50 / 30)
    assert events[0].duration_s == pytest.approx(expected_s)


def test_noise_below_the_floor_is_still_frozen_and_above_is_not() -> None:
    rng = np.random.default_rng(1)
    base = rng.integers(20, 230, (72, 128)).astype(np.int16)
    for amplitude, frozen in ((0, True), (1, False)):
        detector = ContentFreezeDetector()
        for i in range(60):
            jitter = rng.integers(-amplitude, amplitude + 1, base.shape) if amplitude else 0
            detector.update(i / 30, (base + jitter * (i % 2)).astype(np.uint8))
        assert bool(detector.events) is frozen


def test_freeze_running_at_the_end_is_reported() -> None:
    detector = ContentFreezeDetector()
    still = np.full((72, 128), 100, np.uint8)
    for i in range(40):
        detector.update(i / 30, still)
    assert len(detector.events) == 1
    assert detector.events[0].duration_s == pytest.approx(39 / 30)


def test_a_resolution_switch_is_a_change_and_a_frozen_picture_after_it_still_counts() -> None:
    """A sender that adapts its resolution mid-stream: the new size ends any run (it is a new
    picture), and a freeze at the new size is found as usual."""
    rng = np.random.default_rng(2)
    small = rng.integers(0, 255, (72, 128), dtype=np.uint8)
    large = rng.integers(0, 255, (144, 256), dtype=np.uint8)
    detector = ContentFreezeDetector()
    for i in range(60):  # 1 s at each size, each frozen throughout
        detector.update(i / 30, small if i < 30 else large)
    events = detector.events
    assert [round(e.start_s * 30) for e in events] == [0, 30]
    assert events[0].duration_s == pytest.approx(1.0)


def test_slow_fade_is_compared_with_where_the_run_began() -> None:
    """freezedetect's reference is the first frame of the run: a fade whose frames each differ
    from the last by less than the floor still drifts past it, and is no multi-second freeze."""
    base = np.random.default_rng(4).integers(50, 250, (72, 128)).astype(np.uint8)
    detector = ContentFreezeDetector()
    for i in range(120):  # 4 s at 30 fps; about 9 % of pixels drop a level a frame (0.00035)
        shade = (base.astype(np.float64) * (1 - i / 1600)).astype(np.uint8)
        detector.update(i / 30, shade)
    assert all(e.duration_s < 1.0 for e in detector.events)


def test_chroma_counts_and_the_normalisation_is_256() -> None:
    y = np.full((72, 128), 100, np.uint8)
    u_still, v = np.full((36, 64), 128, np.uint8), np.full((36, 64), 128, np.uint8)
    u_moved = u_still.copy()
    u_moved[:, :] = 140  # only chroma moved: a new picture
    detector = ContentFreezeDetector()
    for i in range(60):
        detector.update(i / 30, y, (u_moved if i % 2 else u_still, v))
    assert detector.events == ()
    # SAD / pixels of all planes / 256: 12 levels over a quarter-size plane.
    assert mafd((y, u_still, v), (y, u_moved, v)) == pytest.approx(
        12 * 36 * 64 / (72 * 128 + 2 * 36 * 64) / 256)


def test_a_run_reaching_the_minimum_on_its_first_changed_frame_is_a_freeze() -> None:
    """As in freezedetect, the duration is measured to the frame that differs again: a picture
    held for 14 frame intervals then changed at exactly 0.5 s is a freeze of 0.5 s."""
    rng = np.random.default_rng(3)
    detector = ContentFreezeDetector()
    held = rng.integers(0, 255, (72, 128), dtype=np.uint8)
    for i in range(40):
        frame = held if 10 <= i < 25 else rng.integers(0, 255, (72, 128), dtype=np.uint8)
        detector.update(i / 30, frame)
    assert [(round(e.start_s * 30), round(e.duration_s * 30)) for e in detector.events] == [(10, 15)]


def test_matches_ffmpeg_freezedetect_on_generated_files() -> None:
    done = subprocess.run([sys.executable, "bench/bench_content_freeze.py", "--quick"],
                          capture_output=True, text=True, timeout=300, check=False,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stdout + done.stderr
    assert "MISSED" not in done.stdout


def test_a_gap_between_two_different_frames_is_left_to_the_delivery_rule() -> None:
    rng = np.random.default_rng(5)
    detector = ContentFreezeDetector()
    for t in [i / 30 for i in range(30)] + [2.0 + i / 30 for i in range(30)]:
        detector.update(t, rng.integers(0, 255, (72, 128), dtype=np.uint8))
    assert detector.events == ()
