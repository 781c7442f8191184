"""Decoded video frames with how each was coded: its packet's size and the codec's quantiser.

The quantiser comes from the bitstream as PyAV decodes it (``metrics.clarity.bitstream``):
H.264's per-macroblock QP from the decoder's ``VIDEO_ENC_PARAMS`` side data (asked for with
``export_side_data=venc_params`` before the decoder opens), VP8's from each packet's frame
header. Other codecs give the size only.
"""

from __future__ import annotations

from collections.abc import Iterator

import av

from metrics.clarity.bitstream import FrameCoding, Vp8QuantiserReader, h264_mean_qp

VP8_HEADER_BYTES = 256  # the frame tag, key frame header and quantiser fields fit well within


class CodedFrameDecoder:
    """Decodes one video stream's packets into (frame, ``FrameCoding``) pairs."""

    def __init__(self, stream: av.video.stream.VideoStream) -> None:
        self.codec = stream.codec_context.name
        if self.codec == "h264":
            stream.codec_context.options = {**stream.codec_context.options,
                                            "export_side_data": "venc_params"}
        self._vp8 = Vp8QuantiserReader() if self.codec in ("vp8", "libvpx") else None

    def decode(self, packet: av.Packet) -> Iterator[tuple[av.VideoFrame, FrameCoding]]:
        """The frames ``packet`` completes, each with its coding (a packet's size goes with
        the first frame it yields: live encoders code one frame per packet)."""
        size = packet.size or None
        q_index = None
        if self._vp8 is not None and size:
            q_index = self._vp8.read(bytes(memoryview(packet)[:VP8_HEADER_BYTES]))
        for frame in packet.decode():
            quantiser: float | None = q_index
            if self.codec == "h264":
                params = next((d for d in frame.side_data
                               if d.type.name == "VIDEO_ENC_PARAMS"), None)
                quantiser = h264_mean_qp(params) if params is not None else None
            yield frame, FrameCoding(codec="vp8" if self._vp8 else self.codec,
                                     size_bytes=size, quantiser=quantiser)
            size = None
