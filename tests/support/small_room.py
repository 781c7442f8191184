"""One viewer of a small pattern room (320x180, in its own process) with a given analyzer."""

from __future__ import annotations

from metrics.analysis import StreamAnalyzer
from probe.pattern.spec import PatternSpec
from probe.room.process import room_process
from probe.room.server import DEFAULT_STREAM, RoomConfig
from probe.signaling import open_viewer_signaling
from probe.viewer.peer import Viewer, ViewResult


async def view_small_room(analyzer: StreamAnalyzer, duration_s: float) -> ViewResult:
    """Watch the room's pattern for ``duration_s`` s, feeding ``analyzer``."""
    async with room_process(RoomConfig(pattern=PatternSpec(width=320, height=180))) as room:
        return await Viewer(open_viewer_signaling(f"{room.base_url}/whep/{DEFAULT_STREAM}"),
                            analyzer).watch(duration_s=duration_s, timeout_s=10.0)
