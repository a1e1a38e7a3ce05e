"""Channels' WebsocketCommunicator with a default wait fit for a loaded machine.

The library waits 1 s by default for each output (the accept, a frame, the close). Under load
(CI beside other suites) an accept once took longer and a test failed with TimeoutError. These
waits are for an event the application will send; only a test of an absence
(`receive_nothing`) keeps a short timeout of its own."""

from __future__ import annotations

from channels.testing import WebsocketCommunicator

WAIT = 10.0  # seconds: an upper bound for an event that is coming, never a pause


class Communicator(WebsocketCommunicator):
    async def connect(self, timeout: float = WAIT):
        return await super().connect(timeout)

    async def receive_from(self, timeout: float = WAIT):
        return await super().receive_from(timeout)

    async def receive_json_from(self, timeout: float = WAIT):
        return await super().receive_json_from(timeout)

    async def receive_output(self, timeout: float = WAIT):
        return await super().receive_output(timeout)
