"""Picture analysis on a thread of its own, in the order frames arrive.

Decoding (PyAV/FFmpeg) and receiving (the event loop) go on while frames are analysed: NumPy,
OpenCV and FFmpeg release the GIL, so on two cores the two overlap. The live viewer submits
without ever blocking (it watches ``pending`` and skips clarity when analysis falls behind); a
file analysis bounds the queue instead, so that no more than a few decoded frames are held.

On Linux the analysis thread runs ``ANALYSIS_NICE`` steps nicer than its process, so that when
both want a core, decoding and packet reception win: a frame-threaded decoder kept waiting
stalls its whole pipeline (measured: 1080p ``analyze`` about 3 % faster), and a receiver kept
waiting drops packets.
"""

from __future__ import annotations

import collections
import concurrent.futures
import os
import sys
import threading
from collections.abc import Callable

ANALYSIS_NICE = 5


class AnalysisWorker:
    """Runs calls one at a time, in submission order, on one thread.

    ``max_pending`` (None: unbounded) makes ``submit`` wait, raising the first failure, while
    more calls than that are unfinished.
    """

    def __init__(self, max_pending: int | None = None) -> None:
        self._executor = concurrent.futures.ThreadPoolExecutor(
            1, thread_name_prefix="analysis", initializer=_yield_to_decoding)
        self._futures: collections.deque[concurrent.futures.Future[object]] = collections.deque()
        self._max_pending = max_pending

    @property
    def pending(self) -> int:
        """Calls submitted and not finished yet."""
        while self._futures and self._futures[0].done():  # they finish in order
            self._futures.popleft()
        return len(self._futures)

    def submit(self, fn: Callable[..., object], *args: object) -> concurrent.futures.Future[object]:
        """Queue ``fn(*args)``; with ``max_pending``, first wait until the queue is short enough."""
        future = self._executor.submit(fn, *args)
        self._futures.append(future)
        if self._max_pending is not None:
            while len(self._futures) > self._max_pending:
                self._futures.popleft().result()
        return future

    def finish(self) -> None:
        """Wait for every call submitted; raise the first failure among them."""
        while self._futures:
            self._futures.popleft().result()

    def close(self) -> None:
        """Stop the thread once the calls already queued are done (any path)."""
        self._executor.shutdown(wait=True)


def _yield_to_decoding() -> None:
    """Make the calling thread ``ANALYSIS_NICE`` nicer (Linux sets niceness per thread)."""
    if sys.platform != "linux":
        return  # elsewhere PRIO_PROCESS would renice the whole process
    thread_id = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread_id,
                       os.getpriority(os.PRIO_PROCESS, thread_id) + ANALYSIS_NICE)
    except OSError:
        pass  # not permitted here: analysis keeps the process's priority
