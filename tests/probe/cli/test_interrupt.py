"""Leaving on a signal (probe/cli/interrupt.py), in a real child process sent real signals.

A teardown that hangs cannot be produced on demand from a real peer connection, so the stuck
teardown here is a coroutine whose ``finally`` sleeps: a stand-in, said so.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import pytest

CHILD = textwrap.dedent("""
    import asyncio, sys
    from probe.cli import interrupt

    TEARDOWN_S, interrupt.TEARDOWN_GRACE_S = float(sys.argv[1]), float(sys.argv[2])

    async def command():
        try:
            print("ready", flush=True)
            await asyncio.sleep(60)
        finally:
            await asyncio.sleep(TEARDOWN_S)  # stands in for closing peers, DELETE, ...
            print("torn down", flush=True)

    try:
        interrupt.run(command())
    except interrupt.Interrupted as err:
        sys.exit(err.exit_code)
""")


def start(teardown_s: float, grace_s: float = 1.0) -> subprocess.Popen[str]:
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(teardown_s), str(grace_s)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "ready"
    return child


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_runs_the_teardown_then_exits_128_plus_its_number(signum: int,
                                                                   code: int) -> None:
    child = start(teardown_s=0.2)
    child.send_signal(signum)
    out, err = child.communicate(timeout=10)
    assert "torn down" in out
    assert child.returncode == code, err


def test_a_stuck_teardown_is_cut_off_after_the_grace_period() -> None:
    child = start(teardown_s=60)
    started = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=10)
    assert time.monotonic() - started < 5  # grace is 1 s here
    assert child.returncode == 130
    assert "torn down" not in out
    assert "teardown did not finish within 1 s" in err


def test_a_second_signal_exits_at_once() -> None:
    child = start(teardown_s=60, grace_s=30)
    child.send_signal(signal.SIGINT)
    time.sleep(0.3)
    started = time.monotonic()
    child.send_signal(signal.SIGINT)
    out, err = child.communicate(timeout=10)
    assert time.monotonic() - started < 5  # long before the 30 s grace could end it
    assert child.returncode == 130
    assert "interrupted again" in err


def test_a_signal_repeated_at_once_counts_as_one() -> None:
    """coreutils ``timeout`` signals the child, then its group: two SIGTERMs microseconds
    apart are one request, so the teardown runs (it used to exit "interrupted again")."""
    child = start(teardown_s=0.5, grace_s=30)
    child.send_signal(signal.SIGTERM)
    child.send_signal(signal.SIGTERM)
    out, err = child.communicate(timeout=10)
    assert "torn down" in out, err
    assert child.returncode == 143
    assert "interrupted again" not in err
