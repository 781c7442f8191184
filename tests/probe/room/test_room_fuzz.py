"""Property-based fuzzing of the room's HTTP API (issue 15): bodies, headers, paths, methods.

One real room runs in a thread with its own event loop; hypothesis sends it raw HTTP requests
(mutated real offers, SDP-like garbage, random bytes, odd paths and headers). Each example
asserts: a status below 500, no traceback or handler error in the log, and no session or stream
left once the sessions it created are deleted; at the end, no peer task, socket or thread.
"""

from __future__ import annotations

import asyncio
import http.client
import logging
import threading
import time
import urllib.parse
from collections.abc import Iterator
from typing import Self

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from probe.pattern.spec import PatternSpec
from probe.room.limits import RoomLimits
from probe.room.server import RoomConfig, TestRoom
from tests.support.peers_offline import socket_count as open_sockets
from tests.support.peers_offline import viewer_offer

METHODS = ["GET", "POST", "DELETE", "PATCH", "OPTIONS", "PUT", "HEAD"]
CONTENT_TYPES = ["application/sdp", "application/SDP", "text/plain", "application/sdp; charset=x",
                 "application/sdp; charset=latin-1", ""]
UNLIMITED = RoomLimits(joins_per_s=1e6, join_burst=10**6)


class RoomThread:
    """A ``TestRoom`` serving from its own thread and event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.room = TestRoom(RoomConfig(pattern=PatternSpec(width=160, height=90),
                                        limits=UNLIMITED))
        self._thread = threading.Thread(target=self.loop.run_forever, name="fuzz-room")

    def __enter__(self) -> Self:
        self._thread.start()
        self.call(self.room.start())
        self.sockets_at_start = open_sockets()
        return self

    def tasks(self) -> list[str]:
        """Tasks alive on the room's loop (its HTTP server runs none between requests)."""
        async def read() -> list[str]:
            current = asyncio.current_task()
            return [t.get_name() for t in asyncio.all_tasks() if t is not current]
        return self.call(read())

    def call(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def counts(self) -> tuple[int, int]:
        async def read() -> tuple[int, int]:
            return self.room.session_count, self.room.stream_count
        return self.call(read())

    def __exit__(self, *exc: object) -> None:
        self.call(self.room.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)
        self.loop.close()


class Errors(logging.Handler):
    """Log records carrying a traceback or aiohttp's "Error handling request"."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info or "Error handling request" in record.getMessage():
            self.records.append(self.format(record))


OFFER = asyncio.run(viewer_offer())
OFFER_LINES = OFFER.split("\r\n")


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """Mutations of a real offer, SDP-like garbage, or random bytes."""
    kind = draw(st.sampled_from(["truncated", "line-edit", "sdp-like", "bytes", "valid"]))
    if kind == "valid":
        return OFFER.encode()
    if kind == "truncated":
        return OFFER.encode()[:draw(st.integers(0, len(OFFER)))]
    if kind == "line-edit":
        lines = list(OFFER_LINES)
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(lines) - 1))
            action = draw(st.sampled_from(["drop", "replace", "dup"]))
            if action == "drop":
                del lines[at]
            elif action == "dup":
                lines.insert(at, lines[at])
            else:
                prefix = lines[at][:draw(st.integers(0, len(lines[at])))]
                lines[at] = prefix + draw(st.text(max_size=20))
            if not lines:
                break
        return "\r\n".join(lines).encode("utf-8", errors="surrogatepass")
    if kind == "sdp-like":
        keys = st.sampled_from(list("vosctmab") + ["a=mid:", "a=rtpmap:", "m=video ", "m=audio ",
                                                   "a=fingerprint:", "a=ice-ufrag:", "a=group:"])
        lines = draw(st.lists(st.tuples(keys, st.text(max_size=30)), max_size=12))
        return "\r\n".join(k + ("" if k.endswith((":", " ")) else "=") + v
                           for k, v in lines).encode("utf-8", errors="surrogatepass")
    return draw(st.binary(max_size=300))


@st.composite
def paths(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["whep", "whip", "x", ""]))
    name = draw(st.one_of(st.sampled_from(["pattern", "s", "a.b"]), st.text(max_size=70)))
    tail = draw(st.one_of(st.just(""), st.text(max_size=40).map(lambda t: "/" + t)))
    return urllib.parse.quote(f"/{kind}/{name}{tail}", safe="/")


def _request(port: int, method: str, path: str, headers: dict[str, str],
             body: bytes) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status, dict(response.getheaders())
    finally:
        conn.close()


@pytest.fixture(scope="module")
def room() -> Iterator[RoomThread]:
    with RoomThread() as running:
        yield running


@pytest.fixture(scope="module")
def errors() -> Iterator[Errors]:
    handler = Errors()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(old_level)


header_values = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
FUZZ = settings(max_examples=200, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _exchange(room: RoomThread, errors: Errors, method: str, path: str,
              headers: dict[str, str], body: bytes) -> None:
    """One request; then the properties: below 500, nothing left, no traceback logged."""
    status, response_headers = _request(room.room.port, method, path, headers, body)
    event(f"status {status}")
    assert status < 500, (method, path, body[:200])
    if status == 201:
        location = response_headers["Location"]
        assert _request(room.room.port, "DELETE", location, {}, b"")[0] == 200
    assert room.counts() == (0, 0)
    assert not errors.records, errors.records[0]


@FUZZ
@given(method=st.sampled_from(METHODS), path=paths(), body=bodies(),
       content_type=st.sampled_from(CONTENT_TYPES),
       auth=st.one_of(st.none(), header_values),
       extra=st.dictionaries(st.sampled_from(["If-Match", "Accept", "X-Forwarded-For", "Origin"]),
                             header_values, max_size=2))
def test_any_request_is_answered_below_500_and_keeps_nothing(
        room: RoomThread, errors: Errors, method: str, path: str, body: bytes,
        content_type: str, auth: str | None, extra: dict[str, str]) -> None:
    headers = dict(extra)
    if content_type:
        headers["Content-Type"] = content_type
    if auth is not None:
        headers["Authorization"] = auth
    _exchange(room, errors, method, path, headers, body)


@settings(FUZZ, max_examples=300)
@given(kind=st.sampled_from(["whep", "whip"]), body=bodies(),
       content_type=st.sampled_from(["application/sdp", "application/sdp; charset=latin-1"]))
def test_any_offer_is_answered_below_500_and_keeps_nothing(
        room: RoomThread, errors: Errors, kind: str, body: bytes, content_type: str) -> None:
    _exchange(room, errors, "POST", f"/{kind}/pattern", {"Content-Type": content_type}, body)


def test_after_fuzzing_the_room_holds_no_peer_task_socket_or_thread(room: RoomThread) -> None:
    """Runs after the fuzz test (same module room): everything it opened was closed."""
    deadline = time.monotonic() + 5
    while room.tasks() or open_sockets() > room.sockets_at_start:
        if time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert room.counts() == (0, 0)
    assert not room.tasks()
    assert open_sockets() <= room.sockets_at_start
    names = {t.name for t in threading.enumerate()}
    assert not {n for n in names if n.startswith(("pattern", "relay"))}, names
