"""Content freezes on synthetic frames with a known frozen run."""

import numpy as np
import pytest

from metrics.content_freeze import ContentFreezeDetector


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
