"""The clip a compare encodes: a video file (looped to the duration) or the stamped pattern.

Frames come out as yuv420p ``av.VideoFrame`` at the source's own size, ``frames_at(fps)``
resampling the source's rate by picking, for output frame ``i``, the source frame shown at
``i / fps`` (as FFmpeg's ``fps`` filter rounds down). The digest names the clip in the cache.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av

from metrics.pattern_schedule import DEFAULT_FLASH_PERIOD_S
from probe.errors import InputError
from probe.pattern.render import PatternRenderer
from probe.pattern.spec import PatternSpec

DIGEST_CHUNK_BYTES = 1 << 20
PATTERN_EPOCH_MS = 1_700_000_000_000  # the pattern's stamped clock starts here: reproducible


@dataclass(frozen=True)
class CompareSource:
    """A file (``path``) or the pattern (``path`` None): size (px), rate (fps), content digest."""

    path: Path | None
    width: int
    height: int
    fps: float
    digest: str

    @property
    def name(self) -> str:
        return self.path.name if self.path is not None else "pattern"

    def _source_frames(self) -> Iterator[av.VideoFrame]:
        """Source frames at the source's rate, forever (a file loops)."""
        if self.path is None:
            renderer = PatternRenderer(PatternSpec(self.width, self.height, self.fps))
            for counter in itertools.count():
                wall_ms = PATTERN_EPOCH_MS + round(counter * 1000 / self.fps)
                yield av.VideoFrame.from_ndarray(renderer.video_frame(counter, wall_ms),
                                                 format="yuv420p")
        while True:
            with av.open(str(self.path)) as container:
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                for frame in container.decode(stream):
                    yield frame.reformat(width=self.width, height=self.height, format="yuv420p")

    def frames_at(self, fps: float, count: int) -> Iterator[av.VideoFrame]:
        """``count`` frames at ``fps`` (source size, yuv420p)."""
        source = self._source_frames()
        shown, index = next(source), 0
        for i in range(count):
            wanted = int(i * self.fps / fps + 1e-9)
            while index < wanted:
                shown, index = next(source), index + 1
            yield shown


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(DIGEST_CHUNK_BYTES):
            sha.update(chunk)
    return sha.hexdigest()


DEFAULT_PATTERN = PatternSpec()


def open_source(path: Path | None, pattern: PatternSpec = DEFAULT_PATTERN) -> CompareSource:
    """The clip at ``path`` (checked to decode) or, without a path, the stamped ``pattern``."""
    if path is None:
        text = f"pattern {pattern.width}x{pattern.height} {pattern.fps:g} {DEFAULT_FLASH_PERIOD_S}"
        return CompareSource(None, pattern.width, pattern.height, pattern.fps,
                             hashlib.sha256(text.encode()).hexdigest())
    if not path.is_file():
        raise InputError(f"{path}: no such source file; give a video file, or no SOURCE for "
                         "the stamped pattern")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                raise InputError(f"{path} has no video stream; a compare source must be a video")
            stream = container.streams.video[0]
            first = next(container.decode(stream), None)
            rate = stream.average_rate or stream.guessed_rate
    except (av.error.FFmpegError, UnicodeDecodeError) as err:
        raise InputError(f"{path} cannot be decoded as video ({err}); give a complete video "
                         "file") from err
    if first is None:
        raise InputError(f"{path}: no video frame could be decoded; the file is empty or corrupt")
    width, height = first.width - first.width % 2, first.height - first.height % 2
    return CompareSource(path, width, height, float(rate) if rate else 30.0, _digest(path))
