"""``streamprobe analyze FILE``: score a recorded or sample stream with the live metrics code.

A file is "frames with presentation times": each decoded frame goes to the same
``StreamAnalyzer`` a live check uses, with its pts as its time and no wall clock (so glass-to-glass
is null and ``latency.clock`` is "none").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import av

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.report import Report, Target
from metrics.verdict import ThresholdsError, load_limits
from probe.analysis_worker import AnalysisWorker
from probe.errors import InputError
from probe.frames import audio_samples_int16, y_plane
from probe.reference import score_against_reference

DEFAULT_FPS = 30.0  # for a file that does not say its frame rate (VMAF's motion feature)
ANALYSIS_QUEUE_FRAMES = 8  # decoded frames waiting for analysis, at most


def _open(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        return av.open(str(path), mode="r")
    except (av.error.FFmpegError, UnicodeDecodeError) as err:
        raise InputError(f"{path} is not a readable media file ({err}); "
                         "check that it is a complete video file") from err


def analyze_file(path: Path, thresholds: Path | None = None,
                 on_progress: Callable[[float, float], None] | None = None,
                 reference: Path | None = None) -> Report:
    """Decode ``path`` and score every frame; ``on_progress(done_s, total_s)`` as it goes.

    A file that breaks off mid-way gives a partial report that says where (``notes``), rather
    than an error, as long as some video was decoded. With ``reference`` (the source), PSNR,
    SSIM and VMAF are added (``probe.reference``).
    """
    try:
        limits = load_limits(thresholds)
    except ThresholdsError as err:
        raise InputError(str(err)) from err
    if reference is not None and not reference.exists():
        raise InputError(f"{reference}: no such file (--reference)")
    with _open(path) as container:
        if not container.streams.video:
            raise InputError(f"{path} has no video stream; analyze needs video")
        video = container.streams.video[0]
        video.thread_type = "AUTO"
        audio = container.streams.audio[0] if container.streams.audio else None
        total_s = float(container.duration / av.time_base) if container.duration else 0.0
        analyzer = StreamAnalyzer()
        notes: list[str] = []
        last_t_s = 0.0
        worker = AnalysisWorker(max_pending=ANALYSIS_QUEUE_FRAMES)
        try:
            try:
                for frame in container.decode(*(s for s in (video, audio) if s is not None)):
                    if frame.time is None:
                        continue
                    if isinstance(frame, av.VideoFrame):
                        last_t_s = frame.time
                        worker.submit(analyzer.video_frame, frame.time, y_plane(frame))
                        if on_progress is not None:
                            on_progress(last_t_s, total_s)
                    else:
                        worker.submit(analyzer.audio_frame, frame.time,
                                      audio_samples_int16(frame), frame.sample_rate,
                                      len(frame.layout.channels))
            except av.error.FFmpegError as err:
                notes.append(f"decoding stopped at {last_t_s:.2f} s: {err}; the figures cover "
                             "the part before it")
            worker.finish()
        finally:
            worker.close()
        if analyzer.frames == 0:
            raise InputError(f"{path}: no video frame could be decoded; the file is empty or "
                             "corrupt")
        facts = RunFacts(target=Target(url=str(path), protocol="file"), clock="none",
                         video_codec=video.codec_context.name,
                         audio_codec=audio.codec_context.name if audio else None)
        fps = float(video.average_rate) if video.average_rate else DEFAULT_FPS
    if reference is not None:
        scores = score_against_reference(path, reference, fps)
        notes.extend(scores.notes)
    report = analyzer.report(facts, limits, notes=tuple(notes))
    if reference is None:
        return report
    return dataclasses.replace(report, clarity=dataclasses.replace(
        report.clarity, psnr_db=scores.psnr_db, ssim=scores.ssim, vmaf=scores.vmaf))
