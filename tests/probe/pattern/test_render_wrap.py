"""The pattern's picture and the live full-reference pairing survive the 16-bit counter wrap."""

from __future__ import annotations

import time

import numpy as np

from metrics.stamp import COUNTER_MODULUS, StampCodec, unwrap_counter
from probe.pattern.render import PatternRenderer
from probe.pattern.spec import PatternSpec

PAST_WRAP = COUNTER_MODULUS + 4321  # 38 minutes into a 30 fps show


def _not_flash_ms(renderer: PatternRenderer, counter: int) -> int:
    """A capture time near now at which frame ``counter`` is no flash frame."""
    now_ms = int(time.time() * 1000)
    for step in range(200):
        wallclock_ms = now_ms - step * 33
        if renderer.source_picture(counter, wallclock_ms % (1 << 32)) is not None:
            return wallclock_ms
    raise AssertionError("no non-flash instant found")


def test_a_viewer_reading_only_the_wrapped_counter_gets_the_true_source_picture() -> None:
    renderer = PatternRenderer(PatternSpec(width=320, height=240))
    wallclock_ms = _not_flash_ms(renderer, PAST_WRAP)
    sent = renderer.video_frame(PAST_WRAP, wallclock_ms)[:240]
    codec = StampCodec()
    stamp = codec.read(sent)
    assert stamp is not None and stamp.frame_counter_mod == PAST_WRAP % COUNTER_MODULUS
    # A viewer joining now (or a watch's fresh window) has no earlier counter to unwrap from.
    counter = unwrap_counter(stamp.frame_counter_mod, None)
    source = renderer.source_picture(counter, stamp.wallclock_ms_mod)
    assert source is not None
    band = codec.band_rows(240)
    assert np.array_equal(source[band:], sent[band:])


def test_the_picture_still_moves_from_frame_to_frame_across_the_wrap() -> None:
    renderer = PatternRenderer(PatternSpec(width=320, height=240))
    last = renderer.reference_y(COUNTER_MODULUS - 1)
    first = renderer.reference_y(COUNTER_MODULUS)
    assert not np.array_equal(last, first)
    assert np.array_equal(first, renderer.reference_y(0))
