"""HTTP/1.1 over asyncio streams, nothing else: kept-alive loopback connections from a
bounded pool, for the benches' load generators; and the percentile they report."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.reusable = True

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head += [f"Content-Length: {len(body)}", "", ""]
        self.writer.write("\r\n".join(head).encode("latin-1") + body)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        received: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            received[name.strip().lower()] = value.strip()
        if "content-length" in received:
            content = await self.reader.readexactly(int(received["content-length"]))
        elif received.get("transfer-encoding", "").lower() == "chunked":
            content = await self._chunked()
        else:  # the body runs to the end of the connection
            content = await self.reader.read()
            self.reusable = False
        if received.get("connection", "").lower() == "close":
            self.reusable = False
        return status, received, content

    async def _chunked(self) -> bytes:
        parts = []
        while size := int((await self.reader.readline()).split(b";")[0], 16):
            parts.append(await self.reader.readexactly(size))
            await self.reader.readline()
        while (await self.reader.readline()) not in (b"\r\n", b""):  # trailers
            pass
        return b"".join(parts)

    def close(self) -> None:
        self.reusable = False
        self.writer.close()


class Pool:
    """At most ``limit`` connections to one server, reused while the server keeps them."""

    def __init__(self, host: str, port: int, limit: int) -> None:
        self.host, self.port = host, port
        self._idle: list[_Connection] = []
        self._slots = asyncio.Semaphore(limit)
        self.opened = 0

    async def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes = b""
    ) -> tuple[int, dict[str, str], bytes]:
        async with self._slots:
            if self._idle:
                connection = self._idle.pop()
            else:
                connection = _Connection(*await asyncio.open_connection(self.host, self.port))
                self.opened += 1
            try:
                answer = await connection.request(method, path, headers, body)
            except BaseException:
                connection.close()
                raise
            if connection.reusable:
                self._idle.append(connection)
            else:
                connection.close()
            return answer

    def close(self) -> None:
        for connection in self._idle:
            connection.close()
        self._idle.clear()


def drive(port: int, coroutine: Callable[[Pool], Awaitable[T]], connections: int) -> T:
    """Run ``coroutine`` with a pool of at most ``connections`` to the loopback ``port``."""

    async def main() -> T:
        pool = Pool("127.0.0.1", port, connections)
        try:
            return await coroutine(pool)
        finally:
            pool.close()

    return asyncio.run(main())


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
