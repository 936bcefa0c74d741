"""Running the service: authentication, time limits and worker processes.

``churnlab serve`` runs uvicorn with limits a service on a shared network
needs (all documented in the README):

- a client must send a request's head within :data:`HEADER_TIMEOUT` seconds
  of connecting (or of its previous response), so idle and trickling
  connections are closed instead of piling up; an idle keep-alive connection
  is closed after :data:`KEEP_ALIVE_TIMEOUT`; a body must arrive within
  ``BODY_TIMEOUT`` (408 otherwise, see ``errors._BodyLimitMiddleware``);
- a request head is at most :data:`MAX_HEAD_BYTES`; at most
  :data:`MAX_CONNECTIONS` connections per worker are served at once (more get a 503);
- with a token (``--token-file`` or ``CHURNLAB_API_TOKEN``) every endpoint but
  ``GET /health`` wants ``Authorization: Bearer <token>`` (401 otherwise);
- ``--workers N`` runs N processes, each with the model loaded once, so
  throughput grows with cores.
"""

from __future__ import annotations

import hmac
import os
import socket
from pathlib import Path

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from churnlab.app.service.errors import BODY_TIMEOUT, ServiceError

__all__ = ["BODY_TIMEOUT", "BearerTokenMiddleware", "HeaderTimeoutH11", "app_from_env", "read_token", "run"]

HEADER_TIMEOUT = 10.0
KEEP_ALIVE_TIMEOUT = 5
MAX_HEAD_BYTES = 16 * 1024
MAX_CONNECTIONS = 256
TOKEN_ENV = "CHURNLAB_API_TOKEN"
MODEL_ENV = "CHURNLAB_SERVE_MODEL"
OPEN_PATHS = frozenset({"/health"})


class HeaderTimeoutH11(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request head does not arrive in time."""

    _head_timer = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        _no_delay(transport)
        self._arm(HEADER_TIMEOUT)

    def _arm(self, delay: float) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(delay, self._head_timeout)

    def _head_timeout(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # no complete request head: an idle or trickling client

    def handle_events(self) -> None:
        super().handle_events()
        if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
            self._head_timer.cancel()
            self._head_timer = None

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm(KEEP_ALIVE_TIMEOUT + HEADER_TIMEOUT)

    def connection_lost(self, exc) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)


def _no_delay(transport) -> None:
    """Send small writes at once (TCP_NODELAY).

    asyncio sets it only on sockets created with ``IPPROTO_TCP``; the listening
    socket uvicorn shares between ``--workers`` has protocol 0, and without it
    every response waited ~40 ms for the client's delayed ACK (Nagle's algorithm).
    """
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


class BearerTokenMiddleware:
    """Every path but :data:`OPEN_PATHS` wants ``Authorization: Bearer <token>`` (constant-time check)."""

    def __init__(self, app, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        given = next((value for name, value in scope.get("headers", ()) if name == b"authorization"), b"")
        if not hmac.compare_digest(given, self.expected):
            error = ServiceError(401, "unauthorized", "send the service's token as "
                                 "'Authorization: Bearer <token>'")
            response = error.response()
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def read_token(token_file: Path | None) -> str | None:
    """The API token from ``token_file`` or ``CHURNLAB_API_TOKEN``; None when neither is set."""
    if token_file is not None:
        try:
            token = token_file.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(f"--token-file {token_file}: cannot read the token ({exc})") from None
        if not token:
            raise ValueError(f"--token-file {token_file}: the file is empty")
        return token
    return os.environ.get(TOKEN_ENV) or None


def app_from_env():
    """The app a worker process builds (``--workers``): model folder and token from the environment."""
    from churnlab.app.service.api import create_app
    from churnlab.models.persistence import load_model

    model_dir = os.environ.get(MODEL_ENV) or None
    return create_app(load_model(model_dir), token=os.environ.get(TOKEN_ENV) or None)


def run(model_dir: Path | None, host: str, port: int, workers: int = 1, token: str | None = None,
        log_level: str = "info", loaded=None) -> None:
    """Serve until stopped: the model loaded once per worker, the limits above applied.

    ``loaded`` is the model already loaded from ``model_dir`` (one worker serves it as is).
    """
    import uvicorn

    settings = dict(host=host, port=port, log_level=log_level, timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
                    h11_max_incomplete_event_size=MAX_HEAD_BYTES, limit_concurrency=MAX_CONNECTIONS,
                    http="churnlab.app.service.server:HeaderTimeoutH11", server_header=False)
    if workers > 1:
        # One BLAS thread per worker: N workers × N BLAS threads on N cores only fight.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
        os.environ[MODEL_ENV] = str(model_dir) if model_dir else ""
        if token:
            os.environ[TOKEN_ENV] = token
        uvicorn.run("churnlab.app.service.server:app_from_env", factory=True, workers=workers, **settings)
        return
    from churnlab.app.service.api import create_app
    from churnlab.models.persistence import load_model

    uvicorn.run(create_app(loaded or load_model(model_dir), token=token), **settings)
