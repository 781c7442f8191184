"""Content freezes: the probe's detector against FFmpeg's own freezedetect, on generated files.

Each case is an FFmpeg lavfi graph (fades, slow zooms, noisy stills, true freezes, freezes at
the start and the end, 10/25/30 fps), encoded with libx264 to a Matroska file. Debian's
/usr/bin/ffmpeg runs ``freezedetect=n=-60dB:d=0.5`` on it; the probe decodes the same file with
PyAV and runs ``metrics.content_freeze`` (luma and chroma planes, frame times = pts). Floor
(issue #21): the freeze counts are equal on every file, and every start and end is within one
frame (FFmpeg gives no end for a freeze running at the end of the file; only its start is
compared). Exits 1 when missed. Usage: python bench/bench_content_freeze.py [--quick]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import av

from metrics.content_freeze import ContentFreezeDetector
from probe.media.frames import chroma_planes, y_plane

FFMPEG = "/usr/bin/ffmpeg"
SIZE = "320x180"
STILL = f"testsrc2=s={SIZE}:r={{r}}:d=0.04,loop=loop=-1:size=1"  # one picture, repeated


def src(r: int, d: float) -> str:
    return f"testsrc2=s={SIZE}:r={r}:d={d}"


def frozen(r: int, d: float, start: int, frames: int) -> str:
    """Moving pattern with frame ``start`` repeated ``frames`` times (a source that stalled)."""
    return f"{src(r, d)},loop=loop={frames}:size=1:start={start},setpts=N/{r}/TB"


def still(r: int, d: float, extra: str = "") -> str:
    return f"{STILL.format(r=r)},trim=duration={d},setpts=N/{r}/TB{extra}"


def zoom(per_frame: float) -> str:
    """One picture zoomed in by ``per_frame`` of its size each frame, at 25 fps for 5 s."""
    return (f"{STILL.format(r=25)},trim=duration=5,setpts=N/25/TB,"
            f"zoompan=z='1+{per_frame}*on':d=1:s={SIZE}:fps=25")


# name -> (graph, fps)
CASES: dict[str, tuple[str, int]] = {
    "moving": (src(25, 5), 25),
    "freeze-middle-1s": (frozen(25, 5, 50, 25), 25),
    "freeze-middle-0.4s": (frozen(25, 5, 50, 10), 25),
    "freeze-two": (f"{frozen(25, 6, 40, 20)},loop=loop=30:size=1:start=110,setpts=N/25/TB", 25),
    "freeze-at-start": (f"{src(25, 4)},tpad=start_mode=clone:start_duration=1.5", 25),
    "freeze-at-end": (f"{src(25, 4)},tpad=stop_mode=clone:stop_duration=1.5", 25),
    "pause-start-and-end": ((f"{src(30, 3)},tpad=start_mode=clone:start_duration=1:"
                             "stop_mode=clone:stop_duration=1"), 30),
    "freeze-10fps": (frozen(10, 6, 20, 12), 10),
    "freeze-30fps-short": (frozen(30, 5, 60, 14), 30),
    "freeze-30fps-long": (frozen(30, 5, 60, 90), 30),
    "still": (still(25, 3), 25),
    "fade-in-slow": (still(25, 5, ",fade=t=in:st=0:d=4"), 25),
    "fade-out-slow": (still(25, 5, ",fade=t=out:st=0.5:d=4"), 25),
    "fade-in-fast": (still(25, 4, ",fade=t=in:st=1:d=0.5"), 25),
    "fade-30fps": (still(30, 5, ",fade=t=out:st=1:d=3"), 30),
    "zoom-slow": (zoom(0.0008), 25),
    "zoom-very-slow": (zoom(0.0002), 25),
    "noisy-still-faint": (still(25, 3, ",noise=alls=2:allf=t"), 25),
    "noisy-still-strong": (still(25, 3, ",noise=alls=20:allf=t"), 25),
    "noisy-freeze": (f"{frozen(25, 5, 50, 30)},noise=alls=3:allf=t", 25),
    "hue-drift": (still(25, 4, ",hue=h=10*t"), 25),  # chroma changes, luma does not
    "freeze-5fps": (frozen(5, 8, 10, 5), 5),
}
QUICK = ("freeze-middle-1s", "freeze-at-end", "fade-in-slow", "noisy-still-faint", "hue-drift")


@dataclass(frozen=True)
class Freeze:
    start_s: float
    end_s: float | None  # None: still running at the end (FFmpeg logs no end)


def encode(graph: str, path: Path) -> None:
    subprocess.run([FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    graph, "-c:v", "libx264", "-crf", "18", "-pix_fmt", "yuv420p", str(path)],
                   check=True, timeout=120)


def ffmpeg_freezes(path: Path) -> list[Freeze]:
    done = subprocess.run([FFMPEG, "-hide_banner", "-nostats", "-i", str(path), "-vf",
                           "freezedetect=n=-60dB:d=0.5", "-map", "0:v", "-f", "null", "-"],
                          capture_output=True, text=True, check=True, timeout=120)
    freezes: list[Freeze] = []
    for key, value in re.findall(r"lavfi\.freezedetect\.(freeze_start|freeze_end): ([\d.]+)",
                                 done.stderr):
        if key == "freeze_start":
            freezes.append(Freeze(float(value), None))
        else:
            freezes[-1] = Freeze(freezes[-1].start_s, float(value))
    return freezes


def probe_freezes(path: Path) -> list[Freeze]:
    detector = ContentFreezeDetector()
    first_s = last_s = None
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            first_s = frame.time if first_s is None else first_s
            last_s = frame.time
            detector.update(frame.time, y_plane(frame), chroma_planes(frame))
    assert first_s is not None and last_s is not None
    out = []
    for event in detector.events:
        start_s = first_s + event.start_s
        end_s = start_s + event.duration_s
        out.append(Freeze(start_s, None if abs(end_s - last_s) < 1e-6 else end_s))
    return out


def agree(ours: list[Freeze], theirs: list[Freeze], frame_s: float) -> bool:
    """Same count; starts and ends within one frame (an end only where FFmpeg gives one)."""
    if len(ours) != len(theirs):
        return False
    for a, b in zip(ours, theirs, strict=True):
        if abs(a.start_s - b.start_s) > frame_s + 1e-6:
            return False
        if b.end_s is not None and (a.end_s is None or abs(a.end_s - b.end_s) > frame_s + 1e-6):
            return False
    return True


def fmt(freezes: list[Freeze]) -> str:
    return "[" + ", ".join(f"{f.start_s:.2f}-{'end' if f.end_s is None else f'{f.end_s:.2f}'}"
                           for f in freezes) + "]"


def main(quick: bool) -> int:
    names = QUICK if quick else tuple(CASES)
    matched = 0
    with tempfile.TemporaryDirectory(prefix="bench-cf-") as tmp:
        for name in names:
            graph, fps = CASES[name]
            path = Path(tmp) / f"{name}.mkv"
            encode(graph, path)
            theirs, ours = ffmpeg_freezes(path), probe_freezes(path)
            ok = agree(ours, theirs, 1.0 / fps)
            matched += ok
            print(f"{name:22s} ffmpeg {len(theirs)} {fmt(theirs):28s} probe {len(ours)} "
                  f"{fmt(ours):28s} {'ok' if ok else 'MISSED'}")
    print(f"counts and boundaries agree on {matched}/{len(names)} files "
          f"(floor: all, at least 20 in the full run)")
    return 0 if matched == len(names) and (quick or len(names) >= 20) else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{len(QUICK)} files only")
    sys.exit(main(parser.parse_args().quick))
