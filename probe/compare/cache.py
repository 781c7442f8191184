"""Each compare run kept on disk, so an interrupted compare resumes where it stopped.

A run is keyed by what decides its result: the clip's digest, the setting, the impairment, the
mode (offline or live), the duration, the repeat and the cache format; one JSON file per key.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from metrics.compare import RunScores, Setting

CACHE_FORMAT = 2


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/streamprobe/compare`` (``~/.cache`` when unset)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "streamprobe" / "compare"


def run_key(source_digest: str, setting: Setting, impairment: str, mode: str,
            duration_s: float, repeat: int) -> str:
    """The cache key of one run (sha-256 of its inputs)."""
    text = json.dumps({"format": CACHE_FORMAT, "source": source_digest,
                       "setting": setting.to_dict(), "impairment": impairment, "mode": mode,
                       "duration_s": duration_s, "repeat": repeat}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class RunCache:
    """``get``/``put`` runs by key under ``folder`` (None: no cache)."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder

    def get(self, key: str) -> RunScores | None:
        if self.folder is None:
            return None
        path = self.folder / f"{key}.json"
        try:
            return RunScores.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, TypeError, KeyError):
            return None  # absent or from an older format: run it again

    def put(self, key: str, run: RunScores) -> None:
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.folder / f"{key}.json.partial"
        partial.write_text(json.dumps(run.to_dict()))
        partial.replace(self.folder / f"{key}.json")  # whole or absent, even when interrupted
