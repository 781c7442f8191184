"""ICE servers (STUN, TURN): none by default, given by the user, or advertised by the server.

A peer uses only the ICE servers it is told about: aiortc's own default (a public STUN host)
would send every check's traffic to a third party, and where UDP to it is dropped the gathering
waits inside time to first frame. Servers come from
- ``--ice-server URL`` (``stun:HOST[:PORT]``, ``turn[s]:[USER:PASSWORD@]HOST[:PORT][?transport=udp|tcp]``,
  the URI forms of RFC 7064 / RFC 7065 with the credentials as URL user info), and
- the WHEP/WHIP server's ``Link: <URI>; rel="ice-server"; username=...; credential=...``
  headers (RFC 9725 section 4.6; RFC 8288 link syntax).

aiortc uses the first STUN and the first TURN server of the list it is given
(``aiortc.rtcicetransport.connection_kwargs``), so user-given servers come first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

from aiortc import RTCConfiguration, RTCIceServer
from aiortc.rtcicetransport import parse_stun_turn_uri

from probe.errors import InputError

ICE_SERVER_REL = "ice-server"  # RFC 9725 section 4.6
SCHEMES = ("stun", "stuns", "turn", "turns")
_USERINFO = re.compile(r"^(?P<scheme>[a-z]+):(?:(?P<user>[^:@/]*):(?P<password>[^@/]*)@)?(?P<rest>.+)$")
# One link-value of RFC 8288: <target> followed by ;-separated params (quoted or token values).
_LINK = re.compile(r"<(?P<target>[^>]*)>(?P<params>(?:\s*;\s*[^;,=\s]+\s*(?:=\s*(?:\"[^\"]*\"|[^;,\s]*))?)*)")
_PARAM = re.compile(r";\s*(?P<key>[^;,=\s]+)\s*(?:=\s*(?:\"(?P<quoted>[^\"]*)\"|(?P<token>[^;,\s]*)))?")


def parse_ice_server(url: str) -> RTCIceServer:
    """One ``--ice-server`` URL as an aiortc ``RTCIceServer``; a malformed one is an ``InputError``.

    TURN credentials ride in the URL's user info (``turn:USER:PASSWORD@HOST:PORT``,
    percent-encoded where they hold ``:`` or ``@``), since one flag then names one server.
    """
    match = _USERINFO.match(url.strip())
    scheme = match.group("scheme") if match else ""
    if scheme not in SCHEMES or not match:
        raise InputError(f"--ice-server {url!r}: give stun:HOST:PORT or "
                         "turn:USER:PASSWORD@HOST:PORT[?transport=udp|tcp]")
    user, password = match.group("user"), match.group("password")
    if scheme.startswith("stun") and user is not None:
        raise InputError(f"--ice-server {url!r}: a STUN server takes no credentials")
    if scheme.startswith("turn") and not user:
        raise InputError(f"--ice-server {url!r}: a TURN server needs credentials: "
                         "turn:USER:PASSWORD@HOST:PORT")
    server_uri = f"{scheme}:{match.group('rest')}"
    try:
        parse_stun_turn_uri(server_uri)
    except ValueError as err:
        raise InputError(f"--ice-server {url!r}: {err}; give HOST[:PORT] after the scheme, "
                         "e.g. stun:127.0.0.1:3478") from err
    if user is None:
        return RTCIceServer(urls=server_uri)
    return RTCIceServer(urls=server_uri, username=unquote(user), credential=unquote(password))


def ice_servers_from_links(link_headers: Iterable[str]) -> tuple[RTCIceServer, ...]:
    """The ``rel="ice-server"`` links of HTTP ``Link`` header values (RFC 9725 section 4.6),
    with their ``username`` and ``credential`` attributes; other links are ignored."""
    servers = []
    for header in link_headers:
        for link in _LINK.finditer(header):
            params = {m.group("key").lower(): m.group("quoted") if m.group("quoted") is not None
                      else (m.group("token") or "") for m in _PARAM.finditer(link.group("params"))}
            if ICE_SERVER_REL not in params.get("rel", "").split():
                continue
            target = link.group("target").strip()
            try:
                parse_stun_turn_uri(target)
            except ValueError:
                continue  # not a STUN/TURN URI aiortc can use
            username, credential = params.get("username"), params.get("credential")
            servers.append(RTCIceServer(urls=target, username=username, credential=credential)
                           if username is not None else RTCIceServer(urls=target))
    return tuple(servers)


def describe(server: RTCIceServer) -> str:
    """A server's URL for notes, without its credential."""
    urls = server.urls if isinstance(server.urls, str) else ",".join(server.urls)
    return urls + (f" (user {server.username})" if server.username else "")


def peer_configuration(*servers: Iterable[RTCIceServer]) -> RTCConfiguration:
    """An aiortc configuration with exactly these ICE servers, in order (none: host candidates
    only; never aiortc's default public STUN server)."""
    return RTCConfiguration(iceServers=[s for group in servers for s in group])
