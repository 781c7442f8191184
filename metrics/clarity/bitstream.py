"""The encoder's quantiser, read from the bitstream: how coarsely each frame was coded.

The quantiser is what an encoder turns to meet its bitrate, and what a picture's quality follows
most closely; libwebrtc's QualityScaler scales resolution by it (its per-codec QP thresholds),
and ITU-T P.1204.3 builds its quality model on it. Both codecs' quantisers are put on one scale,
``log2`` of the luma AC quantiser step:
- H.264: the mean macroblock QP of the frame, from the ``AVVideoEncParams`` side data FFmpeg's
  decoder exports (``export_side_data=venc_params``); step = 2^((QP - 4) / 6) (ITU-T H.264
  8.5.12: the step doubles every 6 QP, 1.0 at QP 4);
- VP8: the frame header's ``y_ac_qi`` (RFC 6386 9.6, 19.2), with the segment-0 quantiser when
  segmentation sets one (9.3), parsed from the packet bytes (``Vp8QuantiserReader``); step =
  ``AC_QLOOKUP[q]`` (RFC 6386 14.1) over that of index 0, as H.264's is over QP 4's.
The two codecs' transforms differ in gain, so the steps are not calibrated against each other
here: the clarity model has the codec as an input.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
import numpy as np

# RFC 6386 14.1: the AC dequantisation factor of each quantiser index (0 … 127).
AC_QLOOKUP = (
    4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19,
    20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35,
    36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51,
    52, 53, 54, 55, 56, 57, 58, 60, 62, 64, 66, 68, 70, 72, 74, 76,
    78, 80, 82, 84, 86, 88, 90, 92, 94, 96, 98, 100, 102, 104, 106, 108,
    110, 112, 114, 116, 119, 122, 125, 128, 131, 134, 137, 140, 143, 146, 149, 152,
    155, 158, 161, 164, 167, 170, 173, 177, 181, 185, 189, 193, 197, 201, 205, 209,
    213, 217, 221, 225, 229, 234, 239, 245, 249, 254, 259, 264, 269, 274, 279, 284,
)
VP8_STEP_SCALE = 4.0  # AC_QLOOKUP[0]: index 0 is the finest step, as QP 4 is in H.264
VP8_MAX_Q = 127
VP8_SEGMENTS = 4
VP8_KEY_FRAME_START = b"\x9d\x01\x2a"  # RFC 6386 9.1
H264_QP_AT_UNIT_STEP = 4  # ITU-T H.264: Qstep(4) = 1.0, doubling every 6
H264_QP_PER_OCTAVE = 6
# libavutil/video_enc_params.h: AVVideoEncParams starts {uint32 nb_blocks; size_t blocks_offset;
# size_t block_size; int32 type; int32 qp; ...}; each AVVideoBlockParams is {uint32 src_x, src_y;
# int32 w, h; int32 delta_qp} (its size is block_size, which may grow).
_ENC_PARAMS_HEAD = struct.Struct("=I4xQQii")
_BLOCK_DELTA_QP_OFFSET = 16
ENC_PARAMS_H264 = 1  # AV_VIDEO_ENC_PARAMS_H264 (NONE is -1, VP9 0, H264 1, MPEG2 2)


@dataclass(frozen=True)
class FrameCoding:
    """How one frame was coded: its codec ("h264" or "vp8"), its size (bytes) and quantiser
    in the codec's own units (H.264: mean QP, 0 … 51; VP8: q index, 0 … 127), where known."""

    codec: str
    size_bytes: int | None = None
    quantiser: float | None = None

    def quantiser_log2(self) -> float:
        """log2 of the quantiser step (``h264_step_log2`` or ``vp8_step_log2``)."""
        assert self.quantiser is not None
        if self.codec == "vp8":
            return vp8_step_log2(self.quantiser)
        return h264_step_log2(self.quantiser)


def h264_step_log2(qp: float) -> float:
    """log2 of the H.264 quantiser step of (mean) QP ``qp``."""
    return (qp - H264_QP_AT_UNIT_STEP) / H264_QP_PER_OCTAVE


def vp8_step_log2(q_index: float) -> float:
    """log2 of the VP8 luma AC quantiser step of index ``q_index`` (0 … 127, may be a mean:
    interpolated), relative to index 0's."""
    q = min(max(q_index, 0.0), float(VP8_MAX_Q))
    low = int(math.floor(q))
    high = min(low + 1, VP8_MAX_Q)
    factor = AC_QLOOKUP[low] + (q - low) * (AC_QLOOKUP[high] - AC_QLOOKUP[low])
    return math.log2(factor / VP8_STEP_SCALE)


def h264_mean_qp(enc_params: bytes | memoryview | np.ndarray) -> float | None:
    """Mean macroblock QP of one H.264 frame from its ``AVVideoEncParams`` side data (the raw
    bytes FFmpeg's decoder attaches with ``export_side_data=venc_params``; PyAV gives them as
    the frame's ``VIDEO_ENC_PARAMS`` side data, which supports the buffer protocol). The frame's
    QP plus the mean per-block delta; None if the data is not H.264's or has no blocks."""
    data = np.frombuffer(enc_params, dtype=np.uint8)
    if data.size < _ENC_PARAMS_HEAD.size:
        return None
    nb_blocks, offset, block_size, kind, qp = _ENC_PARAMS_HEAD.unpack_from(data)
    if kind != ENC_PARAMS_H264 or nb_blocks == 0 or block_size % 4 or block_size < 20:
        return None
    end = offset + nb_blocks * block_size
    if end > data.size:
        return None
    blocks = data[offset:end].view(np.int32).reshape(nb_blocks, block_size // 4)
    return float(qp + blocks[:, _BLOCK_DELTA_QP_OFFSET // 4].mean())




class _BoolDecoder:
    """RFC 6386 section 7.3's boolean entropy decoder, enough for the frame header."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pos = 2
        self._value = int.from_bytes(data[:2].ljust(2, b"\0"), "big")
        self._range = 255
        self._bit_count = 0

    def bool(self, prob: int) -> int:
        split = 1 + (((self._range - 1) * prob) >> 8)
        big_split = split << 8
        if self._value >= big_split:
            bit = 1
            self._range -= split
            self._value -= big_split
        else:
            bit = 0
            self._range = split
        while self._range < 128:
            self._value <<= 1
            self._range <<= 1
            self._bit_count += 1
            if self._bit_count == 8:
                self._bit_count = 0
                if self._pos < len(self._data):
                    self._value |= self._data[self._pos]
                self._pos += 1
        return bit

    def literal(self, bits: int) -> int:
        """``L(n)``: an unsigned n-bit value, most significant bit first, at probability 1/2."""
        value = 0
        for _ in range(bits):
            value = (value << 1) | self.bool(128)
        return value

    def signed(self, bits: int) -> int:
        """A magnitude of ``bits`` bits followed by its sign bit."""
        magnitude = self.literal(bits)
        return -magnitude if self.bool(128) else magnitude

    def flag_then(self, bits: int) -> int:
        """A flag, then (if set) a signed value, else 0: the header's optional updates."""
        return self.signed(bits) if self.bool(128) else 0


class Vp8QuantiserReader:
    """Reads each VP8 frame's luma AC quantiser index from its packet (RFC 6386 9.2–9.6, 19.2).

    Stateful, as a decoder is: segment quantisers persist from frame to frame until a header
    updates them. ``read`` returns the index of segment 0 (where segmentation sets one: the
    segment most macroblocks use; libvpx's real-time cyclic refresh codes only its refreshed
    blocks in another), or None for a packet that is not a VP8 frame.
    """

    def __init__(self) -> None:
        self._segment_q = [0] * VP8_SEGMENTS
        self._absolute = False
        self._segmentation = False

    def read(self, packet: bytes) -> int | None:
        if len(packet) < 3:
            return None
        tag = packet[0] | packet[1] << 8 | packet[2] << 16
        key_frame = not tag & 1
        first_partition = tag >> 5
        start = 10 if key_frame else 3
        if key_frame and packet[3:6] != VP8_KEY_FRAME_START:
            return None
        header = packet[start:start + first_partition]
        if not header:
            return None
        bits = _BoolDecoder(header)
        if key_frame:
            bits.literal(2)  # colour space, clamping type
            self._segment_q = [0] * VP8_SEGMENTS  # a key frame resets segmentation (libvpx)
            self._absolute = False
        self._segmentation = bool(bits.bool(128))
        if self._segmentation:
            self._update_segmentation(bits)
        bits.literal(1 + 6 + 3)  # filter type, loop filter level, sharpness
        if bits.bool(128):  # loop_filter_adj_enable
            if bits.bool(128):  # mode_ref_lf_delta_update
                for _ in range(8):
                    bits.flag_then(6)
        bits.literal(2)  # log2 of the number of DCT partitions
        base = bits.literal(7)  # y_ac_qi
        if not self._segmentation:
            return base
        segment = self._segment_q[0]
        return min(max(segment if self._absolute else base + segment, 0), VP8_MAX_Q)

    def _update_segmentation(self, bits: _BoolDecoder) -> None:
        update_map = bits.bool(128)
        if bits.bool(128):  # update_segment_feature_data
            self._absolute = bool(bits.bool(128))
            self._segment_q = [bits.flag_then(7) for _ in range(VP8_SEGMENTS)]
            for _ in range(VP8_SEGMENTS):
                bits.flag_then(6)  # loop filter level per segment
        if update_map:
            for _ in range(3):
                if bits.bool(128):
                    bits.literal(8)  # segment tree probability
