"""Request and response bodies of the HTTP scoring service, and its limits."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
)

from churnlab.io.records import ActionLabel, RetentionCase

MAX_BODY_BYTES = 1 << 20
"""Default request-body limit (1 MiB): a form is a few kB, so this holds a batch of about 200."""

MAX_BATCH_ITEMS = 500
"""Default maximum number of items in one ``POST /score/batch``."""

JSON_TYPES = ("application/json",)
"""Media types read as JSON (and any ``application/*+json``)."""

TEXT_TYPES = ("text/plain",)
"""Media types read as a form's text."""


# --------------------------------------------------------------------------- request models


class TextItem(BaseModel):
    """A form given as its text (any layout ``churnlab parse`` reads)."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(description="The form's text, as exported (plain text or markdown/HTML).")
    source: str | None = Field(
        default=None, max_length=255, description="Name to report the form under (default `<text>`)."
    )


class RecordItem(BaseModel):
    """A form already parsed into a record (what `churnlab parse` prints; see 'Parsed record' in the docs)."""

    model_config = ConfigDict(extra="forbid")

    record: RetentionCase


def _item_kind(value: Any) -> str | None:
    if isinstance(value, dict):
        if "record" in value:
            return "record"
        if "text" in value:
            return "text"
    elif isinstance(value, (TextItem, RecordItem)):
        return "record" if isinstance(value, RecordItem) else "text"
    return None


ScoreItem = Annotated[
    Annotated[TextItem, Tag("text")] | Annotated[RecordItem, Tag("record")],
    Discriminator(
        _item_kind,
        custom_error_type="invalid_item",
        custom_error_message='expected an object {"text": "<form text>"} or {"record": {...}}',
    ),
]
"""One form to score: ``{"text": ...}`` or ``{"record": ...}``."""

SCORE_ITEM: TypeAdapter[TextItem | RecordItem] = TypeAdapter(ScoreItem)
"""Validates one :data:`ScoreItem` (a batch's items are validated one by one with it)."""


class BatchRequest(BaseModel):
    """Many forms to score at once (see :data:`MAX_BATCH_ITEMS`)."""

    model_config = ConfigDict(extra="forbid")

    items: list[ScoreItem] = Field(description="Forms to score, each as for `POST /score`.")


class BatchEnvelope(BaseModel):
    """The batch's outer shape; items are validated one by one so one bad item fails alone."""

    model_config = ConfigDict(extra="forbid")

    items: list[Any]


# --------------------------------------------------------------------------- response models


class ReasonItem(BaseModel):
    """One feature pushing the risk up or down."""

    feature: str = Field(description="The feature's name (see the model card's `features`).")
    value: float | None = Field(description="Its value for this case (null when unknown).")
    text: str = Field(description="The reason in plain English, led by its direction.")
    contribution: float = Field(
        description="Its push on the log-odds of dismissal: positive raises the risk, negative lowers it."
    )
    direction: Literal["up", "down"] = Field(
        description="`up` when the reason raises the risk, `down` when it lowers it "
        "(the sign of `contribution`)."
    )


class ScoreResult(BaseModel):
    """Scores of one form (the per-row columns of ``churnlab score``)."""

    source: str = Field(description="The form's file name (or `<text>`).")
    status: str = Field(description="`open` for a case still open, else its recorded outcome.")
    dismissal_risk: float = Field(description="Calibrated probability that the dentist leaves.")
    best_action: ActionLabel = Field(description="The action to try first (`none`: no offer).")
    p_retained: dict[str, float] = Field(
        description="P(retained | action) for `none` and each of the six actions."
    )
    uplift: float = Field(description="P(retained) under best_action minus under `none`.")
    uplift_low: float | None = Field(
        None, description="Lower end of the uplift's interval (models trained with --uncertainty; else null)."
    )
    uplift_high: float | None = Field(None, description="Upper end of the uplift's interval.")
    best_action_note: str | None = Field(
        None,
        description="Why `none` was chosen over an action "
        "that looked better (`not enough evidence for ...`).",
    )
    expected_gain: float = Field(description="Value in R$ of trying best_action rather than nothing.")
    dentist_value: float = Field(description="Value in R$ of keeping this dentist in the network.")
    reasons: list[ReasonItem] = Field(description="Top reasons behind the risk, strongest first.")
    city: str | None = None
    uf: str | None = None
    opened_on: str | None = Field(None, description="When the case opened (ISO date).")
    warnings: list[str] = Field(
        default_factory=list,
        description="What the record's checks found "
        "doubtful, as in the parsed record: a value outside its "
        "plausible range, a box that could not be read. The case is scored anyway.",
    )


class ErrorBody(BaseModel):
    """An error answer."""

    code: str = Field(description="Machine-readable kind of error, e.g. `not_a_form`.")
    detail: str = Field(description="What is wrong and how to fix it.")
    errors: list[dict[str, Any]] | None = Field(
        None, description="Validation errors: `loc` (where), `msg` (what), `type`."
    )


class BatchItemResult(BaseModel):
    """One item of a batch: its result, or the error that item alone got."""

    index: int
    ok: bool
    status_code: int = Field(description="What `POST /score` would have answered for this item.")
    result: ScoreResult | None = None
    error: ErrorBody | None = None


class BatchResult(BaseModel):
    """The answer of ``POST /score/batch``: one entry per item, in order."""

    scored: int
    failed: int
    items: list[BatchItemResult]


class InputDrift(BaseModel):
    """The open cases scored since the service started, against the model's training profile."""

    open_cases_scored: int
    drifted_inputs: list[str]


class Health(BaseModel):
    status: Literal["ok"]
    churnlab_version: str
    model_trained_at: str | None
    input_drift: InputDrift | None = None
    """None when the model card has no training profile (a model trained before churnlab 0.4)."""
