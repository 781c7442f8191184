"""``compare --offline``: encode the clip with one setting using the room's own encoder, score it.

The encode is the one the room sends (``probe.media.encoders.configure_video_encoder``), written
to a Matroska file. Scores, as the anchors (AWCY, Netflix's vmaf tools) score a file:
- delivered bitrate: the coded bytes over the clip's duration;
- VMAF, PSNR and SSIM against the source at the source's size: each decoded frame is scaled back
  up with swscale's bicubic (FFmpeg's ``scale`` default) and paired with the source frame it
  encodes (``probe.analyze.reference.score_frame_pairs``);
- clarity and freezes: ``streamprobe analyze`` of the encoded file;
- the encoder's CPU: its thread's CPU seconds over the clip's seconds (cores to keep up), and
  whether encoding took less wall time than the clip lasts (it kept real time, on this host).
"""

from __future__ import annotations

import fractions
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

from metrics.compare import RunScores, Setting
from metrics.compare.ranking import NO_IMPAIRMENT
from probe.analyze.file import analyze_file
from probe.analyze.reference import score_frame_pairs
from probe.compare.source import CompareSource
from probe.errors import InputError
from probe.media.encoders import VIDEO_TIME_BASE, configure_video_encoder, video_encoder_name
from probe.media.encoding import VideoEncoding
from probe.media.frames import y_plane

SCALE_INTERPOLATION = "BICUBIC"  # FFmpeg's scale filter default (flags=bicubic)


@dataclass(frozen=True)
class Encoded:
    """An encode on disk: its file, frames, coded bytes, encoder CPU and wall seconds."""

    path: Path
    frames: int
    fps: float
    coded_bytes: int
    encode_cpu_s: float
    encode_wall_s: float

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps

    @property
    def delivered_kbps(self) -> float:
        return self.coded_bytes * 8 / self.duration_s / 1000.0


def encoding_of(setting: Setting) -> VideoEncoding:
    """The room's ``VideoEncoding`` for ``setting``."""
    return VideoEncoding(codec=setting.codec, bitrate_kbps=setting.bitrate_kbps,  # type: ignore[arg-type]
                         keyframe_interval_s=setting.keyframe_interval_s, speed=setting.speed)


def frame_count(setting: Setting, duration_s: float) -> int:
    return max(1, round(duration_s * setting.fps))


def encoder_refused(setting: Setting, err: Exception) -> InputError:
    """The one-line error for an encoder that refused ``setting``."""
    return InputError(f"the {setting.codec} encoder refused {setting.describe()} ({err}); "
                      "change that value in the grid")


def _scaled_frames(source: CompareSource, setting: Setting,
                   frames: int) -> Iterator[av.VideoFrame | None]:
    """The source's frames at the setting's size and rate with 90 kHz pts, then None (flush)."""
    for i, frame in enumerate(source.frames_at(setting.fps, frames)):
        scaled = frame.reformat(width=setting.width, height=setting.height, format="yuv420p",
                                interpolation=SCALE_INTERPOLATION)
        scaled.pts = round(i * 90000 / setting.fps)
        scaled.time_base = VIDEO_TIME_BASE
        yield scaled
    yield None


def encode_setting(source: CompareSource, setting: Setting, duration_s: float,
                   path: Path) -> Encoded:
    """Encode ``duration_s`` of ``source`` with ``setting`` into ``path`` (Matroska); an
    encoder that refuses the setting is an ``InputError`` naming it."""
    frames = frame_count(setting, duration_s)
    cpu_s = wall_s = 0.0
    coded = 0
    try:
        with av.open(str(path), "w", format="matroska") as container:
            stream = container.add_stream(video_encoder_name(encoding_of(setting)),
                                          rate=fractions.Fraction(round(setting.fps * 1000), 1000))
            configure_video_encoder(stream.codec_context, encoding_of(setting), setting.width,
                                    setting.height, setting.fps)
            stream.time_base = VIDEO_TIME_BASE
            for frame in _scaled_frames(source, setting, frames):
                cpu0, wall0 = time.thread_time(), time.perf_counter()
                packets = stream.encode(frame)
                cpu_s += time.thread_time() - cpu0
                wall_s += time.perf_counter() - wall0
                coded += sum(p.size for p in packets)
                container.mux(packets)
    except (av.error.FFmpegError, ValueError) as err:
        raise encoder_refused(setting, err) from err
    return Encoded(path, frames, setting.fps, coded, cpu_s, wall_s)


def _decoded_at_source_size(encoded: Encoded, source: CompareSource) -> Iterator[np.ndarray]:
    with av.open(str(encoded.path)) as container:
        for frame in container.decode(container.streams.video[0]):
            yield y_plane(frame.reformat(width=source.width, height=source.height,
                                         format="yuv420p", interpolation=SCALE_INTERPOLATION))


def score_encode(source: CompareSource, setting: Setting, encoded: Encoded,
                 repeat: int = 0) -> RunScores:
    """The offline run's scores of ``encoded`` (see the module's docstring)."""
    references = (y_plane(f) for f in source.frames_at(setting.fps, encoded.frames))
    full = score_frame_pairs(zip(references, _decoded_at_source_size(encoded, source)),
                             setting.fps)
    report = analyze_file(encoded.path)
    return RunScores(
        setting=setting, impairment=NO_IMPAIRMENT, repeat=repeat,
        duration_s=encoded.duration_s, delivered_kbps=encoded.delivered_kbps,
        vmaf=full.vmaf, psnr_db=full.psnr_db, ssim=full.ssim,
        clarity_score=report.clarity.score, freeze_count=report.stutter.freeze_count,
        glass_to_glass_p50_ms=None,
        encode_cores=encoded.encode_cpu_s / encoded.duration_s,
        kept_real_time=encoded.encode_wall_s <= encoded.duration_s)


def encode_name(setting: Setting, repeat: int = 0) -> str:
    """The file name of the encode of ``setting`` (repeat ``repeat``) in the encodes folder."""
    return f"{setting.describe().replace(' ', '_')}_r{repeat}.mkv"


def run_offline(source: CompareSource, setting: Setting, duration_s: float, folder: Path,
                repeat: int = 0) -> RunScores:
    """Encode and score one setting; the encode is left in ``folder`` (``encode_name``)."""
    encoded = encode_setting(source, setting, duration_s, folder / encode_name(setting, repeat))
    return score_encode(source, setting, encoded, repeat)
