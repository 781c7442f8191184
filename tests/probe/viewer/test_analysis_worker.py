"""The analysis worker keeps order, bounds what waits, and hands failures back."""

from __future__ import annotations

import os
import sys
import threading

import pytest

from probe.viewer.analysis_worker import ANALYSIS_NICE, AnalysisWorker


def test_calls_run_in_order_on_one_other_thread() -> None:
    worker = AnalysisWorker()
    seen: list[tuple[int, int]] = []
    try:
        for index in range(200):
            worker.submit(lambda i: seen.append((i, threading.get_ident())), index)
        worker.finish()
    finally:
        worker.close()
    assert [i for i, _ in seen] == list(range(200))
    assert {ident for _, ident in seen} != {threading.get_ident()}
    assert len({ident for _, ident in seen}) == 1
    assert worker.pending == 0


def test_bounded_worker_never_holds_more_than_its_limit() -> None:
    release = threading.Event()
    worker = AnalysisWorker(max_pending=3)
    try:
        for _ in range(3):
            worker.submit(release.wait, 5.0)
        assert worker.pending == 3  # all blocked on the event: nothing finished yet
        threading.Timer(0.2, release.set).start()
        worker.submit(release.wait, 5.0)  # waits for the first to finish
        assert worker.pending <= 3
    finally:
        release.set()
        worker.close()


def test_a_failure_reaches_the_caller() -> None:
    def fail() -> None:
        raise ValueError("bad frame")

    worker = AnalysisWorker(max_pending=1)
    try:
        worker.submit(fail)
        with pytest.raises(ValueError, match="bad frame"):
            worker.submit(lambda: None)
            worker.finish()
    finally:
        worker.close()


@pytest.mark.skipif(sys.platform != "linux", reason="per-thread niceness is Linux's")
def test_analysis_runs_nicer_than_the_caller_and_the_caller_keeps_its_priority() -> None:
    def niceness() -> int:
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    before = niceness()
    worker = AnalysisWorker()
    try:
        analysis = worker.submit(niceness).result(timeout=10)
    finally:
        worker.close()
    assert analysis == min(19, before + ANALYSIS_NICE)
    assert niceness() == before
