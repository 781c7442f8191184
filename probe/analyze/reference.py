"""Full-reference scoring of a file against its source: frames paired by stamp, not position.

A stream loses and repeats frames, so the n-th decoded frame is not the n-th source frame. When
both files carry the pattern's stamp (``metrics.stamp``), frames are paired by the stamp's frame
counter: a dropped frame leaves its source frame unpaired, a repeated one pairs once. Without
stamps, frames are paired by position and the report says so. PSNR and SSIM come from
``metrics.fullref``; VMAF from FFmpeg's libvmaf (``probe.analyze.vmaf``) over the same pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from metrics.fullref import FullReferenceMeter
from metrics.stamp import StampCodec, unwrap_counter
from probe.analyze.vmaf import VmafPairs
from probe.errors import InputError
from probe.media.frames import y_plane

SSIM_EVERY = 2  # SSIM on every 2nd pair: it costs ten times PSNR
STAMP_PROBE_FRAMES = 10  # frames looked at to decide whether a file is stamped


@dataclass(frozen=True)
class ReferenceScores:
    psnr_db: float | None
    ssim: float | None
    vmaf: float | None
    notes: tuple[str, ...]


def _planes(path: Path) -> Iterator[np.ndarray]:
    """Y planes of the first video stream of ``path``; decoding errors end it early."""
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InputError(f"{path} has no video stream; a reference must be a video")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for frame in container.decode(stream):
                yield y_plane(frame)
    except av.error.FFmpegError:
        return  # a truncated tail: the pairs before it still count (the main pass notes it)


class _Counted:
    """Frames of one file with their unwrapped stamp counters (None when unread)."""

    def __init__(self, path: Path) -> None:
        self._frames = _planes(path)
        self._codec = StampCodec()
        self._last: int | None = None

    def __iter__(self) -> Iterator[tuple[int | None, np.ndarray]]:
        for y in self._frames:
            stamp = self._codec.read(y)
            if stamp is None:
                yield None, y
                continue
            self._last = unwrap_counter(stamp.frame_counter_mod, self._last)
            yield self._last, y


def _stamped(path: Path) -> bool:
    codec = StampCodec()
    for n, y in enumerate(_planes(path)):
        if n >= STAMP_PROBE_FRAMES:
            return False
        if codec.read(y) is not None:
            return True
    return False


def _by_counter(reference: Path, test: Path) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Pairs with equal stamp counters, walking both files forward (both counters increase)."""
    refs = iter(_Counted(reference))
    ref_counter, ref_y = next(refs, (None, None))
    for counter, y in _Counted(test):
        if counter is None:
            continue
        while ref_y is not None and (ref_counter is None or ref_counter < counter):
            ref_counter, ref_y = next(refs, (None, None))
        if ref_y is None:
            return
        if ref_counter == counter:
            yield ref_y, y


@dataclass(frozen=True)
class PairScores:
    """PSNR (dB), SSIM and VMAF over ``pairs`` aligned frame pairs (None without pairs)."""

    psnr_db: float | None
    ssim: float | None
    vmaf: float | None
    pairs: int


def score_frame_pairs(pairs: Iterable[tuple[np.ndarray, np.ndarray]], fps: float) -> PairScores:
    """PSNR and SSIM (``metrics.fullref``) and VMAF (libvmaf) over aligned (reference, test)
    Y planes of one size; ``fps`` is the pairs' rate (VMAF's motion feature)."""
    meter = FullReferenceMeter(ssim_every=SSIM_EVERY)
    vmaf_pairs: VmafPairs | None = None
    try:
        for ref_y, test_y in pairs:
            if vmaf_pairs is None:
                vmaf_pairs = VmafPairs(test_y.shape[1], test_y.shape[0], fps)
            meter.update(ref_y, test_y)
            vmaf_pairs.add(ref_y, test_y)
        vmaf = vmaf_pairs.score() if vmaf_pairs is not None else None
    finally:
        if vmaf_pairs is not None:
            vmaf_pairs.close()
    result = meter.result()
    return PairScores(result.psnr_db, result.ssim, vmaf, result.pairs)


def _same_size(pairs: Iterable[tuple[np.ndarray, np.ndarray]], path: Path,
               reference: Path) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for ref_y, test_y in pairs:
        if ref_y.shape != test_y.shape:
            raise InputError(
                f"{reference} is {ref_y.shape[1]}x{ref_y.shape[0]} but {path} is "
                f"{test_y.shape[1]}x{test_y.shape[0]}; give a reference of the same size")
        yield ref_y, test_y


def score_against_reference(path: Path, reference: Path, fps: float) -> ReferenceScores:
    """PSNR, SSIM and VMAF of ``path`` against ``reference``; a size mismatch is an
    ``InputError``, a length mismatch a note."""
    stamped = _stamped(reference) and _stamped(path)
    pairs = (_by_counter(reference, path) if stamped
             else zip(_planes(reference), _planes(path)))
    notes = [] if stamped else [
        f"frames paired with {reference.name} by position (no stamp code in both files): a "
        "dropped or repeated frame misaligns the rest"]
    result = score_frame_pairs(_same_size(pairs, path, reference), fps)
    if result.pairs == 0:
        raise InputError(f"no frame of {path} could be paired with {reference}; give the "
                         "source this file was encoded from")
    notes.append(f"full-reference scores over {result.pairs} frame pairs with {reference.name}"
                 + (" (paired by stamp)" if stamped else ""))
    return ReferenceScores(result.psnr_db, result.ssim, result.vmaf, tuple(notes))
