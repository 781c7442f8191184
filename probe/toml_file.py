"""Reading a TOML input file (a suite, a fleet SPEC) with one-line errors naming it."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any


def read_toml(path: Path, error: type[Exception], what: str) -> dict[str, Any]:
    """``path`` parsed as TOML; ``error`` (one line naming the file and ``what`` it should be)
    when it cannot be read or is not valid TOML."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise error(f"{path}: cannot read {what}: {err.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise error(f"{path}: not a valid TOML {what}: {err}") from None
