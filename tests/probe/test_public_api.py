"""``import probe``: every name the library promises resolves, and importing stays light."""

from __future__ import annotations

import subprocess
import sys

import probe


def test_every_exported_name_resolves() -> None:
    for name in probe.__all__:
        assert getattr(probe, name) is not None, name


def test_import_does_not_load_the_media_stack() -> None:
    code = ("import sys, probe, probe.cli; "
            "print(sorted({'aiortc', 'av', 'cv2', 'aiohttp'} & set(sys.modules)))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
