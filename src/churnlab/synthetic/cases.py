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
from churnlab.synthetic.noise import choice, pick, random_name, random_phone, with_typos
from churnlab.synthetic.vocabulary import (
    ANALYSTS,
    CLOSINGS,
    FOLLOW_UPS,
    GLOSA_DETAILS_ADMIN,
    GLOSA_DETAILS_TECH,
    NOT_RETENTION_FIRST,
    OFFERS,
    OPENINGS,
    OPERATORS,
    OUTCOMES,
    PLANS,
    REASON_TEXT,
    REQUESTED,
    SECOND_REASON,
    SECTOR_OF,
    STATES,
    VERBS,
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
        details = GLOSA_DETAILS_TECH if columns["kind"][i] == "technical" else GLOSA_DETAILS_ADMIN
        detail = pick(rng, details) + "."
        echo = code if rng.random() < 0.85 else code[1:]
        label = pick(rng, ("Descrição:", "Descrição:", "Desc.", "Descricao:"))
        parts.append(
            f"{comp} {guide} - {service.day}/{service.month} {label} {code} - {description} {echo} {detail}"
        )
        events.append(GlosaEvent(competence=competence, guide=guide, code=code,
                                 description=description, detail=detail))  # fmt: skip
    return " ".join(parts), events


def _first_note(rng: np.random.Generator, reason: str, female: bool, is_j: bool, not_retention: bool) -> str:
    if not_retention:
        return with_typos(pick(rng, NOT_RETENTION_FIRST), rng, 0.3)
    phrase = pick(rng, REASON_TEXT[reason])
    if phrase.startswith("!"):
        body = phrase[1:] + "."
    else:
        subject = pick(rng, ("Dra" if female else "Dr", "Dra." if female else "Dr.",
                              "a profissional" if female else "o profissional",
                              "a clínica" if is_j else "o consultório"))  # fmt: skip
        body = f"{subject} {pick(rng, VERBS)} {phrase}."
    opening = pick(rng, OPENINGS)
    if not opening or opening.endswith("R."):
        body = body[0].upper() + body[1:]
    text = " ".join(x for x in (opening, body, pick(rng, CLOSINGS)) if x)
    return with_typos(text, rng, 0.35)


def _subject(female: bool) -> str:
    return "a Dra" if female else "o Dr"


def build_cases(
    rng: np.random.Generator,
    d: dict[str, np.ndarray],
    glosas: pd.DataFrame,
    action: np.ndarray,
    status: np.ndarray,
) -> list[RetentionCase]:
    """The retention-case records of the drawn dentists ``d``, their glosas, actions and outcomes.

    Each case is drawn in the same order of random draws, step by step:
    documents, the first contact (with a glosa listing in its note, sometimes),
    what happened up to closing (closed cases only), the form's header, then a
    few header fields left empty as in real forms.
    """
    n = len(action)
    analysts = [random_name(np.random.default_rng(1000 + i), bool(i % 3)) for i in range(ANALYSTS)]
    supervisors = tuple(random_name(np.random.default_rng(2000 + i), bool(i % 2), upper=False)
                        for i in range(4))  # fmt: skip
    before = glosas.loc[~glosas["_after"].to_numpy()]
    starts = np.searchsorted(before["_case"].to_numpy(), np.arange(n + 1))
    history = {c: before[c].to_numpy(dtype=object)
               for c in ("competence", "guide", "code", "description", "kind")}  # fmt: skip
    ops = choice(rng, tuple(o for o, _ in OPERATORS), n, [w for _, w in OPERATORS])
    reqs = choice(rng, tuple(r for r, _ in REQUESTED), n, [w for _, w in REQUESTED])
    start_dates = d["start"].astype(object)
    numbers = np.random.default_rng(rng.bit_generator.seed_seq.spawn(1)[0])  # type: ignore[attr-defined]
    cases = []
    for i in range(n):
        female = rng.random() < 0.6
        start: dt.date = start_dates[i]
        cpf, cnpj = _documents(rng, bool(d["is_j"][i]))
        first, events = _first_contact(rng, d, i, start, female, history, range(starts[i], starts[i + 1]))
        contacts: list[Contact] = [first]
        fields: dict[str, object] = {}
        if d["is_open"][i]:
            contacts += _number_contact(numbers, start, STATES[str(d["uf"][i])][2])
        else:
            later, fields = _closing(rng, d, i, start, female, str(status[i]), int(action[i]), supervisors)
            contacts += later
        record = _header(
            rng, d, i, start, female, analysts, OPERATORS[int(ops[i])][0], REQUESTED[int(reqs[i])][0]
        )
        record.update(source=f"case_{i + 1:05d}", cnpj=cnpj, cpf=cpf, contacts=contacts, glosas=events)
        _leave_some_empty(rng, record)
        record.update(fields)
        cases.append(RetentionCase.model_validate(record))
    return cases


def _documents(rng: np.random.Generator, is_j: bool) -> tuple[str | None, str | None]:
    """(CPF, CNPJ) with valid check digits: a CPF for every individual and half the companies."""
    cpf = cnpj = None
    if not is_j or rng.random() < 0.5:
        base = f"{rng.integers(0, 10**9):09d}"
        cpf = base + cpf_check_digits(base)
    if is_j:
        base = f"{rng.integers(10**7, 10**8):08d}0001"
        cnpj = base + cnpj_check_digits(base)
    return cpf, cnpj


def _first_contact(
    rng: np.random.Generator,
    d: dict[str, np.ndarray],
    i: int,
    start: dt.date,
    female: bool,
    history: dict[str, np.ndarray],
    rows: range,
) -> tuple[Contact, list[GlosaEvent]]:
    """The first contact, on the case's start: the dentist's reason, and now and then a listing of
    the glosas before the case (``rows`` of ``history``), mostly when glosas are the reason."""
    reason, not_retention = str(d["reason"][i]), bool(d["not_retention"][i])
    note = _first_note(rng, reason, female, bool(d["is_j"][i]), not_retention)
    events: list[GlosaEvent] = []
    p_list = 0.5 if reason in ("glosas", "technical_rules") else 0.06
    if len(rows) and not not_retention and rng.random() < p_list:
        k = min(len(rows), int(rng.integers(1, 5)))
        listed = rows.start + np.sort(rng.choice(len(rows), k, replace=False))
        intro = pick(rng, ("Feito levantamento das glosas desde o credenciamento.",
                            "Glosas identificadas:", "Levantamento de glosas:"))  # fmt: skip
        listing, events = _glosa_listing(rng, history, listed)
        note = f"{note} {intro} {listing}"
    return Contact(n=1, date=start, note=note), events


CONTACT_LINES = (
    "WhatsApp do profissional: {mobile}.",
    "Contato pelo celular {mobile}.",
    "Telefone do consultório: {landline}.",
    "Retornar no {mobile} (WhatsApp) ou no {landline}.",
)
"""How analysts note the number they reached the dentist at (real forms have no phone field)."""
NUMBER_SHARE = 0.6
"""Share of open cases with a second contact noting the dentist's number."""


def _number_contact(rng: np.random.Generator, start: dt.date, ddd: int) -> list[Contact]:
    """Now and then, an open case's second contact: the number the dentist is reached at.

    Drawn from its own generator (``rng``), so that every other draw of a seed is unchanged;
    a second contact, so that the first note (what the models read) is unchanged too.
    """
    if rng.random() >= NUMBER_SHARE:
        return []
    landline = f"({ddd}) {rng.integers(2000, 6000)}-{rng.integers(0, 10000):04d}"
    line = pick(rng, CONTACT_LINES).format(mobile=random_phone(rng, ddd), landline=landline)
    return [Contact(n=2, date=start, note=line)]


def _ticked_actions(rng: np.random.Generator, primary: str) -> list[str]:
    """The action boxes ticked: the primary action, and now and then a later one besides."""
    ticked = [] if primary == NO_ACTION else [primary]
    if primary not in (NO_ACTION, "other") and rng.random() < 0.125:
        later = ACTIONS[ACTIONS.index(primary) + 1 :]
        ticked.append(pick(rng, later))
    return ticked


def _later_contacts(
    rng: np.random.Generator, start: dt.date, k: int, outcome: str, female: bool, ticked: list[str], ddd: int
) -> list[Contact]:
    """Contacts 2 to ``k``, days apart: a follow-up or the offers made, the last one the outcome."""
    contacts, day = [], start
    for c in range(2, k + 1):
        day = day + dt.timedelta(days=int(rng.integers(0, 16)))
        if c == k:
            subj = _subject(female)
            note = pick(rng, OUTCOMES[outcome])
            note = note.format(subj=subj, Subj=subj[0].upper() + subj[1:])
        elif c == 2 and k > 2 and rng.random() < 0.5:
            note = pick(rng, FOLLOW_UPS).format(phone=random_phone(rng, ddd))
        else:
            note = " ".join(pick(rng, OFFERS[a]) for a in (ticked or [NO_ACTION]))
        contacts.append(Contact(n=c, date=day, note=with_typos(note, rng, 0.25)))
    return contacts


def _closing(
    rng: np.random.Generator,
    d: dict[str, np.ndarray],
    i: int,
    start: dt.date,
    female: bool,
    outcome: str,
    action: int,
    supervisors: tuple[str, ...],
) -> tuple[list[Contact], dict[str, object]]:
    """A closed case's later contacts and its closing fields: status, actions ticked, reasons,
    sectors, notes and signatories (information recorded after the case opened)."""
    reason, not_retention = str(d["reason"][i]), bool(d["not_retention"][i])
    ticked = _ticked_actions(rng, ACTION_LABELS[action])
    k = int(rng.choice([2, 3, 4, 5], p=[0.3, 0.3, 0.22, 0.18])) if not not_retention else 2
    contacts = _later_contacts(rng, start, k, outcome, female, ticked, STATES[str(d["uf"][i])][2])
    day = (contacts[-1].date if contacts else None) or start
    reasons = []
    if outcome == "dismissed":
        reasons = [reason]
        if reason in SECOND_REASON and rng.random() < 0.15:
            reasons.append(SECOND_REASON[reason])
    sectors = []
    if reason in SECTOR_OF and not not_retention and rng.random() < 0.35:
        sectors = [SECTOR_OF[reason]]
    fields: dict[str, object] = dict(
        finished_on=day,
        days_to_finish=(day - start).days,
        status=outcome,
        actions=sorted(ticked),
        action_note=(" ".join(pick(rng, OFFERS[a]) for a in ticked)
                     if ticked and rng.random() < 0.6 else None),
        dismissal_reasons=sorted(reasons),
        protocol_needed=[True, False, None][int(rng.choice(3, p=[0.2, 0.6, 0.2]))],
        general_note=(with_typos(pick(rng, OUTCOMES[outcome]).format(
            subj="o profissional", Subj="O profissional"), rng, 0.2)
            if rng.random() < 0.4 else None),
        responsible_sectors=sorted(sectors),
    )  # fmt: skip
    # drawn after the fields above, as they always were: the same seed writes the same cases
    signatories = [pick(rng, supervisors)] + ([pick(rng, supervisors)] if rng.random() < 0.3 else [])
    fields["signatories"] = signatories[:1] if signatories[0] == signatories[-1] else signatories
    return contacts, fields


def _last_production(start: dt.date, months_since: int, value: float) -> tuple[str, float]:
    """The form's last production: its month (``MM/YYYY``, ``months_since`` before the start) and value."""
    if months_since < 0:
        return "SEM GUIAS", 0.0
    month = (np.datetime64(start, "M") - months_since).astype(object)
    return f"{month.month:02d}/{month.year}", float(value)


def _header(
    rng: np.random.Generator,
    d: dict[str, np.ndarray],
    i: int,
    start: dt.date,
    female: bool,
    analysts: list[str],
    operator: str,
    requested_by: str,
) -> dict[str, object]:
    """The form's header fields: who, which operator, the dentist, the protocol, the network facts."""
    other = bool(d["other_plans"][i])
    n_plans = int(rng.integers(1, 4))
    plan_names = ", ".join(rng.choice(PLANS, n_plans, replace=False)) if other else None
    protocol = f"SAD{rng.integers(10**11, 10**12)}"
    uf = str(d["uf"][i])
    last_production, last_value = _last_production(start, int(d["months_since"][i]), d["last_value"][i])
    return dict(
        collaborator=analysts[int(rng.integers(0, ANALYSTS))],
        cro_count=int(d["cro_count"][i]),
        operator=operator,
        cro=str(d["cro"][i]),
        cro_uf=str(d["cro_uf"][i]),
        dentist_name=random_name(rng, female),
        included_on=start - dt.timedelta(days=int(d["tenure_days"][i])),
        person_type="J" if d["is_j"][i] else "F",
        requested_by=requested_by,
        protocol_number=protocol,
        protocol_opened_on=start - dt.timedelta(days=int(rng.integers(0, 3))),
        city=pick(rng, STATES[uf][3]),
        uf=uf,
        lives=int(d["lives"][i]),
        listed_cros=int(d["listed"][i]),
        other_plans=other,
        other_plans_names=plan_names,
        us_value=float(d["us_value"][i]),
        last_production=last_production,
        last_production_value=last_value,
        started_on=start,
    )


def _leave_some_empty(rng: np.random.Generator, record: dict[str, object]) -> None:
    """Empty a few header fields, as real forms do (never the identifiers or the first contact)."""
    for key in ("city", "protocol_number", "other_plans_names", "requested_by",
                "listed_cros", "included_on", "cro_count", "person_type",
                "protocol_opened_on", "collaborator", "other_plans"):  # fmt: skip
        if rng.random() < 0.03:
            record[key] = None
