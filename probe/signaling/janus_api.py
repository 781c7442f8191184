"""Janus's HTTP API: one session with one plugin handle, its events and its keepalive.

Janus (Janus WebRTC Server docs, "RESTful, HTTP/HTTPS" API) takes JSON requests by POST: to
``/janus`` to create a session, to ``/janus/SESSION`` to attach a plugin handle or keep the session
alive, to ``/janus/SESSION/HANDLE`` to message the plugin. A plugin answers a synchronous request
in the HTTP response (``success`` with ``plugindata``), an asynchronous one with an ``ack`` and
later an ``event`` carrying the same ``transaction`` (and the SDP, ``jsep``), delivered by long
poll (``GET /janus/SESSION``). A session without activity for the server's ``session-timeout``
(``GET /janus/info``; 60 s by default) is destroyed, so the session sends ``keepalive`` requests
well within it. One task, owned here and ended by ``close``, runs the long poll and the keepalive.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import secrets
from typing import Any

import aiohttp

from probe.errors import SignalingError

log = logging.getLogger(__name__)

JsonObject = dict[str, Any]

# Janus answers a long poll after at most 30 s with a keepalive (transports/janus_http.c).
LONG_POLL_HOLD_S = 30.0
LONG_POLL_MARGIN_S = 5.0
LONG_POLL_MAX_EVENTS = 10
# Keepalives go out three times per session timeout, and at least this often.
KEEPALIVES_PER_TIMEOUT = 3
KEEPALIVE_MAX_INTERVAL_S = 25.0
# Bound on each request of the leaving sequence (leave, detach, destroy).
CLOSE_TIMEOUT_S = 3.0
# Janus API error codes (src/apierror.h).
UNAUTHORIZED = 403
SESSION_NOT_FOUND = 458
HANDLE_NOT_FOUND = 459


class JanusSession:
    """A Janus session with one handle on ``plugin``: ``open``, then requests, then ``close``.

    ``api_url`` is the HTTP API root (``http://host:8088/janus``). Every request is bounded by the
    timeout it is given; a failure is a one-line ``SignalingError``. When Janus drops the session
    (its session timeout, a restart) every pending and later request fails with that reason.
    """

    def __init__(self, api_url: str, plugin: str, token: str | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self.plugin = plugin
        self._token = token
        self._http: aiohttp.ClientSession | None = None
        self.session_id: int | None = None
        self.handle_id: int | None = None
        self._transactions = (f"sp-{secrets.token_hex(4)}-{n}" for n in itertools.count())
        self._waiting: dict[str, asyncio.Future[JsonObject]] = {}
        self._lost: SignalingError | None = None
        self._maintenance: asyncio.Task[None] | None = None
        self.session_timeout_s: float | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def open(self, timeout_s: float) -> None:
        """Check the server (``/info``), create the session, attach the handle."""
        self._http = aiohttp.ClientSession()
        info = await self._exchange("GET", f"{self.api_url}/info", None, timeout_s)
        if self.plugin not in info.get("plugins", {}):
            raise SignalingError(f"Janus at {self.api_url} has no {self.plugin} plugin; "
                                 "enable it in the server's janus.jcfg")
        self.session_timeout_s = float(info.get("session-timeout", 60))
        created = await self._request(self.api_url, {"janus": "create"}, timeout_s)
        self.session_id = int(created["data"]["id"])
        self._maintenance = asyncio.create_task(self._maintain(), name="janus-session")
        attached = await self._request(self._session_url, {"janus": "attach",
                                                            "plugin": self.plugin}, timeout_s)
        self.handle_id = int(attached["data"]["id"])

    async def close(self) -> None:
        """Detach the handle and destroy the session (each bounded); never raises."""
        if self._maintenance is not None:
            self._maintenance.cancel()
            await asyncio.gather(self._maintenance, return_exceptions=True)
            self._maintenance = None
        if self._lost is None and self.session_id is not None:
            with contextlib.suppress(SignalingError):
                if self.handle_id is not None:
                    await self._request(self._handle_url, {"janus": "detach"}, CLOSE_TIMEOUT_S)
                await self._request(self._session_url, {"janus": "destroy"}, CLOSE_TIMEOUT_S)
        self.handle_id = self.session_id = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    @property
    def lost(self) -> SignalingError | None:
        """Why Janus dropped the session (its timeout, a restart), or ``None`` while it holds."""
        return self._lost

    # -- plugin messages -------------------------------------------------------------------
    async def ask(self, body: JsonObject, timeout_s: float) -> JsonObject:
        """A synchronous plugin request; returns the plugin's reply (``plugindata.data``)."""
        reply = await self._request(self._handle_url, {"janus": "message", "body": body},
                                    timeout_s)
        return _plugin_data(reply, body)

    async def call(self, body: JsonObject, timeout_s: float,
                   jsep: JsonObject | None = None) -> tuple[JsonObject, JsonObject | None]:
        """An asynchronous plugin request: waits (``timeout_s``) for its event.

        Returns the plugin's event data and the event's ``jsep`` (an SDP offer or answer) if any.
        """
        message: JsonObject = {"janus": "message", "body": body}
        if jsep is not None:
            message["jsep"] = jsep
        transaction = next(self._transactions)
        event_future = asyncio.get_running_loop().create_future()
        self._waiting[transaction] = event_future
        try:
            reply = await self._request(self._handle_url, message, timeout_s, transaction)
            if reply["janus"] == "success":  # some requests answer at once
                return _plugin_data(reply, body), reply.get("jsep")
            try:
                async with asyncio.timeout(timeout_s):
                    event = await event_future
            except TimeoutError as err:
                raise SignalingError(
                    f"Janus at {self.api_url} did not complete {body.get('request')!r} within "
                    f"{timeout_s:g} s; is the server overloaded? (raise --timeout)") from err
        finally:
            self._waiting.pop(transaction, None)
        return _plugin_data(event, body), event.get("jsep")

    # -- HTTP ------------------------------------------------------------------------------
    @property
    def _session_url(self) -> str:
        return f"{self.api_url}/{self.session_id}"

    @property
    def _handle_url(self) -> str:
        return f"{self.api_url}/{self.session_id}/{self.handle_id}"

    async def _request(self, url: str, message: JsonObject, timeout_s: float,
                       transaction: str | None = None) -> JsonObject:
        """POST one API request; returns Janus's reply, raising on ``error`` replies."""
        if self._lost is not None:
            raise self._lost
        message = {**message, "transaction": transaction or next(self._transactions)}
        if self._token:
            message["token"] = self._token
        reply = await self._exchange("POST", url, message, timeout_s)
        if reply.get("janus") == "error":
            error = reply.get("error", {})
            if error.get("code") in (SESSION_NOT_FOUND, HANDLE_NOT_FOUND):
                raise self._session_gone(f"{error.get('reason')}")
            hint = "; pass a valid --token" if error.get("code") == UNAUTHORIZED else ""
            raise SignalingError(f"Janus at {self.api_url} refused {message['janus']!r}: "
                                 f"{error.get('reason', 'no reason given')} "
                                 f"(code {error.get('code')}){hint}")
        return reply

    async def _exchange(self, method: str, url: str, message: JsonObject | None,
                        timeout_s: float) -> Any:
        assert self._http is not None
        params = {"token": self._token} if method == "GET" and self._token else None
        timeout = aiohttp.ClientTimeout(total=timeout_s)
        try:
            async with self._http.request(method, url, json=message, params=params,
                                          timeout=timeout) as response:
                if response.status == 404:
                    if self.session_id is not None and url.startswith(self._session_url):
                        raise self._session_gone(f"{url} answered 404 Not Found")
                    raise SignalingError(f"{url} answered 404 Not Found; is this Janus's HTTP "
                                         "API (its base_path, /janus by default)?")
                if response.status != 200:
                    raise SignalingError(f"Janus at {self.api_url} answered {response.status} "
                                         f"{response.reason} to {method} {url}")
                return await response.json(content_type=None)
        except asyncio.TimeoutError as err:
            raise SignalingError(f"no answer from Janus at {self.api_url} within {timeout_s:g} s; "
                                 "is the server up? (raise --timeout for slow servers)") from err
        except aiohttp.ClientConnectorError as err:
            raise SignalingError(
                f"cannot reach Janus at {self.api_url}: {err.os_error.strerror or err}; check the "
                "host and port, and that Janus runs with its HTTP transport enabled") from err
        except (aiohttp.ClientError, ValueError) as err:
            raise SignalingError(f"HTTP exchange with Janus at {self.api_url} failed: "
                                 f"{err}; is this Janus's HTTP API?") from err

    # -- events and keepalive --------------------------------------------------------------
    async def _maintain(self) -> None:
        """Long poll and keepalive until cancelled or the session is lost."""
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._poll_events(), name="janus-events")
                group.create_task(self._keep_alive(), name="janus-keepalive")
        except* SignalingError as errors:
            self._lost = self._lost or errors.exceptions[0]
            self._fail_waiting(self._lost)

    async def _poll_events(self) -> None:
        url = f"{self._session_url}?maxev={LONG_POLL_MAX_EVENTS}"
        while True:
            events = await self._exchange("GET", url, None, LONG_POLL_HOLD_S + LONG_POLL_MARGIN_S)
            for event in events if isinstance(events, list) else [events]:
                self._dispatch(event)

    def _dispatch(self, event: JsonObject) -> None:
        kind = event.get("janus")
        if kind == "timeout":
            raise self._session_gone("it sent a timeout event")
        waiting = self._waiting.get(event.get("transaction", ""))
        if kind == "event" and waiting is not None and not waiting.done():
            waiting.set_result(event)
        elif kind not in ("keepalive", "ack"):
            log.debug("Janus event %s", event)

    async def _keep_alive(self) -> None:
        assert self.session_timeout_s is not None
        interval_s = KEEPALIVE_MAX_INTERVAL_S
        if self.session_timeout_s > 0:
            interval_s = min(interval_s, self.session_timeout_s / KEEPALIVES_PER_TIMEOUT)
        while True:
            await asyncio.sleep(interval_s)
            await self._request(self._session_url, {"janus": "keepalive"}, interval_s)

    def _session_gone(self, why: str) -> SignalingError:
        return SignalingError(f"Janus dropped session {self.session_id} at {self.api_url} ({why}): "
                              "its session timeout expired (a probe starved of CPU, or a "
                              "session_timeout in janus.jcfg shorter than the keepalive) or the "
                              "server restarted; run the check again")

    def _fail_waiting(self, error: SignalingError) -> None:
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(error)


def _plugin_data(reply: JsonObject, body: JsonObject) -> JsonObject:
    """The plugin's reply to ``body``; a plugin-level error becomes a ``SignalingError``."""
    data = reply.get("plugindata", {}).get("data", {})
    if "error_code" in data or "error" in data:
        raise SignalingError(f"Janus refused {body.get('request')!r}: {data.get('error')} "
                             f"(code {data.get('error_code')})")
    return data
