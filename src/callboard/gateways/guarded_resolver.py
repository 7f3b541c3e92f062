"""The connect-time half of the callback destination check (``net.DestinationPolicy``).

The API resolves a callback's host name and refuses private addresses, but a name may
resolve to a public address then and to 127.0.0.1 a moment later (DNS rebinding). This
aiohttp resolver checks the addresses the connection is about to use: a refused one raises
``DestinationRefused`` and nothing is connected. IP literals never reach a resolver in
aiohttp, so the sender checks those itself before the POST.
"""

from __future__ import annotations

import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from callboard.net import DestinationPolicy, ip_literal


class DestinationRefused(OSError):
    """The destination is not a public address and the allow-list does not name it."""


class GuardedResolver(AbstractResolver):
    def __init__(self, policy: DestinationPolicy, inner: AbstractResolver | None = None) -> None:
        self.policy = policy
        self._inner = inner

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if self._inner is None:
            # Made here, on the running loop, as aiohttp's own connector would.
            self._inner = DefaultResolver()
        results = await self._inner.resolve(host, port, family)
        if host.strip().lower().rstrip(".") in self.policy.hosts:
            return results
        for result in results:
            address = ip_literal(result["host"])
            if address is None or not self.policy.allows_address(address):
                raise DestinationRefused(
                    f"refused: {host} resolves to {result['host']}, not a public address "
                    "(CALLBOARD_CALLBACK_ALLOW may name it)"
                )
        return results

    async def close(self) -> None:
        if self._inner is not None:
            await self._inner.close()
