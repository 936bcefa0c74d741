"""churnlab: dismissal risk and retention actions for a dental health-plan network."""

from churnlab.errors import DataError, FormParseError, ModelFileError
from churnlab.forms import FormBatch, parse_form, read_forms
from churnlab.records import ACTION_LABELS, ACTIONS, DISMISSAL_REASONS, RetentionCase

__version__ = "0.1.0"

__all__ = [
    "ACTIONS",
    "ACTION_LABELS",
    "DISMISSAL_REASONS",
    "DataError",
    "FormBatch",
    "FormParseError",
    "ModelFileError",
    "RetentionCase",
    "parse_form",
    "read_forms",
]
