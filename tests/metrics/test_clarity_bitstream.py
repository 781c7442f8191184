"""The bitstream's quantiser: the VP8 header parser against libvpx, H.264 QP against x264."""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import av
import imageio_ffmpeg
import pytest

from metrics.clarity.bitstream import (
    AC_QLOOKUP,
    FrameCoding,
    Vp8QuantiserReader,
    h264_mean_qp,
    h264_step_log2,
    vp8_step_log2,
)
from probe.media.coded_frames import CodedFrameDecoder

# libvpx's vp8 q_trans (vp8/vp8_cx_iface.c): its 0-63 quantiser range (FFmpeg's qmin/qmax for
# libvpx) to the bitstream's 0-127 index. An encode with qmin = qmax = k codes every frame at
# index Q_TRANS[k], which pins the parser to what libvpx wrote.
Q_TRANS = (0, 1, 2, 3, 4, 5, 7, 8, 9, 10, 12, 13, 15, 17, 18, 19, 20, 21, 23, 24, 25, 26, 27,
           28, 29, 30, 31, 33, 35, 37, 39, 41, 43, 45, 47, 49, 51, 53, 55, 57, 59, 61, 64, 67,
           70, 73, 76, 79, 82, 85, 88, 91, 94, 97, 100, 103, 106, 109, 112, 115, 118, 121,
           124, 127)


def _encode(path: Path, *codec: str, frames: int = 12) -> Path:
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-f", "lavfi",
                    "-i", "testsrc2=size=320x240:rate=30", "-frames:v", str(frames), *codec,
                    str(path)], check=True, timeout=120)
    return path


@pytest.mark.parametrize("k", [4, 20, 40, 56, 63])
@pytest.mark.parametrize("realtime", [True, False])
def test_vp8_quantiser_index_is_what_libvpx_coded(tmp_path: Path, k: int, realtime: bool) -> None:
    # Real time with error resilience turns segmentation (cyclic refresh) on: its segment
    # deltas must be read through, not mistaken for the quantiser.
    speed = ["-deadline", "realtime", "-cpu-used", "-6", "-error-resilient", "1",
             "-static-thresh", "1"] if realtime else ["-deadline", "good"]
    path = _encode(tmp_path / "q.webm", "-c:v", "libvpx", *speed, "-threads", "1",
                   "-b:v", "5000k", "-qmin", str(k), "-qmax", str(k))
    reader = Vp8QuantiserReader()
    with av.open(str(path)) as container:
        indices = [reader.read(bytes(p)) for p in container.demux(video=0) if p.size]
    assert len(indices) == 12 and set(indices) == {Q_TRANS[k]}


def test_vp8_reader_refuses_what_is_not_a_vp8_frame() -> None:
    reader = Vp8QuantiserReader()
    assert reader.read(b"") is None
    assert reader.read(b"\x10\x02\x00" + b"\x00" * 20) is None  # key frame without start code


@pytest.mark.parametrize("qp", [18, 30, 42])
def test_h264_mean_qp_is_the_constant_qp_x264_coded(tmp_path: Path, qp: int) -> None:
    # x264 at a constant QP codes P frames at it (I frames lower, by its ipratio).
    path = _encode(tmp_path / "q.mp4", "-c:v", "libx264", "-profile:v", "baseline",
                   "-preset", "veryfast", "-threads", "1", "-qp", str(qp))
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        decoder = CodedFrameDecoder(stream)
        codings = [("I" if frame.key_frame else "P", coding) for packet in container.demux(stream)
                   for frame, coding in decoder.decode(packet)]
    assert len(codings) == 12
    assert all(c.codec == "h264" and c.size_bytes for _, c in codings)
    p_frames = [c.quantiser for kind, c in codings if kind == "P"]
    assert p_frames and all(q == pytest.approx(qp) for q in p_frames)
    assert all(c.quantiser is not None and c.quantiser <= qp for kind, c in codings if kind == "I")


def test_h264_mean_qp_matches_pyavs_own_qp_map(tmp_path: Path) -> None:
    path = _encode(tmp_path / "rc.mp4", "-c:v", "libx264", "-preset", "veryfast",
                   "-b:v", "200k", "-threads", "1")
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.options = {"export_side_data": "venc_params"}
        checked = 0
        for frame in container.decode(stream):
            params = [d for d in frame.side_data if d.type.name == "VIDEO_ENC_PARAMS"]
            assert params
            assert h264_mean_qp(params[0]) == pytest.approx(float(params[0].qp_map().mean()))
            checked += 1
    assert checked == 12


def test_h264_mean_qp_refuses_other_data() -> None:
    assert h264_mean_qp(b"") is None
    assert h264_mean_qp(bytes(64)) is None  # type 0 (VP9), no blocks


def test_quantiser_steps() -> None:
    # H.264: the step doubles every 6 QP and is 1 at QP 4; VP8: AC_QLOOKUP over its first.
    assert h264_step_log2(4) == 0.0 and h264_step_log2(28) == pytest.approx(4.0)
    assert vp8_step_log2(0) == 0.0
    assert vp8_step_log2(127) == pytest.approx(math.log2(AC_QLOOKUP[127] / AC_QLOOKUP[0]))
    assert vp8_step_log2(10.5) == pytest.approx(math.log2((AC_QLOOKUP[10] + AC_QLOOKUP[11])
                                                          / 2 / AC_QLOOKUP[0]))
    assert FrameCoding("vp8", 100, 127).quantiser_log2() == vp8_step_log2(127)
    assert FrameCoding("h264", 100, 28).quantiser_log2() == h264_step_log2(28)


def test_ac_qlookup_is_rfc_6386s_table() -> None:
    assert len(AC_QLOOKUP) == 128 and AC_QLOOKUP[0] == 4 and AC_QLOOKUP[127] == 284
    assert all(a < b for a, b in zip(AC_QLOOKUP, AC_QLOOKUP[1:]))
    assert AC_QLOOKUP[54:60] == (58, 60, 62, 64, 66, 68)  # the step from 1 to 2 per index
