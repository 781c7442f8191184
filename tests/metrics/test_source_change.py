"""Source changes: size changes and stamped-state flips, but not a few unreadable stamps."""

from metrics.source_change import CHANGES_KEPT, STAMP_STATE_FRAMES, SourceChangeDetector


def feed(detector: SourceChangeDetector, frames: list[tuple[int, int, bool]]) -> None:
    for n, (w, h, stamped) in enumerate(frames):
        detector.update(n / 30, w, h, stamped)


def test_a_steady_stream_has_no_change_even_with_some_unread_stamps() -> None:
    detector = SourceChangeDetector()
    frames = [(1280, 720, True)] * 60
    frames[10:10 + STAMP_STATE_FRAMES - 1] = [(1280, 720, False)] * (STAMP_STATE_FRAMES - 1)
    feed(detector, frames)
    assert detector.count == 0 and detector.notes() == ()


def test_pattern_to_publisher_is_one_change_with_its_time() -> None:
    detector = SourceChangeDetector()
    feed(detector, [(1280, 720, True)] * 90 + [(720, 528, False)] * 60)
    assert detector.count == 1
    (change,) = detector.changes
    assert change.t_s == 3.0 and change.before == "1280x720 stamped"
    (note,) = detector.notes()
    assert "at 3.0 s 1280x720 stamped -> 720x528" in note


def test_stamps_going_away_at_the_same_size_is_a_change_once_it_lasts() -> None:
    detector = SourceChangeDetector()
    feed(detector, [(640, 360, True)] * 30 + [(640, 360, False)] * 40)
    assert detector.count == 1
    assert detector.changes[0].t_s == (30 + STAMP_STATE_FRAMES - 1) / 30
    assert detector.changes[0].after == "640x360 unstamped"


def test_many_changes_keep_the_first_few_and_count_all() -> None:
    detector = SourceChangeDetector()
    feed(detector, [(320 + 2 * (n % 2), 180, False) for n in range(40)])
    assert detector.count == 39 and len(detector.changes) == CHANGES_KEPT
    assert "and 29 more" in detector.notes()[0]
