"""Builds ``loopback_only.c`` into a shared library to preload into Janus and Chromium.

Neither can be configured to keep WebRTC on 127.0.0.1 alone (see the C file); the preloaded shim
does it, so that every test's media stays on loopback. Built once per source (and flags) version
with the system C compiler (``cc``: Debian's gcc) and cached in the temp folder.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

SOURCE = Path(__file__).with_name("loopback_only.c")
COMPILE_TIMEOUT_S = 60.0
# It casts socket addresses between sockaddr types, as C networking code does.
COMPILE_FLAGS = ["-shared", "-fPIC", "-O2", "-fno-strict-aliasing", "-Wall"]


def loopback_only_library() -> Path:
    """The compiled shim (built on first use); raises ``RuntimeError`` without a C compiler."""
    return preload_library(SOURCE)


def preload_library(source: Path) -> Path:
    """``source`` (a C file of this folder) built into a shared library to preload, once per
    source and flags version, cached in the temp folder."""
    digest = hashlib.sha256(source.read_bytes() + " ".join(COMPILE_FLAGS).encode()).hexdigest()
    library = Path(tempfile.gettempdir()) / f"streamprobe-{source.stem.replace('_', '-')}-{digest[:16]}.so"
    if library.exists():
        return library
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise RuntimeError("the loopback shim needs a C compiler: apt-get install gcc")
    partial = library.with_suffix(f".{os.getpid()}.tmp")
    subprocess.run([compiler, *COMPILE_FLAGS, "-o", str(partial), str(source), "-ldl"],
                   check=True, timeout=COMPILE_TIMEOUT_S)
    partial.replace(library)  # atomic: concurrent test processes never load a half-written file
    return library


def loopback_only_env() -> dict[str, str]:
    """This process's environment plus ``LD_PRELOAD`` of the shim, for a child process."""
    preload = " ".join(filter(None, [str(loopback_only_library()), os.environ.get("LD_PRELOAD")]))
    return {**os.environ, "LD_PRELOAD": preload}
