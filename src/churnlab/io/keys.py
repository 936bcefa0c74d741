"""A retention case's key across scoring runs and closings: what the case store joins on."""

from __future__ import annotations

from churnlab.io.network import dentist_key
from churnlab.io.records import RetentionCase


def case_key(case: RetentionCase) -> str | None:
    """A case's key across runs: its protocol number, else CRO/UF and opening date; None if neither.

    Examples
    --------
    >>> import datetime as dt
    >>> case_key(RetentionCase(source="f", cro="012345", uf="ba", started_on=dt.date(2024, 3, 5)))
    '12345/BA/2024-03-05'
    >>> case_key(RetentionCase(source="f", protocol_number=" 2024-0099 "))
    'protocolo 2024-0099'
    """
    if case.protocol_number and case.protocol_number.strip():
        return f"protocolo {case.protocol_number.strip()}"
    opened = case.started_on or case.protocol_opened_on
    cro = case.cro
    if not cro or not (case.uf or case.cro_uf) or opened is None:
        return None
    return f"{dentist_key(cro, case.uf or case.cro_uf)}/{opened.isoformat()}"
