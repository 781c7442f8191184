"""A STUN server on loopback for the tests: answers binding requests (RFC 5389) with the
sender's address and counts them, so a test can tell whether a peer used it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aioice import stun

from tests.conftest import free_port


class StunServer(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.requests = 0
        self.port = 0
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            message = stun.parse_message(data)
        except ValueError:
            return
        if message.message_method != stun.Method.BINDING:
            return
        self.requests += 1
        response = stun.Message(message_method=stun.Method.BINDING,
                                message_class=stun.Class.RESPONSE,
                                transaction_id=message.transaction_id)
        response.attributes["XOR-MAPPED-ADDRESS"] = addr
        assert self.transport is not None
        self.transport.sendto(bytes(response), addr)


@contextlib.asynccontextmanager
async def stun_server() -> AsyncIterator[StunServer]:
    """A running STUN server on 127.0.0.1 (``.port``); closed on exit."""
    port = free_port()
    transport, server = await asyncio.get_running_loop().create_datagram_endpoint(
        StunServer, local_addr=("127.0.0.1", port))
    server.port = port
    try:
        yield server
    finally:
        transport.close()
