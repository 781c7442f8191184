"""Stamp code robustness: read fraction on clean encodes, and wrong reads on damaged frames.

Prints one line per figure; exits 1 when a floor is missed. Floors (latency issue):
- clean 640x360 at 300 kbps, VP8 and H.264 (real encode and decode): read on >= 99 % of frames;
- 1920x1080 at 8 Mbps: read on >= 99 %;
- impaired frames: no wrong read (a read that passes the CRC but differs from the truth) in
  100 000 frames (10 000 with --quick): part real decodes of corrupted bitstreams (bytes flipped
  or cut in encoded packets at 150 kbps, so the decoder produces broken pictures), part synthetic
  damage (blur, blocking, noise, flipped cells, overwritten areas).

Usage: python bench/bench_stamp.py [--quick]
"""

from __future__ import annotations

import argparse
import fractions
import sys
import time

import av
import cv2
import numpy as np

from metrics.stamp import StampCodec
from probe.media.encoders import open_video_encoder
from probe.media.encoding import VideoEncoding
from probe.pattern.render import PatternRenderer
from probe.pattern.spec import PatternSpec

READ_FLOOR = 0.99
EPOCH_MS = 1_764_000_000_000
TIME_BASE = fractions.Fraction(1, 90000)
CODEC = StampCodec()


def truth(index: int) -> tuple[int, int]:
    """(wall-clock ms mod 2^32, counter mod 2^16) drawn into frame ``index``."""
    return (EPOCH_MS + index * 33) % (1 << 32), index % (1 << 16)


def classify(stamp, index: int) -> str:
    """"right"; "stale" (a stamp really sent, of an earlier frame the decoder still shows, as
    error concealment does); or "wrong" (a value never sent: a misread the CRC let through)."""
    value = (stamp.wallclock_ms_mod, stamp.frame_counter_mod)
    if value == truth(index):
        return "right"
    return "stale" if value == truth(stamp.frame_counter_mod) else "wrong"


def frames(spec: PatternSpec, count: int):
    renderer = PatternRenderer(spec)
    for i in range(count):
        frame = av.VideoFrame.from_ndarray(renderer.video_frame(i, EPOCH_MS + i * 33),
                                           format="yuv420p")
        frame.pts, frame.time_base = i * 3000, TIME_BASE
        yield frame


def y_of(frame: av.VideoFrame) -> np.ndarray:
    plane = frame.planes[0]
    return np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]


def coded_reads(spec: PatternSpec, codec: str, kbps: int, count: int,
                damage: np.random.Generator | None = None) -> tuple[int, int, int, int]:
    """(frames decoded, stamps read, stale reads, wrong reads) through a real encoder/decoder."""
    encoder = open_video_encoder(VideoEncoding(codec, kbps), spec.width, spec.height, spec.fps)  # type: ignore[arg-type]
    decoder = av.CodecContext.create("libvpx" if codec == "vp8" else "h264", "r")
    decoded = read = stale = wrong = 0
    for frame in frames(spec, count):
        for packet in encoder.encode(frame):
            data = bytes(packet)
            if damage is not None and damage.random() < 0.5:
                data = _corrupt(data, damage)
            broken = av.Packet(data)
            broken.pts, broken.time_base = packet.pts, TIME_BASE
            try:
                pictures = decoder.decode(broken)
            except av.error.FFmpegError:
                continue
            for picture in pictures:
                decoded += 1
                stamp = CODEC.read(y_of(picture))
                if stamp is None:
                    continue
                read += 1
                verdict = classify(stamp, round(picture.pts / 3000))
                stale += verdict == "stale"
                wrong += verdict == "wrong"
    return decoded, read, stale, wrong


def _corrupt(data: bytes, rng: np.random.Generator) -> bytes:
    buf = bytearray(data)
    if rng.random() < 0.3 and len(buf) > 20:
        return bytes(buf[: int(rng.integers(10, len(buf)))])  # cut short, as a lost tail
    for _ in range(int(rng.integers(1, 8))):
        if len(buf) > 12:
            buf[int(rng.integers(10, len(buf)))] ^= int(rng.integers(1, 256))
    return bytes(buf)


def synthetic_wrong_reads(count: int, rng: np.random.Generator) -> tuple[int, int]:
    """(stamps read, wrong reads) over ``count`` frames with random synthetic damage."""
    spec = PatternSpec(width=640, height=360)
    renderer = PatternRenderer(spec)
    read = wrong = 0
    cell = CODEC.cell_px(spec.height)
    for i in range(count):
        y = renderer.video_frame(i, EPOCH_MS + i * 33)[: spec.height].copy()
        kind = i % 5
        if kind == 0:
            y = cv2.GaussianBlur(y, (0, 0), float(rng.uniform(1.0, 8.0)))
        elif kind == 1:
            factor = int(rng.integers(4, 16))
            small = cv2.resize(y, (spec.width // factor, spec.height // factor),
                               interpolation=cv2.INTER_AREA)
            y = cv2.resize(small, (spec.width, spec.height), interpolation=cv2.INTER_NEAREST)
        elif kind == 2:
            noise = rng.normal(0, float(rng.uniform(10, 80)), y.shape)
            y = np.clip(y + noise, 0, 255).astype(np.uint8)
        elif kind == 3:
            for _ in range(int(rng.integers(1, 4))):
                r, c = int(rng.integers(0, 4)), int(rng.integers(1, 21))
                block = y[r * cell:(r + 1) * cell, c * cell:(c + 1) * cell]
                block[:] = 251 - block
        else:
            h, w = int(rng.integers(10, 120)), int(rng.integers(10, 400))
            y[int(rng.integers(0, 60)):, :][:h, :w] = int(rng.integers(0, 256))
        stamp = CODEC.read(y)
        if stamp is not None:
            read += 1
            wrong += classify(stamp, i) != "right"
    return read, wrong


def main(quick: bool) -> int:
    failures = 0
    small = PatternSpec(width=640, height=360)
    clean_count = 150 if quick else 600
    for codec in ("vp8", "h264"):
        decoded, read, stale, wrong = coded_reads(small, codec, 300, clean_count)
        ok = read / decoded >= READ_FLOOR and wrong == stale == 0
        failures += not ok
        print(f"clean 360p {codec} 300 kbps: read {read}/{decoded} = {read / decoded:.4f} "
              f"(floor {READ_FLOOR}), wrong {wrong} {'ok' if ok else 'MISSED'}")
    decoded, read, stale, wrong = coded_reads(PatternSpec(1920, 1080), "vp8", 8000,
                                              30 if quick else 120)
    ok = read / decoded >= READ_FLOOR and wrong == stale == 0
    failures += not ok
    print(f"clean 1080p vp8 8 Mbps: read {read}/{decoded} = {read / decoded:.4f} "
          f"{'ok' if ok else 'MISSED'}")

    total = 10_000 if quick else 100_000
    rng = np.random.default_rng(2026)
    started = time.perf_counter()
    coded_frames = total * 3 // 10
    wrong_total = read_total = seen = stale_total = 0
    for codec in ("vp8", "h264"):
        decoded, read, stale, wrong = coded_reads(small, codec, 150, coded_frames // 2,
                                                  damage=rng)
        seen, read_total, wrong_total = seen + decoded, read_total + read, wrong_total + wrong
        stale_total += stale
    read, wrong = synthetic_wrong_reads(total - seen, rng)
    seen, read_total, wrong_total = total, read_total + read, wrong_total + wrong
    ok = wrong_total == 0
    failures += not ok
    print(f"impaired frames: {seen} (~{coded_frames} encoded with corrupted packets, the rest "
          f"synthetic damage), stamps accepted {read_total} (of which {stale_total} genuine "
          f"stamps of an earlier frame the decoder kept showing), wrong reads {wrong_total} "
          f"(floor 0) {'ok' if ok else 'MISSED'}  [{time.perf_counter() - started:.0f} s]")
    return 1 if failures else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 000 impaired frames (CI)")
    sys.exit(main(parser.parse_args().quick))
