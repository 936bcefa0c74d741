"""From drawn dentists and outcomes to retention-case records and their analysts' notes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from churnlab.io.brazil import MONTH_ABBREVIATIONS, cnpj_check_digits, cpf_check_digits
from churnlab.io.records import (
    ACTION_LABELS,
    ACTIONS,
    NO_ACTION,
    Contact,
    GlosaEvent,
    RetentionCase,
)
from churnlab.io.text import fold
from churnlab.synthetic.noise import _choice, _name, _phone, _pick, _typos
from churnlab.synthetic.vocabulary import (
    _ANALYSTS,
    _CLOSINGS,
    _FOLLOW_UPS,
    _GLOSA_DETAILS_ADMIN,
    _GLOSA_DETAILS_TECH,
    _NOT_RETENTION_FIRST,
    _OFFERS,
    _OPENINGS,
    _OPERATORS,
    _OUTCOMES,
    _PLANS,
    _REASON_TEXT,
    _REQUESTED,
    _SECOND_REASON,
    _SECTOR_OF,
    _STATES,
    _VERBS,
)

# --- text and records -------------------------------------------------------------------


def _glosa_listing(
    rng: np.random.Generator, columns: dict[str, np.ndarray], rows: np.ndarray
) -> tuple[str, list[GlosaEvent]]:
    """A seed-001 style listing of a few glosas, and the events a parser reads from it."""
    parts, events = [], []
    for i in rows:
        competence, guide, code = columns["competence"][i], columns["guide"][i], columns["code"][i]
        year, month = int(competence[:4]), int(competence[5:])
        if rng.random() < 0.7:
            comp = f"{MONTH_ABBREVIATIONS[month - 1].upper()}/{year % 100:02d}"
        else:
            comp = f"{month:02d}/{year}"
        service = dt.date(year, month, 1) - dt.timedelta(days=int(rng.integers(1, 40)))
        description = fold(columns["description"][i]).upper()
        details = _GLOSA_DETAILS_TECH if columns["kind"][i] == "technical" else _GLOSA_DETAILS_ADMIN
        detail = _pick(rng, details) + "."
        echo = code if rng.random() < 0.85 else code[1:]
        label = _pick(rng, ("Descrição:", "Descrição:", "Desc.", "Descricao:"))
        parts.append(
            f"{comp} {guide} - {service.day}/{service.month} {label} {code} - "
            f"{description} {echo} {detail}"
        )
        events.append(GlosaEvent(competence=competence, guide=guide, code=code,
                                 description=description, detail=detail))  # fmt: skip
    return " ".join(parts), events


def _first_note(
    rng: np.random.Generator, reason: str, female: bool, is_j: bool, not_retention: bool
) -> str:
    if not_retention:
        return _typos(_pick(rng, _NOT_RETENTION_FIRST), rng, 0.3)
    phrase = _pick(rng, _REASON_TEXT[reason])
    if phrase.startswith("!"):
        body = phrase[1:] + "."
    else:
        subject = _pick(rng, ("Dra" if female else "Dr", "Dra." if female else "Dr.",
                              "a profissional" if female else "o profissional",
                              "a clínica" if is_j else "o consultório"))  # fmt: skip
        body = f"{subject} {_pick(rng, _VERBS)} {phrase}."
    opening = _pick(rng, _OPENINGS)
    if not opening or opening.endswith("R."):
        body = body[0].upper() + body[1:]
    text = " ".join(x for x in (opening, body, _pick(rng, _CLOSINGS)) if x)
    return _typos(text, rng, 0.35)


def _subject(female: bool) -> str:
    return "a Dra" if female else "o Dr"


def _build_cases(
    rng: np.random.Generator,
    d: dict[str, np.ndarray],
    glosas: pd.DataFrame,
    action: np.ndarray,
    status: np.ndarray,
) -> list[RetentionCase]:
    n = len(action)
    analysts = [_name(np.random.default_rng(1000 + i), bool(i % 3)) for i in range(_ANALYSTS)]
    supervisors = [_name(np.random.default_rng(2000 + i), bool(i % 2), upper=False)
                   for i in range(4)]  # fmt: skip
    before = glosas.loc[~glosas["_after"].to_numpy()]
    starts = np.searchsorted(before["_case"].to_numpy(), np.arange(n + 1))
    columns = {c: before[c].to_numpy(dtype=object)
               for c in ("competence", "guide", "code", "description", "kind")}  # fmt: skip
    ops = _choice(rng, tuple(o for o, _ in _OPERATORS), n, [w for _, w in _OPERATORS])
    reqs = _choice(rng, tuple(r for r, _ in _REQUESTED), n, [w for _, w in _REQUESTED])
    start_dates = d["start"].astype(object)
    cases = []
    for i in range(n):
        female = rng.random() < 0.6
        is_j = bool(d["is_j"][i])
        reason = str(d["reason"][i])
        uf = str(d["uf"][i])
        ddd = _STATES[uf][2]
        start: dt.date = start_dates[i]
        not_ret = bool(d["not_retention"][i])
        is_open = bool(d["is_open"][i])
        # documents
        cpf = cnpj = None
        if not is_j or rng.random() < 0.5:
            base = f"{rng.integers(0, 10**9):09d}"
            cpf = base + cpf_check_digits(base)
        if is_j:
            base = f"{rng.integers(10**7, 10**8):08d}0001"
            cnpj = base + cnpj_check_digits(base)
        # production
        months = int(d["months_since"][i])
        if months < 0:
            last_prod, last_value = "SEM GUIAS", 0.0
        else:
            prod = (np.datetime64(start, "M") - months).astype(object)
            last_prod, last_value = f"{prod.month:02d}/{prod.year}", float(d["last_value"][i])
        # first note, maybe with a glosa listing
        note1 = _first_note(rng, reason, female, is_j, not_ret)
        events: list[GlosaEvent] = []
        n_history = int(starts[i + 1] - starts[i])
        p_list = 0.5 if reason in ("glosas", "technical_rules") else 0.06
        if n_history and not not_ret and rng.random() < p_list:
            k = min(n_history, int(rng.integers(1, 5)))
            rows = starts[i] + np.sort(rng.choice(n_history, k, replace=False))
            intro = _pick(rng, ("Feito levantamento das glosas desde o credenciamento.",
                                "Glosas identificadas:", "Levantamento de glosas:"))  # fmt: skip
            listing, events = _glosa_listing(rng, columns, rows)
            note1 = f"{note1} {intro} {listing}"
        contacts = [Contact(n=1, date=start, note=note1)]
        fields: dict[str, object] = {}
        if not is_open:
            st = str(status[i])
            primary = ACTION_LABELS[int(action[i])]
            ticked = [] if primary == NO_ACTION else [primary]
            if primary not in (NO_ACTION, "other") and rng.random() < 0.125:
                later = ACTIONS[ACTIONS.index(primary) + 1 :]
                ticked.append(_pick(rng, later))
            k = int(rng.choice([2, 3, 4, 5], p=[0.3, 0.3, 0.22, 0.18])) if not not_ret else 2
            day = start
            for c in range(2, k + 1):
                day = day + dt.timedelta(days=int(rng.integers(0, 16)))
                if c == k:
                    subj = _subject(female)
                    note = _pick(rng, _OUTCOMES[st])
                    note = note.format(subj=subj, Subj=subj[0].upper() + subj[1:])
                elif c == 2 and k > 2 and rng.random() < 0.5:
                    note = _pick(rng, _FOLLOW_UPS).format(phone=_phone(rng, ddd))
                else:
                    note = " ".join(_pick(rng, _OFFERS[a]) for a in (ticked or [NO_ACTION]))
                contacts.append(Contact(n=c, date=day, note=_typos(note, rng, 0.25)))
            reasons = []
            if st == "dismissed":
                reasons = [reason]
                if reason in _SECOND_REASON and rng.random() < 0.15:
                    reasons.append(_SECOND_REASON[reason])
            sectors = []
            if reason in _SECTOR_OF and not not_ret and rng.random() < 0.35:
                sectors = [_SECTOR_OF[reason]]
            fields = dict(
                finished_on=day,
                days_to_finish=(day - start).days,
                status=st,
                actions=sorted(ticked),
                action_note=(" ".join(_pick(rng, _OFFERS[a]) for a in ticked)
                             if ticked and rng.random() < 0.6 else None),
                dismissal_reasons=sorted(reasons),
                protocol_needed=[True, False, None][int(rng.choice(3, p=[0.2, 0.6, 0.2]))],
                general_note=(_typos(_pick(rng, _OUTCOMES[st]).format(
                    subj="o profissional", Subj="O profissional"), rng, 0.2)
                    if rng.random() < 0.4 else None),
                responsible_sectors=sorted(sectors),
                signatories=[_pick(rng, tuple(supervisors))]
                + ([_pick(rng, tuple(supervisors))] if rng.random() < 0.3 else []),
            )  # fmt: skip
            if fields["signatories"][0] == fields["signatories"][-1]:
                fields["signatories"] = fields["signatories"][:1]
        other = bool(d["other_plans"][i])
        n_plans = int(rng.integers(1, 4))
        plan_names = ", ".join(rng.choice(_PLANS, n_plans, replace=False)) if other else None
        protocol = f"SAD{rng.integers(10**11, 10**12)}"
        record = dict(
            source=f"case_{i + 1:05d}",
            collaborator=analysts[int(rng.integers(0, _ANALYSTS))],
            cro_count=int(d["cro_count"][i]),
            operator=_OPERATORS[int(ops[i])][0],
            cro=str(d["cro"][i]),
            cro_uf=str(d["cro_uf"][i]),
            dentist_name=_name(rng, female),
            cnpj=cnpj,
            cpf=cpf,
            included_on=start - dt.timedelta(days=int(d["tenure_days"][i])),
            person_type="J" if is_j else "F",
            requested_by=_REQUESTED[int(reqs[i])][0],
            protocol_number=protocol,
            protocol_opened_on=start - dt.timedelta(days=int(rng.integers(0, 3))),
            city=_pick(rng, _STATES[uf][3]),
            uf=uf,
            lives=int(d["lives"][i]),
            listed_cros=int(d["listed"][i]),
            other_plans=other,
            other_plans_names=plan_names,
            us_value=float(d["us_value"][i]),
            last_production=last_prod,
            last_production_value=last_value,
            started_on=start,
            contacts=contacts,
            glosas=events,
        )
        # empty fields, as in real forms (never the identifiers or the first contact)
        for key in ("city", "protocol_number", "other_plans_names", "requested_by",
                    "listed_cros", "included_on", "cro_count", "person_type",
                    "protocol_opened_on", "collaborator", "other_plans"):  # fmt: skip
            if rng.random() < 0.03:
                record[key] = None
        record.update(fields)
        cases.append(RetentionCase(**record))
    return cases
