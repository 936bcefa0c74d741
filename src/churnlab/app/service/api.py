"""The HTTP scoring service: one retention form (or many) in, risk, best action and reasons out.

``churnlab serve`` runs :func:`create_app` under uvicorn. The model is loaded
once, when the app is created; each request parses and scores its forms with
the same :func:`churnlab.app.scoring.score_cases` that the CLI and notebooks use.

Endpoints
---------
``POST /score``
    One form: a ``text/plain`` body holding the form's text, or JSON
    ``{"text": "<form text>", "source": "name.txt"}`` or
    ``{"record": {<parsed record>}}``
    (docs/concepts/contracts/parsed-record.md). Answers a :class:`ScoreResult`,
    with the record's ``warnings`` (values outside their plausible range...).
    Text layouts only (the plain-text and markdown/HTML exports); a ``.docx``
    form is scored by ``churnlab score`` or sent as its parsed record.
``POST /score/batch``
    ``{"items": [<as for /score>, ...]}``, at most ``max_batch_items`` (default
    :data:`MAX_BATCH_ITEMS`) items. Every item gets a result or an error of its
    own, in order; one bad item never fails the batch.
``GET /health``, ``GET /model`` (the model card), ``GET /openapi.json``.

Bad input never gets a 5xx: malformed JSON is a 400, a body of the wrong shape
or a text that is not a retention form a 422 (with the parser's reason; so
is a record whose numbers are out of the record's range), a
body over ``max_body_bytes`` (default 1 MiB) a 413, a content type other than
``text/plain`` or JSON a 415. Every error body is ``{"code": ..., "detail":
...}`` (plus ``errors``, a list of ``{"loc", "msg", "type"}``, for validation
errors); a 500 (``code`` ``internal_error``) means a bug in churnlab.

Logs name only request paths, form sources (file names), status codes and
timings: never form contents, names, CPF/CNPJ or phone numbers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Hashable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import (
    TypeAdapter,
    ValidationError,
)
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from churnlab import __version__
from churnlab.app.scoring import score_cases
from churnlab.app.service.errors import ServiceError, invalid, safe_name, where_raised
from churnlab.app.service.middleware import (
    BearerTokenMiddleware,
    BodyLimitMiddleware,
    CatchAllMiddleware,
    logger,
)
from churnlab.app.service.schemas import (
    JSON_TYPES,
    MAX_BATCH_ITEMS,
    MAX_BODY_BYTES,
    SCORE_ITEM,
    TEXT_TYPES,
    BatchEnvelope,
    BatchRequest,
    BatchResult,
    ErrorBody,
    Health,
    RecordItem,
    ScoreResult,
    TextItem,
)
from churnlab.errors import FormParseError
from churnlab.features.drift import DriftCounter, drifted_inputs
from churnlab.io.decode import decode_form_bytes
from churnlab.io.forms import parse_text
from churnlab.io.records import ACTION_LABELS, RetentionCase
from churnlab.models.churn_model import ChurnModel
from churnlab.models.fast_scoring import SingleCaseScorer
from churnlab.models.persistence import load_model

# --------------------------------------------------------------------------- scoring


def _case_from_item(item: TextItem | RecordItem, loc: tuple = ()) -> RetentionCase:
    if isinstance(item, RecordItem):
        return item.record
    source = item.source or "<text>"
    try:
        # parse_text, not parse_form: a one-line text must never be read as a server path
        return parse_text(item.text, source)
    except FormParseError as exc:
        raise ServiceError(422, "not_a_form", str(exc)) from None
    except ServiceError:
        raise
    except Exception as exc:  # a parser bug on odd input: still the input's answer, not a 500
        logger.error("parser failed on %s: %s", safe_name(source), where_raised(exc))
        raise ServiceError(
            422, "not_a_form", f"{source}: the form could not be read ({type(exc).__name__} in the parser)"
        ) from None


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None  # pandas turns some None into NaN


def _result(row: Mapping[Hashable, Any], case: RetentionCase) -> dict[str, Any]:
    """A score row as a :class:`ScoreResult` dict; ``ValueError`` when a number is not finite.

    Its ``warnings`` are the case's own (as in the parsed record): the plausibility checks
    of :class:`~churnlab.io.records.RetentionCase`, one implementation for the
    CLI and the service.
    """
    numbers = {
        name: float(row[name]) for name in ("dismissal_risk", "uplift", "expected_gain", "dentist_value")
    }
    p_retained = {label: float(row[f"p_retained_{label}"]) for label in ACTION_LABELS}
    if not all(math.isfinite(v) for v in (*numbers.values(), *p_retained.values())):
        raise ValueError("the scores are not finite numbers")
    opened = row.get("opened_on")
    opened = str(opened)[:10] if opened is not None and str(opened) not in ("NaT", "nan") else None
    result = {
        "source": row["source"],
        "status": _text_or_none(row.get("status")) or "open",
        "best_action": row["best_action"],
        "p_retained": p_retained,
        **{
            name: float(row[name]) if isinstance(row.get(name), float) and math.isfinite(row[name]) else None
            for name in ("uplift_low", "uplift_high")
        },
        "best_action_note": _text_or_none(row.get("best_action_note")) or None,
        "reasons": [
            {
                "feature": r.feature,
                "value": r.value if math.isfinite(r.value) else None,
                "text": r.text,
                "contribution": r.contribution,
                "direction": r.direction,
            }
            for r in row.get("reasons") or []
        ],
        "city": _text_or_none(row.get("city")),
        "uf": _text_or_none(row.get("uf")),
        "opened_on": opened,
        "warnings": list(case.warnings),
        **numbers,
    }
    return ScoreResult.model_validate(result).model_dump()


def _score_all(
    model: ChurnModel, cases: list[RetentionCase], drift: DriftCounter | None = None
) -> list[dict[str, Any] | ServiceError]:
    """Score cases in one pass; on failure, one by one so only the unscorable ones fail.

    A ``ValueError`` from the models means values they cannot use (a 422
    ``unscorable``); any other exception is a bug in churnlab (a 500
    ``internal_error``). Both are logged with the exception's type and place only.
    """
    if not cases:
        return []
    sources = [case.source for case in cases]
    try:
        rows = score_cases(cases, model, drift=drift).to_dict("records")
    except Exception as exc:
        if len(cases) > 1:
            return [_score_all(model, [case], drift)[0] for case in cases]
        logger.error("scoring failed for %s: %s", safe_name(sources[0]), where_raised(exc))
        if isinstance(exc, ValueError):
            return [
                ServiceError(
                    422,
                    "unscorable",
                    f"{sources[0]}: the record is valid but its "
                    f"values cannot be scored ({type(exc).__name__}); check them",
                )
            ]
        return [
            ServiceError(
                500,
                "internal_error",
                f"{sources[0]}: internal error in churnlab "
                "while scoring; the request was not at fault, please report it",
            )
        ]
    out: list[dict[str, Any] | ServiceError] = []
    for case, row in zip(cases, rows, strict=True):
        source = row["source"] = case.source
        try:
            out.append(_result(row, case))
        except (ValueError, TypeError) as exc:  # pydantic's ValidationError is a ValueError
            logger.error("scores of %s unusable: %s", safe_name(source), where_raised(exc))
            out.append(
                ServiceError(
                    422,
                    "unscorable",
                    f"{source}: the record's values give no usable score (out of range?); check them",
                )
            )
    return out


def _score_one(
    model: ChurnModel,
    fast: SingleCaseScorer | None,
    item: TextItem | RecordItem,
    drift: DriftCounter | None = None,
) -> tuple[dict[str, Any] | ServiceError, str | None]:
    """Parse and score one item; its result (or error) and its source for the log.

    One case goes through the NumPy path (~2 ms); what it declines or cannot
    score goes through the batch path, which also says what is wrong.
    """
    try:
        case = _case_from_item(item)
    except ServiceError as exc:
        return exc, None
    try:
        row = fast.score(case, drift) if fast is not None else None
        if row is not None:
            return _result(row, case), safe_name(case.source)
    except Exception:  # noqa: BLE001 - the batch path below answers, and logs, the same failure
        pass
    (outcome,) = _score_all(model, [case], drift)
    return outcome, safe_name(case.source)


def _score_batch(
    model: ChurnModel, raw_items: list[Any], body: bytes = b"", drift: DriftCounter | None = None
) -> tuple[dict[str, Any], list[str]]:
    """Validate, parse and score each item on its own; the batch answer and the sources seen."""
    outcomes: list[dict[str, Any] | ServiceError | None] = [None] * len(raw_items)
    cases, where = [], []
    for i, raw in enumerate(raw_items):
        try:
            _check_unicode(raw, body, ("items", i))
            item = SCORE_ITEM.validate_python(raw)
            cases.append(_case_from_item(item, ("items", i)))
            where.append(i)
        except ValidationError as exc:
            outcomes[i] = invalid(exc, f"item {i}", ("items", i))
        except ServiceError as exc:
            outcomes[i] = exc
    for i, scored_item in zip(where, _score_all(model, cases, drift), strict=True):
        outcomes[i] = scored_item
    items: list[dict[str, object]] = []
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, ServiceError):
            items.append(
                {"index": i, "ok": False, "status_code": outcome.status_code, "error": outcome.body()}
            )
        else:
            items.append({"index": i, "ok": True, "status_code": 200, "result": outcome})
    scored = sum(not isinstance(outcome, ServiceError) for outcome in outcomes)
    result = {"scored": scored, "failed": len(items) - scored, "items": items}
    return result, [safe_name(case.source) for case in cases]


# --------------------------------------------------------------------------- request parsing


def _media_type(request: Request) -> tuple[str, str | None]:
    header = request.headers.get("content-type", "")
    media, _, params = header.partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset":
            charset = value.strip().strip('"') or None
    return media.strip().lower(), charset


def _is_json(media: str) -> bool:
    return media in JSON_TYPES or (media.startswith("application/") and media.endswith("+json"))


def _parse_int(digits: str) -> int | str:
    """JSON integers as ints, except absurdly long ones: left as text, refused where a number belongs."""
    return int(digits) if len(digits) <= _MAX_INT_DIGITS else f"<a {len(digits)}-digit number>"


_MAX_INT_DIGITS = 100
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def _lone_surrogate(value: Any, loc: tuple = ()) -> tuple | None:
    """Where, in a decoded JSON value, a string holds a lone surrogate (invalid Unicode)."""
    if isinstance(value, str):
        return loc if any("\ud800" <= ch <= "\udfff" for ch in value) else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _lone_surrogate(item, (*loc, key))
        if found is not None:
            return found
    return None


def _check_unicode(value: Any, body: bytes, prefix: tuple = ()) -> None:
    """Refuse a lone surrogate (``"\\ud800"``): valid JSON, but no text can be made of it."""
    if _SURROGATE_ESCAPE.search(body):
        where = _lone_surrogate(value, prefix)
        if where is not None:
            name = ".".join(str(part) for part in where)
            raise ServiceError(
                422,
                "invalid_unicode",
                f"{name}: the text holds a lone surrogate "
                "(a \\ud800-\\udfff escape without its pair); send valid Unicode",
                [{"loc": list(where), "msg": "lone surrogate", "type": "invalid_unicode"}],
            )


def _json_body(body: bytes) -> Any:
    try:
        return json.loads(body, parse_int=_parse_int)
    except UnicodeDecodeError:
        raise ServiceError(400, "malformed_json", "request body is not UTF-8 JSON") from None
    except json.JSONDecodeError as exc:
        raise ServiceError(
            400,
            "malformed_json",
            f"request body is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
        ) from None
    except RecursionError:
        raise ServiceError(400, "malformed_json", "request body is nested too deeply") from None


def _unsupported(media: str, accepted: str) -> ServiceError:
    got = f"Content-Type {media!r}" if media else "no Content-Type"
    return ServiceError(415, "unsupported_media_type", f"{got}: send {accepted}")


async def _single_item(request: Request) -> TextItem | RecordItem:
    media, charset = _media_type(request)
    body = await request.body()
    if media in TEXT_TYPES:
        if charset:
            try:
                text = body.decode(charset)
            except LookupError:
                raise ServiceError(
                    415, "unsupported_media_type", f"unknown charset {charset!r}; send UTF-8"
                ) from None
            except UnicodeDecodeError as exc:
                raise ServiceError(
                    400, "bad_encoding", f"body is not valid {charset} (invalid byte at offset {exc.start})"
                ) from None
        else:
            try:
                text = decode_form_bytes(body, "<text>")
            except FormParseError as exc:
                raise ServiceError(422, "not_a_form", str(exc)) from None
        return TextItem(text=text)
    if _is_json(media):
        value = _json_body(body)
        _check_unicode(value, body)
        try:
            return SCORE_ITEM.validate_python(value)
        except ValidationError as exc:
            raise invalid(exc, "invalid request") from None
    raise _unsupported(media, 'the form as text/plain, or JSON {"text": ...} or {"record": ...}')


# --------------------------------------------------------------------------- the app


def _request_body(content: dict[str, Any], description: str) -> dict[str, Any]:
    return {"requestBody": {"required": True, "description": description, "content": content}}


_ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text}
    for status, text in (
        (400, "Malformed JSON or text encoding"),
        (413, "Body over the size limit"),
        (415, "Content type other than text/plain or JSON"),
        (422, "Wrong shape, or not a retention form"),
    )
}


def create_app(
    model: ChurnModel | None = None,
    max_body_bytes: int = MAX_BODY_BYTES,
    max_batch_items: int = MAX_BATCH_ITEMS,
    token: str | None = None,
) -> FastAPI:
    """The scoring service as a FastAPI app.

    Parameters
    ----------
    model : ChurnModel, optional
        The model to serve; the bundled ``models/default`` (loaded now, once) when None.
    max_body_bytes : int
        Largest request body accepted; larger ones get a 413.
    max_batch_items : int
        Most items accepted by ``POST /score/batch``; more get a 422.
    token : str, optional
        When given, every endpoint but ``GET /health`` wants ``Authorization: Bearer <token>``.

    Raises
    ------
    ModelFileError
        When ``model`` is None and the bundled model cannot be loaded.
    """
    if model is None:
        model = load_model()
    app = FastAPI(
        title="churnlab scoring service",
        version=__version__,
        description=__doc__.split("\n\n", 1)[0],
    )
    app.state.model = model
    _add_middleware(app, max_body_bytes, token)
    _add_error_handlers(app)
    drift = model.drift_counter()  # the open cases scored since the service started
    _add_scoring_routes(app, model, max_batch_items, drift)
    _add_info_routes(app, model, drift)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def _add_middleware(app: FastAPI, max_body_bytes: int, token: str | None) -> None:
    """Body limits innermost, then the token check, then the request log (outermost, sees everything)."""
    app.add_middleware(BodyLimitMiddleware, max_bytes=max_body_bytes)
    if token:
        app.add_middleware(BearerTokenMiddleware, token=token)
    app.add_middleware(CatchAllMiddleware)


def _add_error_handlers(app: FastAPI) -> None:
    """Every error answered as an :class:`ErrorBody`."""

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, exc: ServiceError) -> JSONResponse:
        return exc.response()

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        return ServiceError(422, "invalid_request", "invalid request", errors).response()

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            {"code": code, "detail": str(exc.detail)},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )


def _add_scoring_routes(
    app: FastAPI, model: ChurnModel, max_batch_items: int, drift: DriftCounter | None
) -> None:
    """``POST /score`` and ``POST /score/batch``: parsing and scoring run off the event loop."""
    fast = SingleCaseScorer.compile(model)

    @app.post(
        "/score",
        response_model=ScoreResult,
        responses=_ERRORS,
        summary="Score one retention form",
        openapi_extra=_request_body(
            {
                "text/plain": {"schema": {"type": "string"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/ScoreItem"}},
            },
            'The form\'s text (text/plain), or JSON {"text": ...} or {"record": {...}}.',
        ),
    )
    async def score_one(request: Request) -> Any:
        """Dismissal risk, P(retained) under each action, the action to try first and why."""
        item = await _single_item(request)
        # parsing and scoring are CPU-bound: off the event loop, so other requests go on meanwhile
        outcome, source = await run_in_threadpool(_score_one, model, fast, item, drift)
        request.state.sources = [source] if source else None
        if isinstance(outcome, ServiceError):
            raise outcome
        return outcome

    @app.post(
        "/score/batch",
        response_model=BatchResult,
        responses=_ERRORS,
        summary="Score many retention forms",
        openapi_extra=_request_body(
            {
                "application/json": {"schema": {"$ref": "#/components/schemas/BatchRequest"}},
            },
            f'JSON {{"items": [...]}}, at most {max_batch_items} items, each as for /score.',
        ),
    )
    async def score_batch(request: Request) -> Any:
        """Score each item on its own: a failing item gets its error, the others their scores."""
        media, _ = _media_type(request)
        if not _is_json(media):
            raise _unsupported(media, 'JSON {"items": [...]}')
        raw = await request.body()
        body = _json_body(raw)
        try:
            envelope = BatchEnvelope.model_validate(body)
        except ValidationError as exc:
            raise invalid(exc, "invalid batch") from None
        if len(envelope.items) > max_batch_items:
            raise ServiceError(
                422,
                "too_many_items",
                f"{len(envelope.items)} items; at most {max_batch_items} per request, split the batch",
            )
        result, sources = await run_in_threadpool(_score_batch, model, envelope.items, raw, drift)
        request.state.sources = sources
        return result


def _add_info_routes(app: FastAPI, model: ChurnModel, drift: DriftCounter | None) -> None:
    """``GET /health`` (open even with a token) and ``GET /model`` (the card)."""

    @app.get("/health", response_model=Health, summary="Liveness, the model in use and its input drift")
    async def health() -> Any:
        return {
            "status": "ok",
            "churnlab_version": __version__,
            "model_trained_at": model.card.get("trained_at"),
            "input_drift": None
            if drift is None
            else {"open_cases_scored": drift.rows, "drifted_inputs": drifted_inputs(drift.table())},
        }

    @app.get("/model", summary="The model card: data, metrics, features, economics")
    async def model_card() -> dict[str, Any]:
        return model.card


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The OpenAPI schema, built once, with the request bodies' schemas the routes read by hand."""
    if app.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        adapters = (("ScoreItem", SCORE_ITEM), ("BatchRequest", TypeAdapter(BatchRequest)))
        for name, adapter in adapters:
            extra = adapter.json_schema(ref_template="#/components/schemas/{model}")
            components.update(extra.pop("$defs", {}))
            components.setdefault(name, extra)
        app.openapi_schema = schema
    return app.openapi_schema
