"""How a lead reaches a dentist: the phones and e-mails of the forms' notes and of the roster.

Real forms have no phone field: analysts write the number they reached the
dentist at in the contact notes ("Enviado whatsapp (41) 94487-8813"). The
scorer lists them per case (``phones``, ``emails``:
:func:`churnlab.privacy.finders.phone_numbers`, the anonymiser's own finder);
:func:`add_roster_contacts` adds the roster's optional ``Telefone`` and
``Email`` columns ('Network files'); :func:`mask_contacts` pseudonymises them
for a list shared beyond the team that calls.
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from churnlab.errors import DataError
from churnlab.io.keys import dentist_key
from churnlab.io.network import read_roster
from churnlab.privacy.pseudonymizer import Pseudonymizer

CONTACT_COLUMNS = ("phones", "emails")
HIDDEN_EMAIL = "***@***"
"""What a pseudonymised list shows for an e-mail address."""


def roster_contacts(data_dir: str | os.PathLike[str]) -> pd.DataFrame | None:
    """The roster's ``phone`` and ``email`` by dentist key, or None without a roster or such columns.

    A roster that cannot be read gives None here: the network list reports its problems.
    """
    path = Path(data_dir) / "roster.csv"
    if not path.is_file():
        return None
    try:
        roster, _, _ = read_roster(path)
    except DataError:
        return None
    columns = [c for c in ("phone", "email") if c in roster]
    return roster[columns].fillna("") if columns else None


def _joined(*values: object) -> str:
    items = [v.strip() for value in values if isinstance(value, str) for v in value.split(";")]
    return "; ".join(dict.fromkeys(v for v in items if v))


def add_roster_contacts(frame: pd.DataFrame, roster: pd.DataFrame | None) -> pd.DataFrame:
    """``frame`` with the roster's phone and e-mail added to its ``phones`` and ``emails``.

    Rows are matched by CRO and UF (``cro`` and ``uf`` columns; a case's ``cro``
    reads ``12345/SP``).

    Examples
    --------
    >>> roster = pd.DataFrame({"phone": ["(11) 3322-1100"], "email": [""]}, index=["12345/SP"])
    >>> cases = pd.DataFrame({"cro": ["12345/SP"], "uf": ["SP"], "phones": ["(11) 99887-7665"]})
    >>> add_roster_contacts(cases, roster)[["phones", "emails"]].to_dict("records")
    [{'phones': '(11) 99887-7665; (11) 3322-1100', 'emails': ''}]
    """
    out = frame.copy()
    for column in CONTACT_COLUMNS:
        if column not in out:
            out[column] = ""
    if roster is None or not len(out):
        return out
    keys = [
        dentist_key(str(cro).split("/")[0], str(cro).split("/")[1] if "/" in str(cro) else uf)
        for cro, uf in zip(out["cro"], out["uf"], strict=True)
    ]
    for column, source in (("phones", "phone"), ("emails", "email")):
        if source in roster:
            found = roster[source].reindex(keys).to_numpy()
            out[column] = [_joined(mine, theirs) for mine, theirs in zip(out[column], found, strict=True)]
    return out


def mask_contacts(frame: pd.DataFrame, pseudonymizer: Pseudonymizer) -> pd.DataFrame:
    """``frame`` with each phone pseudonymised (same shape, keyed digits) and each e-mail hidden."""
    out = frame.copy()

    def phones(value: object) -> object:
        if not isinstance(value, str) or not value:
            return value
        return "; ".join(_phone(pseudonymizer, v.strip()) for v in value.split(";") if v.strip())

    if "phones" in out:
        out["phones"] = out["phones"].map(phones)
    if "emails" in out:
        out["emails"] = out["emails"].map(
            lambda v: "; ".join(HIDDEN_EMAIL for _ in v.split(";")) if isinstance(v, str) and v else v
        )
    return out


def _phone(pseudonymizer: Pseudonymizer, text: str) -> str:
    try:
        return pseudonymizer.phone(text)
    except ValueError:  # not a number it can reshape: hide it whole
        return "".join("•" if ch.isdigit() else ch for ch in text)
