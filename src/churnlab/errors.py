"""Errors churnlab raises on bad input: each names the file, the field and the reason."""

from __future__ import annotations


class ChurnlabError(ValueError):
    """Base class of churnlab's input errors (a ``ValueError``, so callers may catch either)."""


class FormParseError(ChurnlabError):
    """A file or text that is not a readable retention form.

    Parameters
    ----------
    source : str
        File name (or ``"<text>"``) of the form.
    reason : str
        What is wrong and, where possible, how to fix it.
    field : str, optional
        The field concerned (a key of 'Parsed record',
        docs/concepts/contracts/parsed-record.md), when the problem is one field.
    """

    def __init__(self, source: str, reason: str, field: str | None = None) -> None:
        self.source = source
        self.reason = reason
        self.field = field
        where = f"{source}: field {field!r}: " if field else f"{source}: "
        super().__init__(where + reason)

    def __reduce__(self) -> tuple[type[FormParseError], tuple[str, str, str | None]]:
        # Rebuilt from its parts, so errors cross process boundaries (parallel parsing).
        return type(self), (self.source, self.reason, self.field)


class DataError(ChurnlabError):
    """A data file (glosa CSV, data folder, feature table) that cannot be used as given."""


class ModelFileError(ChurnlabError):
    """A model file or folder that churnlab refuses to load (missing, foreign or tampered)."""
