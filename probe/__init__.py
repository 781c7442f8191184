"""streamprobe's library: everything the ``streamprobe`` command does, callable from Python.

```python
import asyncio, probe

report = asyncio.run(probe.run_check(probe.CheckOptions(duration_s=5)))   # embedded room
print(report.verdict, report.to_dict()["latency"])
report = probe.analyze_file(Path("show.mp4"))                            # a recorded file
async with probe.TestRoom(probe.RoomConfig(port=8080)) as room: ...       # serve the room
result = probe.analyze_retention("sessions.csv", "tier")                 # quality vs watch time
```

Names are imported on first use, so ``import probe`` (and ``streamprobe --help``) stays fast.

The house: ``signaling/`` (WHEP, WHIP, Janus), ``viewer/`` (the receiving peer), ``room/`` (the
test room), ``pattern/`` (the stamped pattern and its publisher), ``media/`` (frames, encoders,
fan-out), ``analyze/`` (files), ``render/`` (tables, JSON, plots), ``cli/`` (thin commands),
``aiortc_hooks/`` (every patch of aiortc/aioice internals, behind one gate), ``check.py`` (a check
end to end). Scoring lives in the ``metrics`` package.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CheckOptions": "probe.check", "run_check": "probe.check",
    "analyze_file": "probe.analyze.file",
    "TestRoom": "probe.room.server", "RoomConfig": "probe.room.server",
    "room_process": "probe.room.process",
    "PatternSpec": "probe.pattern.spec", "VideoEncoding": "probe.media.encoding",
    "ImpairSpec": "probe.room.impair_spec", "parse_impair_spec": "probe.room.impair_spec",
    "ProbeError": "probe.errors", "InputError": "probe.errors",
    "SignalingError": "probe.errors", "MediaTimeout": "probe.errors",
    "print_report": "probe.render.table", "write_json": "probe.render.json_file",
    "render_tables": "probe.render.retention", "write_plot": "probe.render.retention",
    "Report": "metrics.report", "analyze_retention": "metrics.retention",
    "gate_problems": "probe.aiortc_hooks",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'probe' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
