"""The room's answers to bad and abusive requests (issue 15): 4xx, nothing left behind."""

from __future__ import annotations

import logging

import aiohttp
import pytest

from probe.room.limits import JoinRate, RoomLimits, valid_stream_name
from probe.room.server import RoomConfig, TestRoom
from tests.support.peers_offline import viewer_offer

SDP = "application/sdp"




async def _post(session: aiohttp.ClientSession, url: str, body: bytes | str,
                headers: dict[str, str] | None = None) -> tuple[int, str, dict[str, str]]:
    async with session.post(url, data=body, headers={"Content-Type": SDP, **(headers or {})}) as r:
        return r.status, await r.text(), dict(r.headers)


@pytest.mark.parametrize("body", [b"v=0\r\nm=x\r\n", b"m=video", b"v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF\r\n",
                                  b"m=\xff\xfe", b"m=audio 9 x 0\r\na=mid:\x00"])
async def test_a_rejected_offer_leaves_no_session_and_no_stream(body: bytes, caplog,
                                                                leak_check) -> None:
    async with TestRoom() as room, aiohttp.ClientSession() as http:
        with caplog.at_level(logging.WARNING):
            status, text, _ = await _post(http, room.whep_url("s1"), body)
        assert 400 <= status < 500, text
        assert room.session_count == 0
        assert room.stream_count == 0
        assert "Traceback" not in caplog.text and "Error handling request" not in caplog.text
    await leak_check.assert_clean()


@pytest.mark.parametrize("path", ["/whep/a%0D%0AX-Injected:%201", "/whep/" + "x" * 65,
                                  "/whep/a%20b"])
async def test_a_bad_stream_name_is_a_400(path: str, caplog) -> None:
    async with TestRoom() as room, aiohttp.ClientSession() as http:
        with caplog.at_level(logging.WARNING):
            status, text, headers = await _post(http, room.base_url() + path, await viewer_offer())
        assert status == 400 and "stream name" in text
        assert "X-Injected" not in headers
        assert room.stream_count == 0 and "Traceback" not in caplog.text


async def test_joins_beyond_the_stream_cap_get_503_and_the_rate_cap_429(leak_check) -> None:
    limits = RoomLimits(max_sessions_per_stream=2, max_streams=1, joins_per_s=1.0, join_burst=4)
    offer = await viewer_offer()
    async with TestRoom(RoomConfig(limits=limits)) as room, aiohttp.ClientSession() as http:
        statuses = [(await _post(http, room.whep_url(), offer))[0] for _ in range(2)]
        assert statuses == [201, 201]
        status, text, headers = await _post(http, room.whep_url(), offer)
        assert status == 503 and "is full" in text and headers["Retry-After"]
        status, text, _ = await _post(http, room.whep_url("other"), offer)
        assert status == 503 and "maximum of 1 streams" in text
        status, text, headers = await _post(http, room.whep_url(), offer)
        assert status == 429 and headers["Retry-After"] == "1"
        assert room.session_count == 2 and room.stream_count == 1
    await leak_check.assert_clean()


async def test_delete_checks_kind_and_stream_and_bearer_is_case_insensitive(leak_check) -> None:
    async with TestRoom(RoomConfig(token="s3cret")) as room, aiohttp.ClientSession() as http:
        status, _, headers = await _post(http, room.whep_url("a"), await viewer_offer(),
                                         {"Authorization": "bEaReR s3cret"})
        assert status == 201
        session_id = headers["Location"].rsplit("/", 1)[1]
        auth = {"Authorization": "bearer s3cret"}
        for wrong in (f"/whip/a/{session_id}", f"/whep/b/{session_id}"):
            async with http.delete(room.base_url() + wrong, headers=auth) as r:
                assert r.status == 404
        assert room.session_count == 1
        async with http.delete(room.base_url() + headers["Location"],
                               headers={"Authorization": "Bearer wrong"}) as r:
            assert r.status == 401
        async with http.delete(room.base_url() + headers["Location"], headers=auth) as r:
            assert r.status == 200
        assert room.session_count == 0 and room.stream_count == 0
    await leak_check.assert_clean()


async def test_a_body_over_the_cap_is_a_413() -> None:
    async with TestRoom(RoomConfig(limits=RoomLimits(max_body_bytes=4096))) as room, \
            aiohttp.ClientSession() as http:
        status, _, _ = await _post(http, room.whep_url(), b"m=video " + b"x" * 5000)
        assert status == 413 and room.session_count == 0 and room.stream_count == 0


def test_join_rate_refills_at_its_rate_and_forgets_old_clients() -> None:
    rate = JoinRate(RoomLimits(joins_per_s=2.0, join_burst=3, clients_tracked=2))
    assert [rate.allow("a", 0.0) for _ in range(4)] == [True, True, True, False]
    assert not rate.allow("a", 0.4)  # 0.8 token: not yet
    assert rate.allow("a", 0.6) and not rate.allow("a", 0.6)
    rate.allow("b", 1.0)
    rate.allow("c", 1.0)
    assert rate.clients == 2  # "a", the longest idle, was forgotten


def test_stream_names() -> None:
    assert valid_stream_name("pattern") and valid_stream_name("a.b_c~d-1")
    assert not any(valid_stream_name(n) for n in ("", "a b", "a\r\nb", "x" * 65, "ä", "a/b"))
