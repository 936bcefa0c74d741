"""Running the service: connection limits, authentication and worker processes.

``churnlab serve`` runs uvicorn with :class:`GuardedH11Protocol`, which gives
each connection the limits a service on a shared network needs (see
``docs/concepts/security-limits.md`` for what is promised and what is not):

- a client must send a request's head within :data:`HEADER_TIMEOUT` seconds
  of connecting (or of its previous response), so idle and trickling
  connections are closed instead of piling up; an idle keep-alive connection
  is closed after :data:`KEEP_ALIVE_TIMEOUT`;
- a request head is at most :data:`MAX_HEAD_BYTES` (431 otherwise), however it
  arrives: in pieces or in one write;
- a request's body has one time budget, ``BODY_TIMEOUT`` seconds from its head
  (the app answers 408, see :class:`~churnlab.app.service.middleware.BodyLimitMiddleware`);
  a connection whose body is still coming :data:`REQUEST_GRACE` seconds later
  is closed, answered or not (a client sent a 401 cannot hold its connection);
- one client address holds at most :data:`MAX_CLIENT_CONNECTIONS` connections
  per worker: its next one closes its oldest connection still waiting for or
  sending a request, or is closed when all are being answered; at most
  :data:`MAX_CONNECTIONS` connections per worker in all (more get a 503);
- with a token (``--token-file`` or ``CHURNLAB_API_TOKEN``) every endpoint but
  ``GET /health`` wants ``Authorization: Bearer <token>`` (401 otherwise);
- ``--workers N`` runs N processes, each with the model loaded once, so
  throughput grows with cores.
"""

from __future__ import annotations

import os
import socket
import weakref
from pathlib import Path
from typing import TypedDict

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from churnlab.app.service import middleware
from churnlab.app.service.api import create_app
from churnlab.models.persistence import load_model

__all__ = ["GuardedH11Protocol", "app_from_env", "read_token", "run"]

HEADER_TIMEOUT = 10.0
KEEP_ALIVE_TIMEOUT = 5
MAX_HEAD_BYTES = 16 * 1024
MAX_CONNECTIONS = 256
MAX_CLIENT_CONNECTIONS = 64
REQUEST_GRACE = 1.0
TOKEN_ENV = "CHURNLAB_API_TOKEN"
MODEL_ENV = "CHURNLAB_SERVE_MODEL"

# Each server's connections by client address, oldest first (a dict used as an ordered set).
_CLIENTS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# A connection whose peer is in these states is waiting for or sending a request: it may be evicted.
_STALLED = (h11.IDLE, h11.SEND_BODY)


class _BoundedHead(h11.Connection):
    """h11's server connection, refusing a request head over ``max_head`` bytes even when it came whole.

    h11's own ``max_incomplete_event_size`` bounds only a head still incomplete
    in its buffer; a 100 KB head arriving in one read passed.
    """

    def __init__(self, max_head: int) -> None:
        super().__init__(h11.SERVER, max_incomplete_event_size=max_head)
        self.max_head = max_head
        self.refused_status = 400

    def next_event(self):
        try:
            event = super().next_event()
        except h11.RemoteProtocolError as exc:
            self.refused_status = exc.error_status_hint
            raise
        if isinstance(event, h11.Request):
            size = (
                len(event.method)
                + len(event.target)
                + 12
                + sum(len(name) + len(value) + 4 for name, value in event.headers.raw_items())
            )
            if size > self.max_head:
                self.refused_status = 431
                raise h11.RemoteProtocolError(
                    f"request head over {self.max_head} bytes", error_status_hint=431
                )
        return event


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with the limits of this module: head time and size, request time,
    connections per client."""

    conn: _BoundedHead
    _head_timer = None
    _request_timer = None

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.conn = _BoundedHead(MAX_HEAD_BYTES)

    def connection_made(self, transport) -> None:
        super().connection_made(transport)
        _no_delay(transport)
        self._arm_head(HEADER_TIMEOUT)
        if self.client:
            self._admit(self.client[0])

    def _admit(self, address: str) -> None:
        """Count this connection for its client; over the cap, evict its oldest stalled one, or refuse."""
        mine = _CLIENTS.setdefault(self.server_state, {}).setdefault(address, {})
        if len(mine) >= MAX_CLIENT_CONNECTIONS:
            stalled = next((other for other in mine if other.conn.their_state in _STALLED), None)
            if stalled is None:
                self.transport.close()  # every connection of this client is being answered
                return
            mine.pop(stalled)
            stalled.transport.close()
        mine[self] = None

    def _forget(self) -> None:
        if self.client:
            clients = _CLIENTS.get(self.server_state, {})
            mine = clients.get(self.client[0])
            if mine is not None:
                mine.pop(self, None)
                if not mine:
                    del clients[self.client[0]]

    def _arm_head(self, delay: float) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        self._head_timer = self.loop.call_later(delay, self._head_timeout)

    def _head_timeout(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.transport.close()  # no complete request head: an idle or trickling client

    def _request_timeout(self) -> None:
        self._request_timer = None
        if self.conn.their_state is h11.SEND_BODY and not self.transport.is_closing():
            self.transport.close()  # the body is still trickling in, past its whole budget

    def handle_events(self) -> None:
        super().handle_events()
        if self._head_timer is not None and self.conn.their_state is not h11.IDLE:
            self._head_timer.cancel()
            self._head_timer = None
        if self.conn.their_state is h11.SEND_BODY and self._request_timer is None:
            self._request_timer = self.loop.call_later(
                middleware.BODY_TIMEOUT + REQUEST_GRACE, self._request_timeout
            )
        elif self.conn.their_state is not h11.SEND_BODY and self._request_timer is not None:
            self._request_timer.cancel()
            self._request_timer = None

    def send_400_response(self, msg: str) -> None:
        """Refuse a malformed request: 431 for a head over the limit, else uvicorn's 400."""
        if self.conn.refused_status != 431:
            super().send_400_response(msg)
            return
        headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
        body = b'{"code":"head_too_large","detail":"request head over %d bytes"}' % MAX_HEAD_BYTES
        refusal = h11.Response(status_code=431, headers=headers, reason=b"Request Header Fields Too Large")
        for event in (refusal, h11.Data(data=body), h11.EndOfMessage()):
            self.transport.write(self.conn.send(event))
        self.transport.close()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_head(KEEP_ALIVE_TIMEOUT + HEADER_TIMEOUT)

    def connection_lost(self, exc) -> None:
        for timer in (self._head_timer, self._request_timer):
            if timer is not None:
                timer.cancel()
        self._forget()
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
    model_dir = os.environ.get(MODEL_ENV) or None
    return create_app(load_model(model_dir), token=os.environ.get(TOKEN_ENV) or None)


class _Settings(TypedDict):
    """The ``uvicorn.run`` settings both ways of serving share."""

    host: str
    port: int
    log_level: str
    timeout_keep_alive: int
    h11_max_incomplete_event_size: int
    limit_concurrency: int
    http: str
    server_header: bool


def run(
    model_dir: Path | None,
    host: str,
    port: int,
    workers: int = 1,
    token: str | None = None,
    log_level: str = "info",
    loaded=None,
) -> None:
    """Serve until stopped: the model loaded once per worker, the limits above applied.

    ``loaded`` is the model already loaded from ``model_dir`` (one worker serves it as is).
    """
    import uvicorn

    settings = _Settings(
        host=host,
        port=port,
        log_level=log_level,
        timeout_keep_alive=KEEP_ALIVE_TIMEOUT,
        h11_max_incomplete_event_size=MAX_HEAD_BYTES,
        limit_concurrency=MAX_CONNECTIONS,
        http="churnlab.app.service.server:GuardedH11Protocol",
        server_header=False,
    )
    if workers > 1:
        # One BLAS thread per worker: N workers × N BLAS threads on N cores only fight.
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
        os.environ[MODEL_ENV] = str(model_dir) if model_dir else ""
        if token:
            os.environ[TOKEN_ENV] = token
        uvicorn.run("churnlab.app.service.server:app_from_env", factory=True, workers=workers, **settings)
        return
    uvicorn.run(create_app(loaded or load_model(model_dir), token=token), **settings)
