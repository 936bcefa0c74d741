"""What a batch of forms gave: how many parsed, refused by reason, warned by warning.

``churnlab parse --summary`` prints it; a notebook gets the same counts from
:func:`summarize_forms`. Reasons and warnings are counted by kind: their
numbers (and, for refusals, the quoted values a parser read) are masked, so
``'45/04/2024' is not a date`` and ``'31/02/2015' is not a date`` count as one.
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from churnlab.errors import FormParseError
from churnlab.io.batch import form_paths, iter_forms
from churnlab.io.records import RetentionCase


def reason_kind(message: str, field: str | None = None, quoted_values: bool = False) -> str:
    """A refusal reason or warning with its numbers (and quoted values) masked, to count alike.

    >>> reason_kind("'45/04/2024' is not a date", "started_on", quoted_values=True)
    "field 'started_on': '…' is not a date"
    """
    if quoted_values:  # a parser's reason quotes what it read: a value, not a label
        message = re.sub(r"'[^']*'", "'…'", message)
    masked = re.sub(r"\d[\d.,]*", "N", message)
    return f"field {field!r}: {masked}" if field else masked


@dataclass
class ParseSummary:
    """Counts over parsed forms: :meth:`add` each result, :meth:`lines` to show them."""

    parsed: int = 0
    with_warnings: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    """Refused forms by kind of reason (:func:`reason_kind`)."""
    warned: Counter[str] = field(default_factory=Counter)
    """Forms by kind of warning (a form counted once per kind)."""

    def add(self, result: RetentionCase | FormParseError) -> None:
        """Count one form's record, or the error that refused it."""
        if isinstance(result, FormParseError):
            self.refused[reason_kind(result.reason, result.field, quoted_values=True)] += 1
            return
        self.parsed += 1
        self.with_warnings += bool(result.warnings)
        self.warned.update(reason_kind(w) for w in set(result.warnings))

    def lines(self) -> list[str]:
        """The counts as ``churnlab parse --summary`` prints them, most frequent first."""
        out = [
            f"parsed   {self.parsed:>7}  ({self.with_warnings} with warnings)",
            f"refused  {sum(self.refused.values()):>7}",
        ]
        out += [f"  {n:>7}  {reason}" for reason, n in self.refused.most_common()]
        out.append("warnings (forms)")
        out += [f"  {n:>7}  {warning}" for warning, n in self.warned.most_common()]
        return out


def summarize_forms(paths: Iterable[str | os.PathLike[str]], jobs: int = 1) -> ParseSummary:
    """Parse the forms of ``paths`` (files or folders) and count what came of them."""
    summary = ParseSummary()
    for _, result in iter_forms(form_paths(paths), jobs=jobs):
        summary.add(result)
    return summary
