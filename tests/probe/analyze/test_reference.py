"""``analyze FILE --reference SRC``: PSNR/SSIM/VMAF with frames paired by the stamp code.

The degraded file is a real x264 encode of the stamped pattern with one frame dropped, so
pairing by position would compare each later frame with its neighbour; the truth is FFmpeg's own
psnr filter on a reference with the same frame dropped.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

from fixtures.make_pattern_y4m import write_pattern_y4m
from probe.analyze.file import analyze_file
from probe.errors import InputError
from probe.pattern.spec import PatternSpec
from tests.probe.cli.test_cli import run_cli

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
DROPPED = 20  # the frame the encode leaves out
SECONDS = 3.0


def ffmpeg(*args: str) -> str:
    done = subprocess.run([FFMPEG, "-hide_banner", "-y", *args], capture_output=True, text=True,
                          check=True, timeout=120)
    return done.stderr


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("reference")
    source = folder / "source.y4m"
    write_pattern_y4m(source, PatternSpec(width=640, height=360), SECONDS, flash=False)
    drop = f"select='not(eq(n\\,{DROPPED}))',setpts=N/30/TB"
    encoded = folder / "encoded.mp4"
    ffmpeg("-i", str(source), "-vf", drop, "-c:v", "libx264", "-b:v", "400k", str(encoded))
    aligned_source = folder / "aligned.y4m"
    ffmpeg("-i", str(source), "-vf", drop, str(aligned_source))
    small = folder / "small.y4m"
    ffmpeg("-i", str(source), "-vf", "scale=320:180", str(small))
    plain = folder / "plain.mp4"  # no stamp: testsrc2
    ffmpeg("-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30", "-t", "2", "-c:v", "libx264",
           str(plain))
    audio_only = folder / "tone.wav"
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=1", str(audio_only))
    return {"source": source, "encoded": encoded, "aligned": aligned_source, "small": small,
            "plain": plain, "audio": audio_only}


def ffmpeg_psnr_y(test: Path, reference: Path) -> float:
    stderr = ffmpeg("-i", str(test), "-i", str(reference), "-lavfi", "[0:v][1:v]psnr",
                    "-f", "null", "-")
    return float(re.search(r"PSNR y:([\d.]+)", stderr).group(1))


def test_frames_are_paired_by_stamp_across_a_dropped_frame(clips: dict[str, Path]) -> None:
    report = analyze_file(clips["encoded"], reference=clips["source"])
    truth_db = ffmpeg_psnr_y(clips["encoded"], clips["aligned"])
    by_position_db = ffmpeg_psnr_y(clips["encoded"], clips["source"])
    assert report.clarity.psnr_db == pytest.approx(truth_db, abs=0.05)
    assert truth_db - by_position_db > 3.0  # position pairing would have been visibly wrong
    assert 0.9 < report.clarity.ssim <= 1.0
    assert 60.0 < report.clarity.vmaf <= 100.0
    frames = int(SECONDS * 30) - 1
    assert any(f"over {frames} frame pairs" in n and "by stamp" in n for n in report.notes)


def test_identical_file_scores_perfect(clips: dict[str, Path]) -> None:
    report = analyze_file(clips["aligned"], reference=clips["aligned"])
    assert report.clarity.psnr_db == 100.0 and report.clarity.ssim == pytest.approx(1.0)
    assert report.clarity.vmaf > 95.0


def test_unstamped_files_are_paired_by_position_and_say_so(clips: dict[str, Path]) -> None:
    report = analyze_file(clips["plain"], reference=clips["plain"])
    assert report.clarity.psnr_db == 100.0
    assert any("by position" in note for note in report.notes)


@pytest.mark.parametrize("reference, message", [
    ("small", "is 320x180 but .* is 640x360; give a reference of the same size"),
    ("audio", "has no video stream"),
    ("missing", "no such file"),
])
def test_bad_references_are_one_line_errors(clips: dict[str, Path], tmp_path: Path,
                                            reference: str, message: str) -> None:
    path = clips.get(reference, tmp_path / "missing.y4m")
    with pytest.raises(InputError, match=message):
        analyze_file(clips["encoded"], reference=path)
    done = run_cli("analyze", str(clips["encoded"]), "--reference", str(path), "--json", "-")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and re.search(message, done.stderr)
