"""The stamped test pattern: deterministic frames and audio for the test room.

Video (yuv420p): a detailed texture (zone-plate rings, fine lines, a ramp, soft noise) scrolling
sideways and a bright block bouncing across it, so encoders must spend bits and blur or blocking
shows; the stamp code (``metrics.stamp``) in the top-left corner; a full white frame at each flash
instant (``metrics.pattern_schedule``). Everything but the stamp and the flash depends only on the
frame counter, so a reference frame can be regenerated for full-reference scoring.

Audio (mono int16): a continuous 440 Hz pilot at -20 dBFS (silence therefore means a gap) and a
50 ms 3 kHz burst at -6 dBFS at each flash instant minus the A/V offset. Samples are a pure
function of their capture time, so consecutive calls join without a phase step.
"""

from __future__ import annotations

import math
import time

import numpy as np

from metrics.pattern_schedule import (
    BURST_DBFS,
    BURST_HZ,
    BURST_MS,
    BURST_RAMP_MS,
    FLASH_LEVEL,
    is_flash_frame,
    tone_onsets_ms,
)
from metrics.stamp import COUNTER_MODULUS, StampCodec, unwrap_wallclock_ms
from probe.pattern.spec import PatternSpec

SCROLL_PX_PER_FRAME = 4
TEXTURE_SEED = 7
TEXTURE_STD = 40.0  # luma levels
BLOCK_SIZE_FRACTION = 0.18  # side of the bouncing block, as a fraction of the height
PILOT_HZ = 440.0
PILOT_DBFS = -20.0
INT16_PEAK = 32767.0


def _texture(height: int, width: int) -> np.ndarray:
    """A deterministic luma texture with the statistics of natural pictures (amplitude falling
    as 1/frequency, random phase), periodic so that it tiles seamlessly for scrolling.

    Natural statistics at every size keep the clarity features meaningful on the pattern: its
    detail reaches the Nyquist frequency of the frame, so a clean stream reads its full
    effective height, and an upscaled one reads the height it came from.
    """
    rng = np.random.default_rng(TEXTURE_SEED)
    fy = np.fft.fftfreq(height)[:, None]
    fx = np.fft.rfftfreq(width)[None, :]
    radius = np.hypot(fy, fx)
    radius[0, 0] = 1.0
    spectrum = (rng.standard_normal(radius.shape) + 1j * rng.standard_normal(radius.shape)) / radius
    spectrum[0, 0] = 0.0
    field = np.fft.irfft2(spectrum, s=(height, width))
    luma = 128 + TEXTURE_STD * field / field.std()
    return np.clip(luma, 16, 235).astype(np.uint8)


class PatternRenderer:
    """Renders frames and audio of a ``PatternSpec``."""

    def __init__(self, spec: PatternSpec) -> None:
        if spec.width % 2 or spec.height % 2:
            raise ValueError("pattern width and height must be even (4:2:0)")
        self.spec = spec
        self._stamps = StampCodec()
        self._texture = np.tile(_texture(spec.height, spec.width), (1, 2))
        half_h, half_w = spec.height // 2, spec.width // 2
        v, u = np.mgrid[0:half_h, 0:half_w]
        self._u = (128 + 40 * np.sin(u / half_w * 2 * math.pi)).astype(np.uint8)
        self._v = (128 + 40 * np.cos(v / half_h * 2 * math.pi)).astype(np.uint8)
        self._block = max(8, int(spec.height * BLOCK_SIZE_FRACTION))

    def reference_y(self, frame_counter: int) -> np.ndarray:
        """The Y plane of frame ``frame_counter`` without stamp and flash (a fresh array).

        The picture repeats with the stamp's 16-bit counter (every 36 minutes at 30 fps), so a
        viewer that reads only the counter modulo 2^16 (one that joined late, or a watch's new
        window) pairs each frame with its true source."""
        frame_counter %= COUNTER_MODULUS
        h, w = self.spec.height, self.spec.width
        offset = (frame_counter * SCROLL_PX_PER_FRAME) % w
        y = self._texture[:, offset: offset + w].copy()
        span_x, span_y = w - self._block, h - self._block
        x = abs((frame_counter * 7) % (2 * span_x) - span_x)
        top = abs((frame_counter * 3) % (2 * span_y) - span_y)
        y[top: top + self._block, x: x + self._block] = FLASH_LEVEL
        return y

    def source_picture(self, frame_counter: int, wallclock_ms_mod: int) -> np.ndarray | None:
        """The Y plane of stamped frame ``frame_counter`` as rendered, for live full-reference
        scores (``metrics.analysis.ReferenceSource``); None for a flash frame. The code band is
        not drawn: it is left out of the comparison."""
        wallclock_ms = unwrap_wallclock_ms(wallclock_ms_mod, int(time.time() * 1000))
        if is_flash_frame(wallclock_ms, self.spec.fps, self.spec.flash_period_s):
            return None
        return self.reference_y(frame_counter)

    def video_frame(self, frame_counter: int, wallclock_ms: int) -> np.ndarray:
        """Frame ``frame_counter`` captured at ``wallclock_ms``, as a (H*3/2, W) yuv420p array."""
        h, w = self.spec.height, self.spec.width
        frame = np.empty((h * 3 // 2, w), dtype=np.uint8)
        y = frame[:h]
        if is_flash_frame(wallclock_ms, self.spec.fps, self.spec.flash_period_s):
            y.fill(FLASH_LEVEL)
        else:
            y[:] = self.reference_y(frame_counter)
        self._stamps.draw(y, wallclock_ms, frame_counter)
        chroma = frame[h:].reshape(2, h // 2, w // 2)  # yuv420p: U plane, then V plane
        chroma[0] = self._u
        chroma[1] = self._v
        return frame

    def audio_samples(self, first_sample_wallclock_ms: float, n: int) -> np.ndarray:
        """``n`` mono int16 samples, the first captured at ``first_sample_wallclock_ms``."""
        rate = self.spec.sample_rate
        t_ms = first_sample_wallclock_ms + np.arange(n) * (1000.0 / rate)
        # Phase from time modulo the pilot's period keeps float precision at epoch-scale times.
        pilot_phase = (t_ms % (1000.0 / PILOT_HZ)) * (PILOT_HZ / 1000.0)
        signal = 10 ** (PILOT_DBFS / 20) * math.sqrt(2) * np.sin(2 * math.pi * pilot_phase)
        onsets = tone_onsets_ms(first_sample_wallclock_ms - BURST_MS, t_ms[-1] + 1.0,
                                self.spec.flash_period_s, self.spec.av_offset_ms)
        for onset_ms in onsets:
            since_ms = t_ms - onset_ms
            inside = (since_ms >= 0) & (since_ms < BURST_MS)
            if not inside.any():
                continue
            edge = np.minimum(since_ms, BURST_MS - since_ms)[inside] / BURST_RAMP_MS
            envelope = np.where(edge < 1.0, 0.5 - 0.5 * np.cos(math.pi * np.clip(edge, 0, 1)), 1.0)
            phase = (since_ms[inside] % (1000.0 / BURST_HZ)) * (BURST_HZ / 1000.0)
            signal[inside] = 10 ** (BURST_DBFS / 20) * envelope * np.sin(2 * math.pi * phase)
        return np.round(np.clip(signal, -1.0, 1.0) * INT16_PEAK).astype(np.int16)
