"""Reading result files back: a report (or a bench or compare result) JSON, checked by schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from metrics.report import REPORT_SCHEMA
from probe.errors import InputError

MAX_RESULT_BYTES = 256 * 1024 * 1024  # a one-hour watch report is a few MB


def load_result(path: Path, schemas: tuple[str, ...] = (REPORT_SCHEMA,)) -> dict[str, Any]:
    """The JSON object in ``path`` whose ``schema`` is one of ``schemas``; else a one-line
    ``InputError`` saying what the file is and what was expected."""
    try:
        if path.stat().st_size > MAX_RESULT_BYTES:
            raise InputError(f"{path}: {path.stat().st_size // 2**20} MiB is too large for a "
                             "streamprobe result")
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise InputError(f"{path}: cannot read: {err.strerror}") from err
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: not a streamprobe result (not JSON: {err})") from err
    expected = " or ".join(schemas)
    if not isinstance(data, dict) or "schema" not in data:
        raise InputError(f"{path}: not a streamprobe result (no schema key); expected {expected}")
    if data["schema"] not in schemas:
        raise InputError(f"{path}: unknown schema {str(data['schema'])[:60]!r}; expected "
                         f"{expected}")
    return data
