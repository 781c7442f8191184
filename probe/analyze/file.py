"""``streamprobe analyze FILE``: score a recorded or sample stream with the live metrics code.

A file is "frames with presentation times": each decoded frame goes to the same
``StreamAnalyzer`` a live check uses, with its pts as its time and no wall clock (so glass-to-glass
is null and ``latency.clock`` is "none").
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path

import av

from metrics.analysis import RunFacts, StreamAnalyzer
from metrics.clarity import DEFAULT_DISPLAY, Display
from metrics.report import Report, Target
from metrics.verdict import ThresholdsError, load_limits
from probe.analyze.integrity import TimestampRepair, corrupt_packets_note, truncation_note
from probe.analyze.reference import score_against_reference
from probe.errors import InputError
from probe.media.coded_frames import CodedFrameDecoder
from probe.media.frames import audio_samples_int16, chroma_planes, y_plane
from probe.viewer.analysis_worker import AnalysisWorker

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
                 reference: Path | None = None, display: Display = DEFAULT_DISPLAY) -> Report:
    """Decode ``path`` and score every frame; ``on_progress(done_s, total_s)`` as it goes.

    A file that breaks off mid-way gives a partial report that says where (``notes``), rather
    than an error, as long as some video was decoded. With ``reference`` (the source), PSNR,
    SSIM and VMAF are added (``probe.analyze.reference``). Clarity is judged for ``display`` and
    reads each frame's coded size and quantiser from the bitstream (``probe.media.coded_frames``).
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
        analyzer = StreamAnalyzer(display=display)
        coded = CodedFrameDecoder(video)
        notes: list[str] = []
        last_t_s = 0.0
        fps = float(video.average_rate) if video.average_rate else DEFAULT_FPS
        times = TimestampRepair(default_interval_s=1.0 / fps)
        video_packets = corrupt_packets = 0
        stopped = False  # decoding ended on an error
        worker = AnalysisWorker(max_pending=ANALYSIS_QUEUE_FRAMES)
        try:
            try:
                for packet in container.demux(*(s for s in (video, audio) if s is not None)):
                    if packet.stream.type != "video":
                        for frame in packet.decode():
                            if frame.time is not None:
                                worker.submit(analyzer.audio_frame, frame.time,
                                              audio_samples_int16(frame), frame.sample_rate,
                                              len(frame.layout.channels))
                        continue
                    video_packets += 1
                    corrupt_packets += packet.is_corrupt
                    for frame, coding in coded.decode(packet):
                        if frame.time is None:
                            continue
                        last_t_s = times.continued(frame.time)
                        worker.submit(functools.partial(analyzer.video_frame, coding=coding,
                                                        chroma=chroma_planes(frame)),
                                      last_t_s, y_plane(frame))
                        if on_progress is not None:
                            on_progress(last_t_s, total_s)
            except av.error.FFmpegError as err:
                stopped = True
                notes.append(f"decoding stopped at {last_t_s:.2f} s: {err}; the figures cover "
                             "the part before it")
            worker.finish()
        finally:
            worker.close()
        if analyzer.frames == 0:
            raise InputError(f"{path}: no video frame could be decoded; the file is empty or "
                             "corrupt")
        notes.extend(times.notes())
        # A decoding error already said where the file breaks off.
        found = (None if stopped else truncation_note(total_s, last_t_s),
                 corrupt_packets_note(corrupt_packets, video_packets))
        notes.extend(note for note in found if note)
        facts = RunFacts(target=Target(url=str(path), protocol="file"), clock="none",
                         video_codec=video.codec_context.name,
                         audio_codec=audio.codec_context.name if audio else None)
        # The container's creation time, where the recorder wrote one, is when t_s 0 was shot.
        recorded_at = container.metadata.get("creation_time")
    if reference is not None:
        scores = score_against_reference(path, reference, fps)
        notes.extend(scores.notes)
    report = dataclasses.replace(analyzer.report(facts, limits, notes=tuple(notes)),
                                 started_at=recorded_at, stream_id=path.stem)
    if reference is None:
        return report
    return dataclasses.replace(report, clarity=dataclasses.replace(
        report.clarity, psnr_db=scores.psnr_db, ssim=scores.ssim, vmaf=scores.vmaf))
