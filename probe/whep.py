"""WHEP and WHIP over HTTP: POST an SDP offer, get 201 + answer + Location, DELETE to leave.

The client side of draft-ietf-wish-whep (viewers) and RFC 9725 WHIP (publishers): the two share
the exchange, only the offer's direction differs, so one class serves both. No trickle ICE:
aiortc gathers every candidate before the offer is sent.
"""

from __future__ import annotations

import asyncio
from urllib.parse import urljoin

import aiohttp
from aiortc import RTCPeerConnection, RTCSessionDescription

from metrics.report import Protocol as ReportProtocol
from probe.errors import ProbeError, SignalingError
from probe.loopback_ice import is_loopback_url, set_loopback_ice, strip_non_loopback_candidates

SDP_TYPE = "application/sdp"
DELETE_TIMEOUT_S = 3.0


class WhepSession:
    """One WHEP (or WHIP) resource: ``negotiate`` creates it, ``close`` deletes it."""

    failure: ProbeError | None = None  # WHEP has no channel on which the server could end it

    def __init__(self, url: str, token: str | None = None,
                 protocol: ReportProtocol = "whep") -> None:
        self.url = url
        self.protocol = protocol
        self._headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._resource_url: str | None = None
        self._loopback = is_loopback_url(url)
        if self._loopback:
            set_loopback_ice(True)

    async def negotiate(self, pc: RTCPeerConnection, timeout_s: float) -> None:
        """Send ``pc``'s offer, apply the answer; every failure is a one-line ``SignalingError``."""
        await pc.setLocalDescription(await pc.createOffer())
        answer = await self._post_offer(pc.localDescription.sdp, timeout_s)
        if self._loopback:
            answer = strip_non_loopback_candidates(answer)
        try:
            await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
        except (ValueError, TypeError) as err:
            raise SignalingError(f"the SDP answer from {self.url} cannot be used: {err}") from err

    async def _post_offer(self, offer_sdp: str, timeout_s: float) -> str:
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        headers = {**self._headers, "Content-Type": SDP_TYPE}
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http:
                async with http.post(self.url, data=offer_sdp, headers=headers) as response:
                    body = await response.text(errors="replace")
                    self._check_answer(response, body)
                    location = response.headers.get("Location")
                    if location:
                        self._resource_url = urljoin(str(response.url), location)
                    return body
        except asyncio.TimeoutError as err:
            raise SignalingError(
                f"no answer from {self.url} within {timeout_s:g} s; is the server up? "
                "(raise --timeout for slow servers)") from err
        except aiohttp.ClientConnectorError as err:
            raise SignalingError(
                f"cannot reach {self.url}: {err.os_error.strerror or err}; "
                "check the host and port, and that the server is running") from err
        except aiohttp.ClientError as err:
            raise SignalingError(f"HTTP exchange with {self.url} failed: {err}") from err

    def _check_answer(self, response: aiohttp.ClientResponse, body: str) -> None:
        if response.status == 404:
            raise SignalingError(f"{self.url} answered 404 Not Found: no such endpoint or "
                                 "stream; check the path")
        if response.status in (401, 403):
            raise SignalingError(f"{self.url} refused the request ({response.status}); "
                                 "pass a valid --token")
        if response.status not in (200, 201):
            first_line = body.strip().splitlines()[0][:120] if body.strip() else ""
            raise SignalingError(f"{self.url} answered {response.status} {response.reason}"
                                 + (f": {first_line}" if first_line else ""))
        if response.content_type != SDP_TYPE or not body.lstrip().startswith("v=0"):
            raise SignalingError(f"{self.url} did not answer with an SDP description "
                                 f"(got {response.content_type or 'no content type'}); "
                                 "is this a WHEP/WHIP endpoint?")

    async def close(self) -> None:
        """DELETE the resource (best effort, bounded by ``DELETE_TIMEOUT_S``)."""
        url, self._resource_url = self._resource_url, None
        if url is None:
            return
        try:
            timeout = aiohttp.ClientTimeout(total=DELETE_TIMEOUT_S)
            async with aiohttp.ClientSession(timeout=timeout) as http:
                async with http.delete(url, headers=self._headers):
                    pass
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError):
            pass  # the server will expire the resource; leaving must never fail the run
