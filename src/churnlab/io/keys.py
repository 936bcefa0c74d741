"""How churnlab names a dentist (CRO + UF) and a retention case across runs and closings."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from churnlab.io.records import RetentionCase


def dentist_key(cro: object, uf: object) -> str:
    """``CRO digits without leading zeros / UF``: how forms, glosas and the roster name a dentist.

    >>> dentist_key("CRO-012345", " ba")
    '12345/BA'
    """
    digits = re.sub(r"\D", "", str(cro or "")).lstrip("0")
    return f"{digits}/{str(uf or '').strip().upper()}"


def dentist_keys(cro: pd.Series, uf: pd.Series) -> pd.Series:
    """:func:`dentist_key` of whole columns at once (computed once per distinct CRO and UF pair)."""
    cro_codes, cro_uniques = pd.factorize(pd.Series(cro), use_na_sentinel=True)
    uf_codes, uf_uniques = pd.factorize(pd.Series(uf), use_na_sentinel=True)
    # code -1 (a missing cell) reads the None at the end
    cros, ufs = [*cro_uniques, None], [*uf_uniques, None]
    width = len(ufs)
    pairs, inverse = np.unique(
        cro_codes.astype(np.int64) % len(cros) * width + uf_codes % width, return_inverse=True
    )
    keys = np.array([dentist_key(cros[p // width], ufs[p % width]) for p in pairs], dtype=object)
    return pd.Series(
        keys[inverse.ravel()] if len(pairs) else np.array([], dtype=object), index=getattr(cro, "index", None)
    )


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
