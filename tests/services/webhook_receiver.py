"""A tiny ASGI receiver run by uvicorn on 127.0.0.1 in a thread, for delivery tests."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn


@dataclass
class Receiver:
    url: str
    status: int = 204
    location: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)

    async def __call__(
        self,
        scope: dict[str, Any],
        receive: Callable[[], Awaitable[Any]],
        send: Callable[[Any], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.requests.append(
            {
                "path": scope["path"],
                "body": body,
                "headers": {k.decode(): v.decode() for k, v in scope["headers"]},
            }
        )
        headers = [(b"location", self.location.encode())] if self.location else []
        await send({"type": "http.response.start", "status": self.status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})


@contextmanager
def running_receiver(certfile: str | None = None, keyfile: str | None = None) -> Iterator[Receiver]:
    """On a free port; https with the given certificate and key, else http."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    scheme = "https" if certfile else "http"
    receiver = Receiver(url=f"{scheme}://127.0.0.1:{port}/hook")
    server = uvicorn.Server(
        uvicorn.Config(
            receiver,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="off",
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise AssertionError("the receiver did not start")
        time.sleep(0.05)
    try:
        yield receiver
    finally:
        server.should_exit = True
        thread.join(timeout=10)
