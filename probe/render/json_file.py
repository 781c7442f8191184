"""JSON for machines: a result written to a path or to stdout."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from probe.errors import InputError


def write_json(data: dict[str, Any], destination: str) -> None:
    """Write ``data`` as JSON to a path, or to stdout when ``destination`` is ``-``."""
    text = json.dumps(data, indent=2, allow_nan=False) + "\n"
    if destination == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        Path(destination).write_text(text, encoding="utf-8")
    except OSError as err:
        raise InputError(f"{destination}: cannot write: {err.strerror}") from err
