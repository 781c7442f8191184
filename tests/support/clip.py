"""A natural clip with sound for the independent publishers: Debian's opencv-doc example video.

``Megamind.avi`` (720x528, 23.98 fps, 11 s, stereo AC-3; package ``opencv-doc``, which
``scripts/test`` installs) is made once per test session into what WebRTC peers send: H.264
constrained baseline (no B-frames, a keyframe every 2 s) and 48 kHz Opus, in Matroska, with the
FFmpeg inside the ``imageio-ffmpeg`` wheel.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

SOURCE = Path("/usr/share/doc/opencv-doc/examples/data/Megamind.avi")
CLIP_FPS = 24000 / 1001
CLIP_SIZE = (720, 528)
ENCODE_TIMEOUT_S = 120.0


def ffmpeg_exe() -> str:
    """The FFmpeg 9 binary shipped in the imageio-ffmpeg wheel (it has the WHIP muxer)."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def make_clip(folder: Path) -> Path:
    """``folder/clip.mkv``: the source as H.264 constrained baseline + Opus (made if missing)."""
    if not SOURCE.exists():
        raise RuntimeError(f"{SOURCE} is missing: apt-get install opencv-doc")
    clip = folder / "clip.mkv"
    if not clip.exists():
        subprocess.run(
            ["nice", "-n", "10", ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
             "-i", str(SOURCE), "-c:v", "libx264", "-profile:v", "baseline", "-preset",
             "veryfast", "-tune", "zerolatency", "-g", "48", "-bf", "0", "-pix_fmt", "yuv420p",
             "-b:v", "1200k", "-maxrate", "1200k", "-bufsize", "1200k", "-c:a", "libopus",
             "-ar", "48000", "-ac", "2", "-b:a", "64k", str(clip)],
            check=True, timeout=ENCODE_TIMEOUT_S)
    return clip


def make_raw_clip(folder: Path) -> tuple[Path, Path]:
    """``folder/clip.y4m`` (I420, the source's size and rate) and ``folder/clip.wav`` (48 kHz
    16-bit stereo): the forms libwebrtc for Node (``@roamhq/wrtc``) sends (made if missing)."""
    if not SOURCE.exists():
        raise RuntimeError(f"{SOURCE} is missing: apt-get install opencv-doc")
    y4m, wav = folder / "clip.y4m", folder / "clip.wav"
    if not (y4m.exists() and wav.exists()):
        subprocess.run(
            ["nice", "-n", "10", ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y",
             "-i", str(SOURCE), "-map", "0:v", "-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe",
             str(y4m), "-map", "0:a", "-ar", "48000", "-ac", "2", "-c:a", "pcm_s16le", str(wav)],
            check=True, timeout=ENCODE_TIMEOUT_S)
    return y4m, wav
