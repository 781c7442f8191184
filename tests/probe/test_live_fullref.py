"""Live PSNR/SSIM in the embedded room, against the pattern the probe knows frame by frame.

Truth injected: the same pattern encoded at a tenth of the bitrate must lose clearly in PSNR and
SSIM; and the live figure must match an offline computation on the same kind of encode.
Both windows hold no flash: the frames after a flash are the encoder's worst, and a 4 s window
at a random phase held one or two of them, which moved the live figure by 3 dB.
"""

from __future__ import annotations

import asyncio
import fractions
import time

import av
import numpy as np
import pytest

from metrics.fullref import mse, psnr_db
from metrics.pattern_schedule import DEFAULT_FLASH_PERIOD_S
from metrics.report import Report
from metrics.stamp import StampCodec
from probe.check import CheckOptions, run_check
from probe.media.encoders import open_video_encoder
from probe.media.encoding import VideoEncoding
from probe.pattern.render import PatternRenderer
from probe.pattern.spec import PatternSpec

SPEC = PatternSpec(width=640, height=360)


def offline_psnr_db(bitrate_kbps: int, frames: int = 80) -> float:
    """PSNR of the pattern through the room's own encoder and a decoder, no network."""
    renderer = PatternRenderer(SPEC)
    encoder = open_video_encoder(VideoEncoding(bitrate_kbps=bitrate_kbps), SPEC.width,
                                 SPEC.height, SPEC.fps)
    decoder = av.CodecContext.create("libvpx", "r")
    codec = StampCodec()
    band = codec.band_rows(SPEC.height)  # the live score leaves the code band out
    errors = []
    for n in range(frames):
        wallclock_ms = 1_764_000_000_100 + n * 33  # 80 frames: clear of the next flash (3 s)
        frame = av.VideoFrame.from_ndarray(renderer.video_frame(n, wallclock_ms), format="yuv420p")
        frame.pts, frame.time_base = n * 3000, fractions.Fraction(1, 90000)
        for packet in encoder.encode(frame):
            for decoded in decoder.decode(packet):
                y = decoded.to_ndarray()[: SPEC.height]
                stamp = codec.read(y)  # rate control may drop frames: pair by the stamp
                if stamp is not None:
                    source = renderer.reference_y(stamp.frame_counter_mod)
                    errors.append(mse(source[band:], y[band:]))
    return psnr_db(float(np.mean(errors)))


async def check_between_flashes(bitrate_kbps: int) -> Report:
    """A 1.5 s check started just after a flash instant: joining takes well under the 1.5 s
    left before the next flash, so its window holds none."""
    period_ms = DEFAULT_FLASH_PERIOD_S * 1000.0
    await asyncio.sleep((period_ms - time.time() * 1000.0 % period_ms) / 1000.0 + 0.05)
    return await run_check(CheckOptions(duration_s=1.5, pattern=SPEC,
                                        encoding=VideoEncoding(bitrate_kbps=bitrate_kbps)))


@pytest.mark.integration
async def test_live_psnr_and_ssim_follow_the_bitrate() -> None:
    low, high = [await check_between_flashes(kbps) for kbps in (150, 1500)]
    assert high.clarity.psnr_db > low.clarity.psnr_db + 3.0
    assert 0 < low.clarity.ssim < high.clarity.ssim <= 1.0
    assert high.clarity.vmaf is None  # VMAF only with analyze --reference
    # Both include the encoder's start-up (a fresh keyframe when the viewer joins).
    assert high.clarity.psnr_db == pytest.approx(offline_psnr_db(1500), abs=1.5)
