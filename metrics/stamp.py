"""The stamp code: the sender's wall-clock ms and a frame counter drawn into the Y plane.

A grid of large binary cells at the top-left of each frame (4 rows × 22 columns, cell side
``height / 24``, so 15 px at 360p and 45 px at 1080p) carries 48 payload bits (wall-clock ms
modulo 2^32 and the frame counter modulo 2^16) and their CRC-32. Column 0 of each row is a white
reference cell and the last column a black one, so the threshold adapts to contrast and level
changes from encoding. A cell is read as the mean of its inner half, which survives ringing and
blocking at the cell edges. A read whose reference cells lack contrast, or whose CRC-32 does not
match, is rejected: a misread is never reported as a value (false-accept odds 2^-32 per damaged
frame). Scaling the frame keeps the code readable, since the geometry follows the height.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

ROWS = 4
COLUMNS = 22  # 1 white reference + 20 data + 1 black reference
CELL_HEIGHT_DIVISOR = 24  # cell side = frame height / 24
MIN_CELL_PX = 4
WHITE = 235  # BT.601 video-range white and black
BLACK = 16
# Reference cells closer than this in mean level are no code (flat, absent or ruined).
MIN_CONTRAST = 48.0
PAYLOAD_BYTES = 6
CRC_BYTES = 4
DATA_BITS = (PAYLOAD_BYTES + CRC_BYTES) * 8  # 80 = ROWS * (COLUMNS - 2)
WALLCLOCK_MODULUS = 1 << 32
COUNTER_MODULUS = 1 << 16


@dataclass(frozen=True)
class StampRead:
    """What a frame's code carries: wall-clock ms mod 2^32, frame counter mod 2^16."""

    wallclock_ms_mod: int
    frame_counter_mod: int


def _payload(wallclock_ms: int, frame_counter: int) -> bytes:
    return ((wallclock_ms % WALLCLOCK_MODULUS).to_bytes(4, "big")
            + (frame_counter % COUNTER_MODULUS).to_bytes(2, "big"))


class StampCodec:
    """Draws and reads the stamp code on HxW uint8 Y planes (views allowed, no copies)."""

    def cell_px(self, height: int) -> int:
        """Side of one cell in pixels for a frame of this height."""
        return max(MIN_CELL_PX, height // CELL_HEIGHT_DIVISOR)

    def band_rows(self, height: int) -> int:
        """Rows at the top of the frame the code occupies (to keep out of picture metrics)."""
        return self.cell_px(height) * ROWS

    def draw(self, y: np.ndarray, wallclock_ms: int, frame_counter: int) -> None:
        """Draw the code for ``wallclock_ms`` (ms since the epoch) and ``frame_counter`` in place."""
        payload = _payload(wallclock_ms, frame_counter)
        data = payload + zlib.crc32(payload).to_bytes(CRC_BYTES, "big")
        bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8)).reshape(ROWS, COLUMNS - 2)
        levels = np.empty((ROWS, COLUMNS), dtype=np.uint8)
        levels[:, 0] = WHITE
        levels[:, -1] = BLACK
        levels[:, 1:-1] = np.where(bits, WHITE, BLACK)
        cell = self.cell_px(y.shape[0])
        y[: ROWS * cell, : COLUMNS * cell] = np.repeat(np.repeat(levels, cell, 0), cell, 1)

    def read(self, y: np.ndarray) -> StampRead | None:
        """The code in ``y``, or None when it is absent, unreadable or fails its checksum."""
        cell = self.cell_px(y.shape[0])
        if y.shape[0] < ROWS * cell or y.shape[1] < COLUMNS * cell:
            return None
        margin = cell // 4
        grid = y[: ROWS * cell, : COLUMNS * cell].reshape(ROWS, cell, COLUMNS, cell)
        means = grid[:, margin: cell - margin, :, margin: cell - margin].mean(axis=(1, 3))
        white, black = means[:, 0], means[:, -1]
        if float(np.min(white - black)) < MIN_CONTRAST:
            return None
        bits = means[:, 1:-1] > ((white + black) / 2.0)[:, None]
        data = np.packbits(bits.reshape(-1)).tobytes()
        payload, crc = data[:PAYLOAD_BYTES], data[PAYLOAD_BYTES:]
        if zlib.crc32(payload).to_bytes(CRC_BYTES, "big") != crc:
            return None
        return StampRead(wallclock_ms_mod=int.from_bytes(payload[:4], "big"),
                         frame_counter_mod=int.from_bytes(payload[4:], "big"))


def unwrap_wallclock_ms(wallclock_ms_mod: int, reference_wallclock_ms: int) -> int:
    """The full epoch ms congruent to ``wallclock_ms_mod`` closest to the reference clock (ms)."""
    base = reference_wallclock_ms - reference_wallclock_ms % WALLCLOCK_MODULUS + wallclock_ms_mod
    candidates = (base - WALLCLOCK_MODULUS, base, base + WALLCLOCK_MODULUS)
    return min(candidates, key=lambda c: abs(c - reference_wallclock_ms))


def unwrap_counter(counter_mod: int, previous: int | None) -> int:
    """The frame counter congruent to ``counter_mod`` closest to ``previous`` (monotonic unwrap)."""
    if previous is None:
        return counter_mod
    base = previous - previous % COUNTER_MODULUS + counter_mod
    candidates = (base - COUNTER_MODULUS, base, base + COUNTER_MODULUS)
    return min(candidates, key=lambda c: abs(c - previous))
