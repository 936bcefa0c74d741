"""Errors of the HTTP service as JSON bodies, and the ASGI middleware enforcing limits and catching bugs."""

from __future__ import annotations

import asyncio
import time
import traceback
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import (
    ValidationError,
)

from churnlab.app.service.schemas import logger

# --------------------------------------------------------------------------- errors


class ServiceError(Exception):
    """A client error: status code, code word and message (answered as :class:`ErrorBody`)."""

    def __init__(self, status_code: int, code: str, detail: str,
                 errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.status_code = status_code
        self.code = code
        self.detail = detail
        self.errors = errors

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "detail": self.detail}
        if self.errors is not None:
            body["errors"] = self.errors
        return body

    def response(self) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status_code)


def _clean_errors(exc: ValidationError, prefix: tuple = ()) -> list[dict[str, Any]]:
    """Pydantic errors without the offending input (it may hold personal data).

    The union's tag (``text``/``record``), which pydantic puts first in ``loc``, is dropped.
    """
    out = []
    for err in exc.errors(include_url=False, include_input=False, include_context=False):
        loc = list(err["loc"])
        if len(loc) > 1 and loc[0] in ("text", "record") and loc[1] == loc[0]:
            loc = loc[1:]
        out.append({"loc": [*prefix, *loc], "msg": err["msg"], "type": err["type"]})
    return out


def _invalid(exc: ValidationError, what: str, prefix: tuple = ()) -> ServiceError:
    errors = _clean_errors(exc, prefix)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ServiceError(422, "invalid_request", f"{what}: {where}: {first['msg']}{more}", errors)


def _where(exc: BaseException) -> str:
    """``Type at file:line`` of an exception, without its message (which may quote input)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        return f"{type(exc).__name__} at {last.filename.rsplit('/', 1)[-1]}:{last.lineno}"
    return type(exc).__name__


def _safe(source: str) -> str:
    """A source name fit for a log line (no newlines, bounded length)."""
    return repr(source[:80])


# --------------------------------------------------------------------------- ASGI middleware


BODY_TIMEOUT = 30.0
"""Seconds a request's body may take to arrive."""


class _BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with a 413: by Content-Length, then by bytes received.

    The body is read here (at most ``max_bytes``) and replayed to the app, so
    a client that sends no or a false Content-Length is stopped as soon as it
    passes the limit.
    """

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = ServiceError(
            413, "too_large", f"request body over the limit of {self.max_bytes} bytes; "
            "send fewer forms per batch request")
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await ServiceError(400, "bad_request", "invalid Content-Length header"
                                       ).response()(scope, receive, send)
                    return
                if declared > self.max_bytes:
                    await too_large.response()(scope, receive, send)
                    return
        chunks, size = [], 0
        while True:
            try:
                message = await asyncio.wait_for(receive(), BODY_TIMEOUT)
            except TimeoutError:
                await ServiceError(408, "body_timeout", f"the request body did not arrive within "
                                   f"{BODY_TIMEOUT:g} s").response()(scope, receive, send)
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


class _CatchAllMiddleware:
    """Log each request's outcome; answer any unhandled exception with a 500 ``internal_error``.

    The log line holds method, path, status, time and the forms' sources (set by
    the endpoints in ``scope["state"]["sources"]``). Starlette's own error handler
    would log the exception's message, which may quote a form; this logs the
    exception's type and code location only.
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
            logger.error("%s %s: unhandled %s", scope["method"], scope["path"], _where(exc))
            if not status:
                await ServiceError(500, "internal_error", "internal error in churnlab; "
                                   "the request was not at fault, please report it"
                                   ).response()(scope, receive, tracking_send)
        sources = scope.get("state", {}).get("sources")
        logger.info("%s %s %d %.1fms%s", scope["method"], scope["path"], status,
                    (time.perf_counter() - started) * 1000,
                    f" sources=[{', '.join(sources)}]" if sources else "")
