"""Errors of the HTTP service as JSON bodies, and how they are told without quoting the input."""

from __future__ import annotations

import traceback
from typing import Any

from fastapi.responses import JSONResponse
from pydantic import ValidationError


class ServiceError(Exception):
    """A client error: status code, code word and message (answered as :class:`ErrorBody`)."""

    def __init__(
        self, status_code: int, code: str, detail: str, errors: list[dict[str, Any]] | None = None
    ) -> None:
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


def clean_errors(exc: ValidationError, prefix: tuple = ()) -> list[dict[str, Any]]:
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


def invalid(exc: ValidationError, what: str, prefix: tuple = ()) -> ServiceError:
    """A 422 ``invalid_request`` naming where the first of pydantic's errors is."""
    errors = clean_errors(exc, prefix)
    first = errors[0]
    where = ".".join(str(part) for part in first["loc"]) or "body"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return ServiceError(422, "invalid_request", f"{what}: {where}: {first['msg']}{more}", errors)


def where_raised(exc: BaseException) -> str:
    """``Type at file:line`` of an exception, without its message (which may quote input)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        return f"{type(exc).__name__} at {last.filename.rsplit('/', 1)[-1]}:{last.lineno}"
    return type(exc).__name__


def safe_name(source: str) -> str:
    """A source name fit for a log line (no newlines, bounded length)."""
    return repr(source[:80])
