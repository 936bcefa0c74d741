"""The service's ASGI middleware: the token check, the body's limits and the request log.

:func:`churnlab.app.service.api.create_app` stacks them, outermost first:
:class:`CatchAllMiddleware` (logs every request, turns a bug into a 500),
:class:`BearerTokenMiddleware` (when a token is set) and
:class:`BodyLimitMiddleware` (size and total time of a request body). They
depend on :mod:`~churnlab.app.service.errors` only; the app and the server
depend on them, never the other way round.
"""

from __future__ import annotations

import asyncio
import hmac
import time

from churnlab.app.service.errors import ServiceError, where_raised
from churnlab.logs import get_logger

__all__ = [
    "BODY_TIMEOUT",
    "OPEN_PATHS",
    "BearerTokenMiddleware",
    "BodyLimitMiddleware",
    "CatchAllMiddleware",
    "logger",
]

logger = get_logger("churnlab.service")

BODY_TIMEOUT = 30.0
"""Seconds a request's whole body may take to arrive, counted from its head (one budget, not per chunk)."""

OPEN_PATHS = frozenset({"/health"})
"""Paths served without the token."""


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
            error = ServiceError(
                401, "unauthorized", "send the service's token as 'Authorization: Bearer <token>'"
            )
            response = error.response()
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Read a request's body whole before the app sees it: at most ``max_bytes``, within :data:`BODY_TIMEOUT`.

    Over the size (by Content-Length, then by bytes received) is a 413; a body
    not complete :data:`BODY_TIMEOUT` seconds after the request started is a
    408, however its bytes trickle in (the budget is the body's, not each
    chunk's). The body is then replayed to the app.
    """

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = ServiceError(
            413,
            "too_large",
            f"request body over the limit of {self.max_bytes} bytes; send fewer forms per batch request",
        )
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await ServiceError(400, "bad_request", "invalid Content-Length header").response()(
                        scope, receive, send
                    )
                    return
                if declared > self.max_bytes:
                    await too_large.response()(scope, receive, send)
                    return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + BODY_TIMEOUT
        chunks, size = [], 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0.0))
            except TimeoutError:
                await ServiceError(
                    408, "body_timeout", f"the request body did not arrive within {BODY_TIMEOUT:g} s"
                ).response()(scope, receive, send)
                return
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await too_large.response()(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class CatchAllMiddleware:
    """Log each request's outcome; answer any unhandled exception with a 500 ``internal_error``.

    The log line holds method, path, status, time and the forms' sources (set by
    the endpoints in ``scope["state"]["sources"]``), control characters escaped
    (see :mod:`churnlab.logs`): a path like ``/x%0a2026-...`` cannot forge a line.
    Starlette's own error handler would log the exception's message, which may
    quote a form; this logs the exception's type and code location only.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def tracking_send(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            logger.error("%s %s: unhandled %s", scope["method"], scope["path"], where_raised(exc))
            if not status:
                await ServiceError(
                    500,
                    "internal_error",
                    "internal error in churnlab; the request was not at fault, please report it",
                ).response()(scope, receive, tracking_send)
        sources = scope.get("state", {}).get("sources")
        logger.info(
            "%s %s %d %.1fms%s",
            scope["method"],
            scope["path"],
            status,
            (time.perf_counter() - started) * 1000,
            f" sources=[{', '.join(sources)}]" if sources else "",
        )
