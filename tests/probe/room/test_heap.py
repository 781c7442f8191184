"""The idle room's heap trim gives freed native memory back (glibc, this machine)."""

from __future__ import annotations

from pathlib import Path

from probe.room.heap import give_back_freed_heap

PAGE = 4096


def resident_mib() -> float:
    """This process's resident set (MiB, /proc/self/statm)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE / 2**20


def test_freed_chunks_kept_by_malloc_go_back_to_the_system() -> None:
    # 100k malloc'd 1 KiB chunks (above pymalloc's 512 B), all freed but every 100th: the
    # survivors pin the heap's top, so malloc cannot shrink it by itself and keeps ~95 MiB.
    chunks = [bytearray(1024) for _ in range(100_000)]
    survivors = chunks[::100]
    del chunks
    held = resident_mib()
    assert give_back_freed_heap()
    given_back = held - resident_mib()
    assert given_back > 50, f"only {given_back:.1f} MiB given back of ~95 MiB freed"
    assert len(survivors) == 1000
