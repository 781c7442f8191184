"""The transport-cc feedback packet, byte by byte against the draft's layout
(draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1), and parsed by werift's own
parser (npm, independent of ours)."""

from __future__ import annotations

import json
import subprocess

import pytest

from probe.congestion.feedback import TransportFeedback, delta_status, encode_chunks
from tests.support.node_peers import NODE_FOLDER, node

NOT, SMALL, LARGE = 0, 1, 2


def test_header_fields_sit_where_the_draft_puts_them() -> None:
    packet = bytes(TransportFeedback(sender_ssrc=0x01020304, media_ssrc=0x0A0B0C0D,
                                     base_sequence=0x1234, reference_time=0x345678,
                                     feedback_count=0x9A, deltas=(4,)))
    assert packet[0] == 0x8F  # V=2, P=0, FMT=15
    assert packet[1] == 205  # RTPFB
    assert int.from_bytes(packet[2:4], "big") == len(packet) // 4 - 1
    assert packet[4:8] == bytes.fromhex("01020304")
    assert packet[8:12] == bytes.fromhex("0a0b0c0d")
    assert packet[12:14] == bytes.fromhex("1234")  # base sequence number
    assert packet[14:16] == bytes.fromhex("0001")  # packet status count
    assert packet[16:19] == bytes.fromhex("345678")  # reference time, 24 bits
    assert packet[19] == 0x9A  # feedback packet count
    # One run-length chunk (T=0, S=01 small delta, run 1), the one-byte delta, zero padding.
    assert packet[20:] == bytes.fromhex("2001" "04" "00")


def test_wrapping_fields_are_written_modulo_their_width() -> None:
    packet = bytes(TransportFeedback(1, 2, 0x1FFFF, -1, 0x101, (0,)))
    assert packet[12:14] == bytes.fromhex("ffff")
    assert packet[16:19] == bytes.fromhex("ffffff")  # -1 in 24-bit two's complement
    assert packet[19] == 0x01


def test_statuses_by_delta() -> None:
    assert [delta_status(d) for d in (None, 0, 255, 256, -1, 32767, -32768)] == \
        [NOT, SMALL, SMALL, LARGE, LARGE, LARGE, LARGE]
    with pytest.raises(ValueError, match="16 signed bits"):
        delta_status(32768)


def test_run_length_chunk_layout() -> None:
    # T=0 | S (2 bits) | run length (13 bits); a run of 14 or more, or one that ends the list.
    assert encode_chunks([SMALL] * 20) == [0b0_01_0000000010100]
    assert encode_chunks([NOT] * 8191 + [NOT]) == [0x1FFF, 0x0001]
    assert encode_chunks([LARGE] * 3) == [0b0_10_0000000000011]


def test_one_bit_vector_chunk_layout() -> None:
    # T=1, S=0, 14 symbols (1 received small delta, 0 not received), first symbol highest.
    statuses = [SMALL, NOT, SMALL, SMALL] + [NOT] * 3 + [SMALL] * 7 + [SMALL] * 3
    assert encode_chunks(statuses) == [0b1_0_10110001111111, 0b0_01_0000000000011]


def test_two_bit_vector_chunk_layout_and_unused_symbols() -> None:
    # T=1, S=1, 7 two-bit symbols; a large delta forbids the one-bit vector; symbols past the
    # end are zero (the status count says where the packet ends).
    assert encode_chunks([SMALL, LARGE, NOT, SMALL, SMALL]) == [0b1_1_01_10_00_01_01_00_00]


def test_deltas_follow_the_chunks_one_or_two_bytes_each() -> None:
    packet = bytes(TransportFeedback(1, 2, 7, 100, 0, (3, None, 300, -2, 0)))
    assert packet[14:16] == (5).to_bytes(2, "big")
    assert packet[20:22] == (0b1_1_01_00_10_10_01_00_00).to_bytes(2, "big")
    # 20 + 2 + 6 bytes: a whole number of 32-bit words, so no padding.
    assert packet[22:] == bytes([3]) + (300).to_bytes(2, "big") + \
        (-2).to_bytes(2, "big", signed=True) + bytes([0])
    padded = bytes(TransportFeedback(1, 2, 7, 100, 0, (3, 300)))
    assert padded[22:] == bytes([3]) + (300).to_bytes(2, "big") + bytes(3)


def test_an_empty_report_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 65535"):
        bytes(TransportFeedback(1, 2, 0, 0, 0, ()))


def _werift_parse(packets: list[bytes]) -> list[dict]:
    done = subprocess.run([node(), "twcc_parse.mjs"], cwd=NODE_FOLDER, check=True, timeout=30,
                          input="\n".join(p.hex() for p in packets), capture_output=True,
                          text=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_werift_parses_what_we_write() -> None:
    deltas = (0, None, 4, 300, -3, *([None] * 20), *range(15), 255, None, 256)
    packets = [TransportFeedback(0xDEADBEEF, 0x1234, 65530, 12345, 7, deltas),
               TransportFeedback(5, 6, 0, 1, 8, (1,) * 9000)]
    first, second = _werift_parse([bytes(p) for p in packets])
    assert first["type"] == 205 and first["count"] == 15
    assert (first["senderSsrc"], first["mediaSourceSsrc"]) == (0xDEADBEEF, 0x1234)
    assert (first["baseSequenceNumber"], first["packetStatusCount"]) == (65530, len(deltas))
    assert (first["referenceTime"], first["fbPktCount"]) == (12345, 7)
    assert first["deltasUs"] == [250 * d for d in deltas if d is not None]
    assert second["packetStatusCount"] == 9000
    assert second["chunks"] == [{"run": 8191, "status": 1}, {"run": 809, "status": 1}]
    assert second["deltasUs"] == [250] * 9000
