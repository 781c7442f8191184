"""WHEP and WHIP over HTTP: POST an SDP offer, get 201 + answer + Location, DELETE to leave.

The client side of draft-ietf-wish-whep (viewers) and RFC 9725 WHIP (publishers): the two share
the exchange, only the offer's direction differs, so one class serves both. No trickle ICE:
every candidate is gathered before the offer is sent. Beyond the plain exchange:

- Server-offer mode (the early WHEP drafts, Janus's ``janus-whep-server`` for VideoRoom feeds):
  the server answers the POST with ``406 Not Acceptable`` and its own SDP offer; the client
  answers it with a ``PATCH`` of the resource (``application/sdp``). aiortc has no rollback, so
  the client's offer is created without being applied (candidates are gathered first, straight
  from the ICE gatherers) and only the description that is used is applied.
- Redirects: 307 and 308 are followed with the same POST (RFC 9725 section 4.5); so are 301 and
  302, whose method RFC 9110 (15.4.2, 15.4.3) lets a client keep (aiohttp would turn the POST
  into a GET, which cannot carry an offer). A 303 asks for a GET and is an error naming where it
  pointed. The resource URL is resolved against the last URL.
- ICE servers: RFC 9725 section 4.6 names them in the POST response's ``Link: rel="ice-server"``
  headers, too late for a client that gathers before the offer and cannot restart ICE
  (aiortc). ``ice_servers`` therefore asks the endpoint with an ``OPTIONS`` preflight, which
  some servers answer with the same headers, before the peer gathers; servers that only the
  201/406 response names are listed in ``notes`` as unusable for this connection.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiortc import RTCIceServer, RTCPeerConnection, RTCSessionDescription

from metrics.report import Protocol as ReportProtocol
from probe.aiortc_hooks import HookLog, ice_role
from probe.aiortc_hooks.loopback_gathering import loopback_only
from probe.errors import ProbeError, SignalingError
from probe.signaling.ice_servers import describe, ice_servers_from_links
from probe.signaling.loopback import is_loopback_url, strip_non_loopback_candidates

SDP_TYPE = "application/sdp"
DELETE_TIMEOUT_S = 3.0
FOLLOWED_REDIRECTS = (301, 302, 307, 308)  # re-sent as the same POST (see module docstring)
MAX_REDIRECTS = 5
SERVER_OFFER_STATUS = 406  # "406 Not Acceptable" carrying the server's offer
MAX_BODY_BYTES = 1024 * 1024  # an SDP answer is a few KiB; a larger body is not one
OFFER_ONLY_SETUP = "a=setup:actpass"  # only an offer may leave the DTLS role open (RFC 8842 5.2)


@dataclass(frozen=True)
class _Reply:
    """One WHEP/WHIP response: status, SDP body, final URL, resource URL, ICE server links."""

    status: int
    sdp: str
    url: str
    resource_url: str | None
    ice_servers: tuple[RTCIceServer, ...]


class WhepSession:
    """One WHEP (or WHIP) resource: ``negotiate`` creates it, ``close`` deletes it."""

    failure: ProbeError | None = None  # WHEP has no channel on which the server could end it

    def __init__(self, url: str, token: str | None = None,
                 protocol: ReportProtocol = "whep",
                 ice_servers: tuple[RTCIceServer, ...] = ()) -> None:
        self.url = url
        self._configured_ice_servers = ice_servers
        self.protocol = protocol
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._resource_url: str | None = None
        self._loopback = is_loopback_url(url)
        self._notes: list[str] = []
        self.hooks = HookLog()
        self._gathered_with = ice_servers

    async def ice_servers(self, timeout_s: float) -> tuple[RTCIceServer, ...]:
        """The ICE servers to gather with: those given by the user, then those the endpoint
        names in an ``OPTIONS`` response's ``Link`` headers (the RFC 9725 section 4.6 form)."""
        self._gathered_with = self._configured_ice_servers + await self._advertised(timeout_s)
        return self._gathered_with

    async def _advertised(self, timeout_s: float) -> tuple[RTCIceServer, ...]:
        """The endpoint's ``OPTIONS`` Link ICE servers; none when it names none or does not
        answer (the POST that follows then reports an unreachable endpoint)."""
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http:
                async with http.options(self.url, headers=self._headers) as response:
                    servers = ice_servers_from_links(response.headers.getall("Link", []))
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            return ()
        if servers:
            self._notes.append("ICE servers from the endpoint's Link headers: "
                               + ", ".join(map(describe, servers)))
        return servers

    def notes(self) -> tuple[str, ...]:
        """What the report should say about this exchange (redirects, unused ICE servers)."""
        return (*self._notes, *self.hooks.notes())

    async def negotiate(self, pc: RTCPeerConnection, timeout_s: float) -> None:
        """Send ``pc``'s offer; apply the answer (201), or answer the server's offer (406) by
        PATCH. Every failure is a one-line ``SignalingError``."""
        with loopback_only(self._loopback):
            await _gather(pc)
        offer = await pc.createOffer()
        ice_role.set_role(pc, controlling=True, log=self.hooks)  # before checks can arrive
        reply = await self._post_offer(offer.sdp, timeout_s)
        self._note_unused(reply.ice_servers)
        remote_sdp = strip_non_loopback_candidates(reply.sdp) if self._loopback else reply.sdp
        if reply.status == SERVER_OFFER_STATUS:
            await self._answer_server_offer(pc, remote_sdp, reply, timeout_s)
            return
        if OFFER_ONLY_SETUP in remote_sdp:
            raise SignalingError(f"{reply.url} answered with an SDP offer (it has "
                                 f"{OFFER_ONLY_SETUP}) where an answer belongs: the server is "
                                 "not following WHEP/WHIP; report it to the server's maintainers")
        await pc.setLocalDescription(offer)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(remote_sdp, "answer"))
        except Exception as err:  # aiortc's SDP parser raises any kind
            raise SignalingError(f"the SDP answer from {reply.url} cannot be used: "
                                 f"{_describe(err)}") from err

    async def _answer_server_offer(self, pc: RTCPeerConnection, offer_sdp: str, reply: _Reply,
                                   timeout_s: float) -> None:
        """Server-offer mode: apply the server's offer, PATCH our answer to the resource."""
        if reply.resource_url is None:
            raise SignalingError(f"{reply.url} sent its own offer (406) but no Location to "
                                 "send the answer to; the server is not following WHEP")
        ice_role.set_role(pc, controlling=False, log=self.hooks)  # the offerer controls
        try:
            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as err:  # aiortc's SDP parser raises any kind
            raise SignalingError(f"the SDP offer from {reply.url} (406, server-offer mode) "
                                 f"cannot be used: {_describe(err)}") from err
        headers = {**self._headers, "Content-Type": SDP_TYPE}
        try:
            async with self._http(timeout_s) as http:
                async with http.patch(reply.resource_url, data=pc.localDescription.sdp,
                                      headers=headers, allow_redirects=False) as response:
                    status, reason = response.status, response.reason
                    body = await _capped_text(response) if status >= 300 else ""
        except HTTP_FAILURES as err:
            raise http_failure(err, reply.resource_url, timeout_s) from err
        if status >= 300:
            raise SignalingError(f"{reply.resource_url} refused our answer to its offer "
                                 f"(PATCH: {status} {reason}"
                                 + (f": {_first_line(body)}" if body.strip() else "") + ")")
        self._notes.append(f"{reply.url} sent its own offer (server-offer mode: 406, answered "
                           "by PATCH)")

    def _note_unused(self, servers: tuple[RTCIceServer, ...]) -> None:
        unused = [s for s in servers if s not in self._gathered_with]
        if unused:
            self._notes.append(
                "the server named ICE servers in its response that this connection could not "
                "use (aiortc gathers before the offer is sent and cannot restart ICE): "
                + ", ".join(map(describe, unused))
                + "; pass them with --ice-server, or have the server name them in an OPTIONS "
                  "response")

    def _http(self, timeout_s: float) -> aiohttp.ClientSession:
        return aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout_s))

    async def _post_offer(self, offer_sdp: str, timeout_s: float) -> _Reply:
        headers = {**self._headers, "Content-Type": SDP_TYPE}
        url, visited = self.url, [self.url]
        try:
            async with self._http(timeout_s) as http:
                while True:
                    async with http.post(url, data=offer_sdp, headers=headers,
                                         allow_redirects=False) as response:
                        body = await _capped_text(response)
                        target = self._redirect_target(response, url, visited)
                        if target is None:
                            reply = self._reply(response, body, url)
                            break
                    visited.append(target)
                    url = target
        except HTTP_FAILURES as err:
            raise http_failure(err, url, timeout_s) from err
        if len(visited) > 1:
            self._notes.append(f"{self.url} redirected to {url}")
        self._resource_url = reply.resource_url
        return reply

    def _redirect_target(self, response: aiohttp.ClientResponse, url: str,
                         visited: list[str]) -> str | None:
        """Where a redirect points (None: not a redirect); refuses 303, loops and long chains."""
        if response.status not in (*FOLLOWED_REDIRECTS, 303):
            return None
        location = response.headers.get("Location")
        if not location:
            raise SignalingError(f"{url} answered {response.status} {response.reason} without "
                                 "a Location to go to")
        target = _resolve(url, location)
        if response.status == 303:
            raise SignalingError(f"{url} redirected to {target} with 303 See Other, which asks "
                                 "for a GET: an offer can only be POSTed; give that server's "
                                 "WHEP/WHIP URL instead")
        if target in visited or len(visited) > MAX_REDIRECTS:
            raise SignalingError(f"{self.url} redirects in a loop or too often "
                                 f"({' -> '.join([*visited, target])}); check the URL")
        return target

    def _reply(self, response: aiohttp.ClientResponse, body: str, url: str) -> _Reply:
        """The response as a ``_Reply``, or the one-line error it stands for."""
        if response.status == 404:
            raise SignalingError(f"{url} answered 404 Not Found: no such endpoint or "
                                 "stream; check the path")
        if response.status in (401, 403):
            raise SignalingError(f"{url} refused the request ({response.status}); "
                                 "pass a valid --token")
        is_sdp = response.content_type == SDP_TYPE and body.lstrip().startswith("v=0")
        server_offer = response.status == SERVER_OFFER_STATUS and is_sdp
        if response.status not in (200, 201) and not server_offer:
            raise SignalingError(f"{url} answered {response.status} {response.reason}"
                                 + (f": {_first_line(body)}" if body.strip() else ""))
        if not is_sdp:
            raise SignalingError(f"{url} did not answer with an SDP description "
                                 f"(got {response.content_type or 'no content type'}); "
                                 "is this a WHEP/WHIP endpoint?")
        location = response.headers.get("Location")
        return _Reply(status=response.status, sdp=body, url=url,
                      resource_url=_resolve(url, location) if location else None,
                      ice_servers=ice_servers_from_links(response.headers.getall("Link", [])))

    async def close(self) -> None:
        """DELETE the resource (best effort, bounded by ``DELETE_TIMEOUT_S``)."""
        url, self._resource_url = self._resource_url, None
        if url is None:
            return
        try:
            async with self._http(DELETE_TIMEOUT_S) as http:
                async with http.delete(url, headers=self._headers):
                    pass
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            pass  # the server will expire the resource; leaving must never fail the run


async def _gather(pc: RTCPeerConnection) -> None:
    """Gather every transceiver's ICE candidates before any description is applied, so the
    offer can be sent, or dropped for the server's own (aiortc has no rollback).
    ``RTCIceGatherer.gather`` is a no-op once complete, so applying a description later does
    not gather again."""
    gatherers = {t.receiver.transport.transport.iceGatherer for t in pc.getTransceivers()}
    await asyncio.gather(*(g.gather() for g in gatherers))


def _first_line(body: str) -> str:
    return body.strip().splitlines()[0][:120]


def _resolve(url: str, location: str) -> str:
    """``location`` (a response's Location header) resolved against ``url``."""
    try:
        target = urljoin(url, location)
        urlsplit(target).port  # noqa: B018 - raises ValueError for a bad host or port
    except ValueError as err:
        raise SignalingError(f"{url} answered with a Location that is not a URL "
                             f"({location[:80]!r}: {err}); report it to the server's "
                             "maintainers") from err
    return target


def _describe(err: Exception) -> str:
    """An exception as one short line (its type when the message is empty)."""
    text = " ".join(str(err).split())
    return (f"{type(err).__name__}: {text}" if text else type(err).__name__)[:200]


HTTP_FAILURES = (asyncio.TimeoutError, aiohttp.ClientError)


def http_failure(err: BaseException, url: str, timeout_s: float) -> SignalingError:
    """The one-line error for an HTTP exchange with ``url`` that timed out or failed."""
    if isinstance(err, asyncio.TimeoutError):
        return SignalingError(f"no answer from {url} within {timeout_s:g} s; is the server up? "
                              "(raise --timeout for slow servers)")
    if isinstance(err, aiohttp.ClientConnectorError):
        return SignalingError(f"cannot reach {url}: {err.os_error.strerror or err}; "
                              "check the host and port, and that the server is running")
    return SignalingError(f"HTTP exchange with {url} failed: {err}")


async def _capped_text(response: aiohttp.ClientResponse) -> str:
    """The response body as text, read up to ``MAX_BODY_BYTES``; a larger one is an error."""
    body = await response.content.read(MAX_BODY_BYTES + 1)
    while len(body) <= MAX_BODY_BYTES and not response.content.at_eof():
        chunk = await response.content.read(MAX_BODY_BYTES + 1 - len(body))
        if not chunk:
            break
        body += chunk
    if len(body) > MAX_BODY_BYTES:
        raise SignalingError(f"{response.url} sent a body over {MAX_BODY_BYTES // 1024} KiB "
                             "where an SDP answer belongs; is this a WHEP/WHIP endpoint?")
    return body.decode("utf-8", errors="replace")  # SDP is UTF-8 (RFC 8866 section 5)
