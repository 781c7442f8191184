"""ICE servers: --ice-server URLs, RFC 9725 Link headers, and nothing by default."""

from __future__ import annotations

import pytest
from aiortc import RTCIceServer

from probe.errors import InputError
from probe.signaling.ice_servers import (
    describe,
    ice_servers_from_links,
    parse_ice_server,
    peer_configuration,
)


def test_stun_and_turn_urls_with_credentials() -> None:
    assert parse_ice_server("stun:127.0.0.1:3478") == RTCIceServer(urls="stun:127.0.0.1:3478")
    turn = parse_ice_server("turn:al%40ice:p%3Ass@turn.example:3478?transport=tcp")
    assert turn == RTCIceServer(urls="turn:turn.example:3478?transport=tcp", username="al@ice",
                                credential="p:ss")
    assert describe(turn) == "turn:turn.example:3478?transport=tcp (user al@ice)"


@pytest.mark.parametrize("url, fragment", [
    ("http://host:1", "give stun:HOST:PORT"),
    ("turn:host:3478", "needs credentials"),
    ("stun:u:p@host:3478", "takes no credentials"),
    ("stun:host:port", "malformed uri"),
])
def test_bad_urls_are_one_line_input_errors(url: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_ice_server(url)
    assert fragment in str(caught.value) and url in str(caught.value)


def test_link_headers_as_rfc_9725_writes_them() -> None:
    headers = ['<stun:stun.example.net>; rel="ice-server"',
               '<turn:turn.example.net?transport=udp>; rel="ice-server"; username="user"; '
               'credential="myPassword"; credential-type="password", '
               '</whep/x/1>; rel="urn:ietf:params:whep:ext:core:layer", <ftp:x>; rel=ice-server']
    assert ice_servers_from_links(headers) == (
        RTCIceServer(urls="stun:stun.example.net"),
        RTCIceServer(urls="turn:turn.example.net?transport=udp", username="user",
                     credential="myPassword"))


def test_no_ice_server_by_default() -> None:
    # aiortc alone would gather from a public STUN host (RTCIceGatherer.getDefaultIceServers).
    assert peer_configuration().iceServers == []
    assert peer_configuration((parse_ice_server("stun:127.0.0.1:1"),)).iceServers == [
        RTCIceServer(urls="stun:127.0.0.1:1")]
