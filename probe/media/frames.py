"""Zero-copy access to decoded PyAV frames for the metrics."""

from __future__ import annotations

from collections.abc import AsyncIterator

import av
import numpy as np
from aiortc import MediaStreamTrack
from aiortc.mediastreams import MediaStreamError


def y_plane(frame: av.VideoFrame) -> np.ndarray:
    """The luma plane of a planar YUV frame as an HxW uint8 view (no copy, no colour conversion).

    The view keeps the frame's buffer alive; rows may be padded, so it is strided.
    """
    plane = frame.planes[0]
    rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


def chroma_planes(frame: av.VideoFrame) -> tuple[np.ndarray, ...]:
    """The U and V planes of a planar YUV frame as uint8 views (no copy); () for other formats."""
    if not frame.format.name.startswith(("yuv", "yuvj")) or len(frame.planes) < 3:
        return ()
    views = []
    for plane in frame.planes[1:3]:
        rows = np.frombuffer(plane, dtype=np.uint8).reshape(plane.height, plane.line_size)
        views.append(rows[:, : plane.width])
    return tuple(views)


def audio_samples_int16(frame: av.AudioFrame) -> np.ndarray:
    """The frame's samples as int16 (interleaved or planar, as decoded), converting only if needed."""
    if frame.format.name in ("s16", "s16p"):
        return frame.to_ndarray()
    samples = frame.to_ndarray().astype(np.float64)
    return np.clip(samples * 32767.0, -32768, 32767).astype(np.int16)


async def frames_of(track: MediaStreamTrack) -> AsyncIterator[av.frame.Frame]:
    """Every frame a track delivers, until the track ends."""
    while True:
        try:
            yield await track.recv()
        except MediaStreamError:
            return
