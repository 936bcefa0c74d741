"""Read "Formulário - Processo de Retenção" files into :class:`RetentionCase` records.

Two text layouts exist in the wild, and both are read by the same code:

* a plain-text export: label rows (``Operadora CRO UF Nome dentista``) with values
  inline after each label or on the row below, and ``☐``/``☒`` boxes;
* a markdown/HTML export: tab-separated cells, values in the same column on the
  row below (or in the next cell), ``<input type="checkbox"/>`` boxes and
  markdown tables for the box grids.

HTML tables and ``.docx`` files are first turned into the same tab-separated
text. The parser then walks the lines once: header label rows and their value
rows, the contacts (``1º contato`` … ``5º contato``) with their notes, then the
box grids (actions, dismissal reasons, protocol, sectors), the general note and
the signatories. Labels are compared accent- and case-folded, and box labels
fuzzily, because real forms misspell them ("Grossoeiro", "Régras").
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from churnlab.errors import FormParseError
from churnlab.io import brazil
from churnlab.io.boxes import BoxKey, boxes_in, combined_box_warning, is_box, match_box
from churnlab.io.decode import form_lines, read_form_file
from churnlab.io.headings import unknown_headings
from churnlab.io.records import ACTIONS_UNREADABLE, STATUS_UNREADABLE, Contact, RetentionCase
from churnlab.io.text import clean, fold, names_a_path
from churnlab.io.vocabulary import (
    BOILERPLATE,
    BOX_GLYPHS,
    CONTACT_RE,
    HEADER_RE,
    HEADING_LEADS,
    OBS_RE,
    SECTION_RES,
    SECTION_STARTS,
    SECTION_TITLES,
    TITLE_RE,
    YES_NO,
)

_T = TypeVar("_T")


@dataclass
class _Cell:
    text: str  # the cell as written, stripped
    folded: str
    col: int


@dataclass
class _Segment:
    """A header label found in a row: its field, column and inline value."""

    field: str
    col: int
    value: str | None


@dataclass
class _ContactRead:
    """A contact (``1º contato`` ...) as read: its date and its note lines."""

    date: dt.date | None = None
    note: list[str] = field(default_factory=list)


@dataclass
class _State:
    """What the line walk has read so far."""

    source: str
    values: dict[str, str] = field(default_factory=dict)
    documents: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    boxes: dict[str, list[tuple[bool | None, str]]] = field(default_factory=dict)
    contacts: dict[int, _ContactRead] = field(default_factory=dict)
    action_note: list[str] = field(default_factory=list)
    general_note: list[str] = field(default_factory=list)
    signatories: list[str] = field(default_factory=list)
    sections: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    unknown_headings: dict[str, str] = field(default_factory=dict)  # folded -> as written
    unknown_lines: dict[str, int] = field(default_factory=dict)

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)


@lru_cache(maxsize=1 << 14)
def _label_matches(folded: str) -> tuple[tuple[str, int, int], ...]:
    """Header labels in a folded cell (cached: label cells repeat from form to form)."""
    return tuple((m.lastgroup or "", m.start(), m.end()) for m in HEADER_RE.finditer(folded))


def _header_segments(line: str, state: _State) -> tuple[list[_Segment], list[_Cell]]:
    """Split a header row into labels (with inline values) and the other, value cells."""
    segments: list[_Segment] = []
    leftovers: list[_Cell] = []
    for col, raw in enumerate(line.split("\t")):
        text = raw.strip()
        if "  " in text or "\u00a0" in text:
            text = _INNER_SPACES.sub(" ", text)
        if not text or text[0] in BOX_GLYPHS:
            continue
        folded = fold(text)  # same length as text: labels found in it slice text
        accepted: list[tuple[str, int, int]] = []
        for name, start, end in _label_matches(folded):
            if name == "uf":
                name = "uf" if "cro_uf" in state.seen else "cro_uf"
            if name in state.seen and name != "date":
                continue  # a label read before: here it is a value ("Operadora")
            state.seen.add(name)
            accepted.append((name, start, end))
        if not accepted:
            leftovers.append(_Cell(text, folded, col))
            continue
        if accepted[0][1] > 0:
            leftovers.append(_Cell(text[: accepted[0][1]].strip(), "", col))
        for i, (name, _, end) in enumerate(accepted):
            stop = accepted[i + 1][1] if i + 1 < len(accepted) else len(text)
            inline = text[end:stop]
            box = min((j for j in map(inline.find, BOX_GLYPHS) if j >= 0), default=-1)
            inline = (inline if box < 0 else inline[:box]).strip(" :")
            segments.append(_Segment(name, col, inline or None))
    return segments, leftovers


def _store(state: _State, name: str, value: str | None) -> None:
    if not value or name == "date":
        return
    if name in ("cnpj", "cpf"):
        state.documents.extend(brazil.find_documents(value) or [value])
    elif name not in state.values:
        state.values[name] = value


def _header_line(line: str, state: _State, pending: list[_Segment]) -> list[_Segment]:
    """Read one header line; return the labels still waiting for a value row."""
    segments, leftovers = _header_segments(line, state)
    if is_box(line):
        for checked, label in boxes_in(line):
            answer, _, rest = label.strip().partition(" ")
            if fold(answer).strip(" .:*") in YES_NO and not match_box(fold(label), "status"):
                # "☒ Não" — or "☒ Sim Uniodonto, Amil" when the plans follow the box.
                state.boxes.setdefault("other_plans", []).append((checked, fold(answer)))
                _store(state, "other_plans_names", rest.strip(" :*-") or None)
            else:
                state.boxes.setdefault("status", []).append((checked, fold(label)))
    values = []
    for cell in leftovers:
        if not cell.text:
            continue
        documents = brazil.find_documents(cell.text)
        if documents and len("".join(documents)) >= len(brazil.only_digits(cell.text)):
            state.documents.extend(documents)
        else:
            values.append(cell)
    if not segments:
        if pending and values:
            _fill_pending(pending, values, "\t" in line, state)
        return [] if leftovers or is_box(line) else pending
    label_cols = {s.col for s in segments}
    free = {c.col: c for c in values}
    waiting = []
    for seg in segments:
        if seg.value is None and seg.col + 1 in free and seg.col + 1 not in label_cols:
            seg.value = free.pop(seg.col + 1).text
        if seg.value is None:
            waiting.append(seg)
        _store(state, seg.field, seg.value)
    return waiting


def _fill_pending(pending: list[_Segment], values: list[_Cell], tabbed: bool, state: _State) -> None:
    """Give a value row's cells to the labels of the row above."""
    if tabbed:
        by_col = {c.col: c.text for c in values}
        for seg in pending:
            _store(state, seg.field, by_col.get(seg.col))
        return
    text = " ".join(c.text for c in values)
    fields = [seg.field for seg in pending if seg.field not in _BOX_FIELDS]
    if not fields:
        return
    parts = [text] if len(fields) == 1 else re.split(r"\s{2,}", text)
    if len(parts) != len(fields):
        parts = _align_values(fields, text, state)
    for name, part in zip(fields, parts, strict=True):
        _store(state, name, part)


# What a value looks like, by field, to split a plain "value value value" row.
_VALUE_SHAPES: dict[str, str] = {
    "cro": r"\d{1,7}",
    "cro_uf": r"[A-Za-z]{2}",
    "uf": r"[A-Za-z]{2}",
    "person_type": r"P?[JFjf]",
    "cro_count": r"\d{1,3}(?:\.\d{3})*",
    "lives": r"\d{1,3}(?:\.\d{3})+|\d+",
    "listed_cros": r"\d{1,3}(?:\.\d{3})+|\d+",
    "us_value": r"\d+(?:,\d+)?",
    "last_production_value": r"R\$\s*(?:-|[\d.]+(?:,\d+)?)|[\d.]+(?:,\d+)?",
    "days_to_finish": r"\d+(?:\s*dias?(?:\(s\))?)?",
    "protocol_number": r"\d{6} \d{4} \d{2} \d{2} \d{6}|\S+",
    "last_production": r"SEM GUIAS?|\d{1,2}/\d{2,4}(?:/\d{2,4})?|.+?",
    **dict.fromkeys(
        ("included_on", "protocol_opened_on", "started_on", "finished_on", "date"), r"\d{1,2}/\d{1,2}/\d{2,4}"
    ),
}
_BOX_FIELDS = {"status", "other_plans"}


def _align_values(fields: list[str], text: str, state: _State) -> list[str | None]:
    """Split a plain value row among its labels by what each value looks like.

    ``Operadora CRO UF Nome dentista`` over ``ODONTO X 1234 SP MARIA DA SILVA``
    gives the free texts around the shaped values (the CRO digits, the UF).
    A row that fits no reading is an error, never a silent guess.
    """
    match = None
    for optional in ("", "?"):  # every label filled if the row allows it, else some left empty
        pattern = r"\s*".join(
            rf"(?:(?P<f{i}>{_VALUE_SHAPES.get(name, '.+?')})(?=\s|$)){optional}"
            for i, name in enumerate(fields)
        )
        match = match or re.fullmatch(r"\s*" + pattern + r"\s*", text, flags=re.IGNORECASE)
    if match is None:
        raise FormParseError(
            state.source,
            f"cannot tell which of {text!r} belongs to which label "
            f"({', '.join(fields)}); put each value next to its label",
            field=fields[0],
        )
    return [match[f"f{i}"] for i in range(len(fields))]


_INNER_SPACES = re.compile(r"[ \u00a0]+")
_DATE_TOKEN = re.compile(r"\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{2,4}")
_CONTACT_LABEL = re.compile(r"^\s*\d\s*[º°oOªa]?\.?\s*contato\s*:?", re.IGNORECASE)


def _contact_line(line: str, n: int, state: _State) -> None:
    rest = _CONTACT_LABEL.sub("", line)
    rest = re.sub(r"^\s*data\s*:?", "", rest.strip(), flags=re.IGNORECASE).strip()
    entry = state.contacts.setdefault(n, _ContactRead())
    match = _DATE_TOKEN.search(rest)
    if match:
        try:
            entry.date = brazil.parse_date_br(re.sub(r"\s", "", match[0]))
        except ValueError as exc:
            raise FormParseError(state.source, str(exc), field=f"contacts[{n}].date") from None
    elif rest and re.search(r"\d", rest):
        raise FormParseError(
            state.source, f"{rest!r} is not a date (expected dd/mm/yyyy)", field=f"contacts[{n}].date"
        )


def _walk(lines: list[str], state: _State) -> None:
    """One pass over the normalised lines, dispatching on the section being read."""
    section, box_section = "header", "status"
    pending: list[_Segment] = []
    contact = 0
    unknown = ""
    for line in lines:
        if not line.strip():
            continue
        if state.unknown_headings:
            folded_line = fold(line.strip()).strip(" :*")
            if folded_line in state.unknown_headings:
                section, unknown = "unknown", folded_line
                state.unknown_lines.setdefault(unknown, 0)
                continue
        lead = line[:1]
        first = fold(line.split("\t", 1)[0][:40]) if lead.isdigit() or lead in HEADING_LEADS else ""
        contact_match = CONTACT_RE.match(first) if lead.isdigit() else None
        if contact_match:
            section, contact = "contact", int(contact_match[1])
            state.sections.add("contact")
            _contact_line(line, contact, state)
            continue
        heading = None
        if first.startswith(SECTION_STARTS):
            heading = next((name for name, rx in SECTION_RES if rx.match(first)), None)
        if heading:
            section = heading
            state.sections.add(heading)
            box_section = "protocol_needed" if heading == "protocol" else heading
            if heading == "general":
                rest = re.sub(r"^\s*obs\.?\s*gera(?:l|is)\s*:?", "", line, flags=re.IGNORECASE)
                if rest.strip():
                    state.general_note.append(rest.strip())
            continue
        if section == "header":
            pending = _header_line(line, state, pending)
            continue
        if section == "unknown":  # not guessed into another field; counted in a warning
            state.unknown_lines[unknown] += 1
            continue
        if is_box(line):
            for checked, label in boxes_in(line):
                state.boxes.setdefault(box_section, []).append((checked, fold(label)))
            continue
        text = " ".join(cell.strip() for cell in line.split("\t") if cell.strip())
        if section == "contact":
            note = OBS_RE.sub("", text) if text[:3].lower() == "obs" else text
            if note:
                state.contacts.setdefault(contact, _ContactRead()).note.append(note)
        elif section == "actions":
            note = OBS_RE.sub("", text) if text[:3].lower() == "obs" else text
            if note and not BOILERPLATE.search(fold(note)):
                state.action_note.append(note)
        elif section == "general":
            state.general_note.append(text)
        elif section == "sectors" and state.boxes.get("sectors"):
            state.signatories.append(text)


# --- from what was read to a record ---------------------------------------------


def _convert(state: _State, name: str, parser: Callable[[str | None], _T]) -> _T:
    value = state.values.get(name)
    try:
        return parser(value)
    except ValueError as exc:
        raise FormParseError(state.source, str(exc), field=name) from None


def _ticked(state: _State, section: str, vocabulary: str, name: str) -> tuple[list[BoxKey], list[str]]:
    """Keys of the ticked boxes of a grid, and the labels of the boxes that could not be read.

    A ticked box with an unknown label is left out with a warning (a newer
    template's option), never mapped to the nearest known one.
    """
    keys: list[BoxKey] = []
    unreadable: list[str] = []
    for checked, label in state.boxes.get(section, []):
        if checked is None:
            unreadable.append(label.strip() or "?")
            continue
        key = match_box(label, vocabulary)
        if key is None and checked:
            state.warn(f"field {name!r}: ticked box {label.strip()!r} is not a known option (left out)")
        if checked and key is not None:
            keys.append(key)
    if unreadable:
        shown = ", ".join(repr(label) for label in unreadable[:4])
        state.warn(f"field {name!r}: {len(unreadable)} box(es) unreadable ({shown})")
    return keys, unreadable


def _one(state: _State, section: str, vocabulary: str, name: str) -> tuple[BoxKey | None, bool]:
    """The key of the one ticked box (``None`` if none), and whether the answer is unreadable.

    The answer is unreadable when no readable box is ticked and some box could not be read.
    """
    keys, unreadable = _ticked(state, section, vocabulary, name)
    ticked = sorted(set(keys), key=str)
    if len(ticked) > 1:
        raise FormParseError(state.source, f"several boxes ticked: {ticked}", field=name)
    return (ticked[0] if ticked else None), not ticked and bool(unreadable)


def _status(state: _State) -> BoxKey | None:
    """The ticked status; ``None`` with a warning when a closed case's status cannot be read."""
    status, unreadable = _one(state, "status", "status", "status")
    if unreadable:
        state.warn(
            f"{STATUS_UNREADABLE}: no status box could be read; the case is neither trained on "
            "nor listed as open"
        )
        return None
    if status is None and state.values.get("finished_on"):
        state.warn(
            f"{STATUS_UNREADABLE}: no status ticked although the form has a final date; the "
            "case is neither trained on nor listed as open"
        )
    return status


def _documents(state: _State) -> tuple[str | None, str | None]:
    cnpj = cpf = None
    for doc in dict.fromkeys(state.documents):
        kind = brazil.document_kind(doc) or {11: "cpf", 14: "cnpj"}.get(len(doc))
        if kind == "cpf" and cpf is None:
            cpf = doc
        elif kind == "cnpj" and cnpj is None:
            cnpj = doc.upper()
        elif kind is None:
            raise FormParseError(
                state.source, f"{doc!r} is neither a CPF (11 digits) nor a CNPJ (14)", field="cpf"
            )
    return cnpj, cpf


def _text_or_none(value: str | None) -> str | None:
    value = clean(value)
    return value if value and re.search(r"\w", value) else None


def _upper_text(value: str | None) -> str | None:
    value = _text_or_none(value)
    return value.upper() if value else None


def _record(state: _State) -> RetentionCase:
    from churnlab.io.glosas import parse_glosa_mentions

    cnpj, cpf = _documents(state)
    contacts = []
    for n in sorted(state.contacts):
        entry = state.contacts[n]
        note = "\n".join(entry.note) or None
        if note or entry.date:
            contacts.append(Contact(n=n, date=entry.date, note=note))
    other, _ = _one(state, "other_plans", "yes_no", "other_plans")  # unreadable: None
    protocol, _ = _one(state, "protocol_needed", "yes_no", "protocol_needed")
    actions, unreadable_actions = _ticked(state, "actions", "actions", "actions")
    if combined := combined_box_warning(state.boxes.get("actions", [])):
        state.warn(combined)
    if unreadable_actions:
        state.warn(f"{ACTIONS_UNREADABLE}: the action tried is unknown; a closed case is not trained on")
    status = _status(state)
    for key, title in SECTION_TITLES.items():
        if key not in state.sections:
            state.warn(f"section {title!r} absent")
    action_note = "\n".join(state.action_note) or None
    general_note = "\n".join(state.general_note) or None
    notes = [c.note for c in contacts if c.note] + [n for n in (action_note, general_note) if n]
    text = _text_or_none
    fields: dict[str, object] = dict(
        source=state.source,
        collaborator=text(state.values.get("collaborator")),
        cro_count=_convert(state, "cro_count", brazil.parse_int_br),
        operator=text(state.values.get("operator")),
        cro=text(state.values.get("cro")),
        cro_uf=_convert(state, "cro_uf", _upper_text),
        dentist_name=text(state.values.get("dentist_name")),
        cnpj=cnpj,
        cpf=cpf,
        included_on=_convert(state, "included_on", brazil.parse_date_br),
        person_type=_convert(state, "person_type", brazil.parse_person_type),
        requested_by=text(state.values.get("requested_by")),
        protocol_number=text(state.values.get("protocol_number")),
        protocol_opened_on=_convert(state, "protocol_opened_on", brazil.parse_date_br),
        city=text(state.values.get("city")),
        uf=_convert(state, "uf", _upper_text),
        lives=_convert(state, "lives", brazil.parse_int_br),
        listed_cros=_convert(state, "listed_cros", brazil.parse_int_br),
        other_plans=None if other is None else bool(other),
        other_plans_names=text(state.values.get("other_plans_names")),
        us_value=_convert(state, "us_value", brazil.parse_decimal_br),
        last_production=text(state.values.get("last_production")),
        last_production_value=_convert(state, "last_production_value", brazil.parse_decimal_br),
        started_on=_convert(state, "started_on", brazil.parse_date_br),
        finished_on=_convert(state, "finished_on", brazil.parse_date_br),
        days_to_finish=_convert(state, "days_to_finish", brazil.parse_days),
        status=status,
        contacts=contacts,
        actions=sorted(set(actions)),
        action_note=action_note,
        dismissal_reasons=sorted(set(_ticked(state, "dismissal", "dismissal", "dismissal_reasons")[0])),
        protocol_needed=None if protocol is None else bool(protocol),
        general_note=general_note,
        responsible_sectors=sorted(set(_ticked(state, "sectors", "sectors", "responsible_sectors")[0])),
        glosas=[g for note in notes for g in parse_glosa_mentions(note)],
        signatories=[s for s in (clean(x) for x in state.signatories) if s],
        warnings=state.warnings,
    )
    try:
        return RetentionCase.model_validate(fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"])
        raise FormParseError(
            state.source, f"{error['msg']} (read {error.get('input')!r})", field=name
        ) from None


# --- public API -------------------------------------------------------------------


def parse_text(text: str, source: str = "<text>") -> RetentionCase:
    """Parse the text of one form (any supported layout) into a :class:`RetentionCase`.

    A text or a line over :mod:`churnlab.io.decode`'s limits is refused
    (``FormParseError``) before it is read (see :func:`~churnlab.io.decode.form_lines`).
    """
    lines = form_lines(text, source)
    state = _State(source=source)
    if not TITLE_RE.search(fold(" ".join(lines[:15]))):
        labels = {name for line in lines[:40] for name, _, _ in _label_matches(fold(line))}
        if len(labels & _IDENTIFYING_LABELS) < 4:
            raise FormParseError(
                source,
                "not a retention form: neither the title 'Formulário - Processo "
                "de Retenção' nor the form's header labels (CRO, Nome dentista, "
                "Operadora...) are at the top of the file",
            )
        state.warn("title 'Formulário - Processo de Retenção' absent; read as a form by its header labels")
    state.unknown_headings = unknown_headings(text, known=_is_known_heading)
    _walk(lines, state)
    for folded, title in state.unknown_headings.items():
        state.warn(
            f"unknown section {title[:60]!r}: {state.unknown_lines.get(folded, 0)} line(s) under it not read"
        )
    if len(state.values) + len(state.documents) < 3 and not state.boxes:
        raise FormParseError(
            source,
            f"truncated or incomplete form: {len(state.values)} header field(s) "
            "and no box could be read after the title",
        )
    return _record(state)


def _is_known_heading(folded: str) -> bool:
    """The title, a contact, a section of the form, or a header label set as a heading."""
    return bool(
        TITLE_RE.search(folded)
        or CONTACT_RE.match(folded)
        or folded.startswith("obs")
        or any(rx.match(folded) for _, rx in SECTION_RES)
        or _label_matches(folded)
    )


# Header labels that, four or more together, make a file a form even without its title.
_IDENTIFYING_LABELS = frozenset(
    {
        "collaborator",
        "cro_count",
        "operator",
        "cro",
        "dentist_name",
        "cnpj",
        "cpf",
        "included_on",
        "lives",
        "listed_cros",
        "status",
        "protocol_number",
    }
)


_LOOKS_LIKE_PATH = re.compile(r"\.(?:txt|md|markdown|html?|docx)$", re.IGNORECASE)


def parse_form(path_or_text: str | os.PathLike[str], source: str | None = None) -> RetentionCase:
    """Parse one retention form, given as a file path or as its text.

    Parameters
    ----------
    path_or_text : str or path-like
        A ``.txt``/``.md``/``.html``/``.docx`` file, or the text of a form.
    source : str, optional
        Name recorded in ``RetentionCase.source``; defaults to the file name.

    Raises
    ------
    FormParseError
        Naming the file, the field when one is at fault, and the reason.
    """
    if names_a_path(path_or_text):
        path = Path(path_or_text)
        if path.is_dir():
            raise FormParseError(path.name, "is a folder; read a folder of forms with read_forms")
        return parse_text(read_form_file(path), source or path.name)
    if not isinstance(path_or_text, str):
        raise TypeError(f"parse_form takes a path or a form's text, not {type(path_or_text).__name__}")
    if "\n" not in path_or_text and _LOOKS_LIKE_PATH.search(path_or_text.strip()):
        # A one-line string naming a form file that is not there: a typo, not a form's text.
        raise FormParseError(path_or_text.strip(), "no such file")
    return parse_text(path_or_text, source or "<text>")
