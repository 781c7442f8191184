"""``analyze FILE`` on real encoded files: the same metrics as live, and clear bad-input errors."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from probe.analyze.file import analyze_file
from probe.errors import InputError

FFMPEG = "ffmpeg"


def ffmpeg(*args: str) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", *args], check=True,
                   timeout=120)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 s of 640x360 testsrc2 at 30 fps, x264, with a 440 Hz tone."""
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30:duration=4",
           "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
           "-c:v", "libx264", "-preset", "veryfast", "-b:v", "1500k", "-c:a", "aac", str(path))
    return path


def test_clean_file_scores_without_latency(clip: Path) -> None:
    report = analyze_file(clip)
    assert report.target.protocol == "file"
    assert report.video.frames == 120
    assert report.video.fps == pytest.approx(30.0, rel=0.01)
    assert (report.video.width, report.video.height) == (640, 360)
    assert report.stutter.freeze_count == 0
    assert report.latency.clock == "none" and report.latency.glass_to_glass_ms is None
    assert report.audio is not None and report.audio.gap_count == 0
    assert report.notes == ()


def test_timestamp_gap_in_a_file_is_a_freeze(tmp_path: Path) -> None:
    # Frames 60..89 removed with their timestamps kept: a 1 s hole in presentation time.
    path = tmp_path / "gap.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=5",
           "-vf", "select='not(between(n,60,89))'", "-fps_mode", "passthrough",
           "-c:v", "libx264", "-preset", "veryfast", str(path))
    report = analyze_file(path)
    assert report.stutter.freeze_count == 1
    assert report.stutter.freezes[0].duration_s == pytest.approx(31 / 30, abs=1 / 30 + 0.05)


def ffmpeg_freezedetect(path: Path) -> list[float]:
    """Freeze durations (s) FFmpeg's freezedetect finds (-60 dB, 0.5 s), the reference."""
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-vf",
                           "freezedetect=n=-60dB:d=0.5", "-map", "0:v", "-f", "null", "-"],
                          capture_output=True, text=True, timeout=120, check=True)
    return [float(line.rsplit(":", 1)[1]) for line in done.stderr.splitlines()
            if "freeze_duration" in line]


@pytest.mark.parametrize("runs", [((60, 89),), ((30, 59), (100, 159))])
def test_content_freezes_match_ffmpeg_freezedetect(tmp_path: Path, runs) -> None:
    # Frames in each run replaced by the frame before it: the source froze, frames kept coming.
    path = tmp_path / "frozen.mp4"
    # freezeframes takes its replacement frame from a second input: the untouched source.
    graph = f"[0:v]split={len(runs) + 1}" + "".join(f"[s{i}]" for i in range(len(runs) + 1))
    current = "s0"
    for i, (a, b) in enumerate(runs, start=1):
        graph += f";[{current}][s{i}]freezeframes=first={a}:last={b}:replace={a - 1}[f{i}]"
        current = f"f{i}"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=7",
           "-filter_complex", graph, "-map", f"[{current}]",
           "-c:v", "libx264", "-preset", "veryfast", "-qp", "0", str(path))
    report = analyze_file(path)
    content = [f for f in report.stutter.freezes if f.kind == "content"]
    reference = ffmpeg_freezedetect(path)
    assert len(content) == len(runs) == len(reference)
    for freeze, ours_ref, (a, b) in zip(content, reference, runs):
        assert freeze.duration_s == pytest.approx((b - a + 2) / 30, abs=1 / 30 + 1e-6)
        assert freeze.duration_s == pytest.approx(ours_ref, abs=1 / 30 + 1e-6)
        assert freeze.start_s == pytest.approx((a - 1) / 30, abs=1 / 30 + 1e-6)
    assert report.stutter.freeze_count == len(runs)


def test_truncated_file_gives_explained_partial_result(clip: Path, tmp_path: Path) -> None:
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    try:
        report = analyze_file(cut)
    except InputError as err:  # the index may be at the end: then nothing is decodable
        assert str(cut) in str(err)
        return
    assert 0 < report.video.frames < 120


def test_garbage_file_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.mp4"
    path.write_bytes(b"\x00\x01not a video" * 1000)
    with pytest.raises(InputError, match="not a readable media file|no video frame"):
        analyze_file(path)


def test_file_without_video_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "audio.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=duration=1", str(path))
    with pytest.raises(InputError, match="has no video stream"):
        analyze_file(path)


def test_missing_file_is_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        analyze_file(tmp_path / "nope.mp4")


# --- damaged and joined files (issue 15) -----------------------------------------------------


def test_a_file_cut_in_half_says_so(tmp_path: Path) -> None:
    """With its index first (faststart) a cut mp4 still opens and decodes its first half; the
    report used to read as a normal 2 s file."""
    whole = tmp_path / "whole.mp4"
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=4", "-c:v", "libx264",
           "-preset", "veryfast", "-movflags", "+faststart", str(whole))
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])
    report = analyze_file(cut)
    assert 0 < report.video.frames < 110
    assert any("truncated or damaged" in n or "decoding stopped" in n for n in report.notes), \
        report.notes
    clean = analyze_file(whole)
    assert not any("truncated" in n or "restart" in n or "corrupt" in n for n in clean.notes)


def test_segments_whose_timestamps_restart_keep_their_frame_rate(tmp_path: Path) -> None:
    """Two 2 s MPEG-TS segments joined by ``cat``: the second restarts its timestamps. Read as
    they were, they gave 90.7 fps; continued, 30 fps and a note."""
    parts = []
    for index, source in enumerate(("testsrc2", "smptebars")):
        part = tmp_path / f"part{index}.ts"
        ffmpeg("-f", "lavfi", "-i", f"{source}=size=320x240:rate=30:duration=2",
               "-c:v", "libx264", "-preset", "veryfast", "-g", "30", str(part))
        parts.append(part.read_bytes())
    joined = tmp_path / "joined.ts"
    joined.write_bytes(b"".join(parts))
    report = analyze_file(joined)
    assert report.video.frames == 120
    assert report.video.fps == pytest.approx(30.0, rel=0.03)
    assert any("timestamps restart 1x" in n for n in report.notes), report.notes


def test_a_resolution_change_is_noted(tmp_path: Path) -> None:
    parts = []
    for index, size in enumerate(("320x240", "640x360")):
        part = tmp_path / f"part{index}.ts"
        ffmpeg("-f", "lavfi", "-i", f"testsrc2=size={size}:rate=30:duration=2",
               "-c:v", "libx264", "-preset", "veryfast", "-output_ts_offset", str(index * 2),
               str(part))
        parts.append(part.read_bytes())
    joined = tmp_path / "sizes.ts"
    joined.write_bytes(b"".join(parts))
    report = analyze_file(joined)
    assert any("320x240" in n and "640x360" in n for n in report.notes), report.notes
