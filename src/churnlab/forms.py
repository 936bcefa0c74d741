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

import difflib
import html
import io
import os
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
from pydantic import ValidationError

from churnlab import brazil
from churnlab.errors import FormParseError
from churnlab.records import Contact, RetentionCase
from churnlab.text import clean, fold

CHECKED, UNCHECKED = "☒", "☐"

# --- vocabularies ------------------------------------------------------------

_HEADER_LABELS: tuple[tuple[str, str], ...] = (
    # (field, folded regex); order matters where one label contains another.
    ("collaborator", r"colaborador[a]?"),
    ("cro_count", r"(?:qtd\.?|quantidade) ?(?:de )?cros? ?\(?s?\)?"),
    ("listed_cros", r"(?:n[o.°]*|numero)\.? ?(?:de )?cros? ?\(?s?\)? unicos divulgados"),
    ("lives", r"(?:n[o.°]*|numero)\.? ?(?:de )?vidas"),
    ("included_on", r"data (?:de )?inclusao"),
    ("protocol_opened_on", r"(?:dt\.?|data) ?(?:de )?abertura (?:do )?protocolo"),
    ("protocol_number", r"(?:n[o.°]*|numero)\.? ?(?:do )?protocolo"),
    ("started_on", r"data (?:de )?inicio"),
    ("finished_on", r"data (?:de )?final(?:izacao)?"),
    ("days_to_finish", r"tempo (?:de )?finaliza[cç]ao"),
    ("last_production_value", r"valor (?:da )?ultima prod(?:\.|uc\.?|ucao)?"),
    ("last_production", r"ultima produc?(?:\.|ao)?"),
    ("us_value", r"moeda"),
    ("other_plans", r"atende (?:a )?outros convenios\??"),
    ("other_plans_names", r"quais\s?\??"),
    ("status", r"status (?:da )?retencao"),
    ("requested_by", r"demandado por\s?\??"),
    ("dentist_name", r"nome (?:do )?(?:dentista|profissional|prestador)"),
    ("person_type", r"tipo"),
    ("operator", r"operadora"),
    ("cnpj", r"cnpj"),
    ("cpf", r"cpf"),
    ("cro", r"cro"),
    ("city", r"cidade"),
    ("uf", r"uf"),
    ("date", r"data"),
)

_HEADER_RE = re.compile(
    "|".join(f"(?P<{name}>(?<![\\w]){rx}(?![\\w]))" for name, rx in _HEADER_LABELS)
)
_CONTACT_RE = re.compile(r"^(\d)\s*(?:o|a|°|\.)?\.?\s*contato\b:?")
_OBS_RE = re.compile(r"^obs\.?\s*:?\s*", re.IGNORECASE)
_SECTION_RES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("actions", re.compile(r"^(?:motivo|acao|acoes) (?:de )?retencao\b")),
    ("dismissal", re.compile(r"^motivos? (?:de |do )?desligamento\b")),
    ("protocol", re.compile(r"^necessario (?:a )?abertura de protocolo\b")),
    ("general", re.compile(r"^obs\.? ?gera(?:l|is)\b")),
    ("sectors", re.compile(r"^setor(?:es)? responsave(?:l|is)\b")),
)
_SECTION_STARTS = ("motivo", "acao", "acoes", "necessario", "obs", "setor")
_HEADING_LEADS = frozenset("MmAaÁáÀàNnOoSs")  # first letters of the section headings
# Sections every form has, searched in the raw text (accents optional, any case).
_REQUIRED_SECTIONS = (
    ("1º contato", re.compile(r"(?im)^1\s*[ºo°ªa.]?\.?\s*contato")),
    ("Motivo desligamento", re.compile(r"(?im)^motivos? (?:de |do )?desligamento")),
    ("Setor responsável", re.compile(r"(?im)^setor(?:es)? respons[aá]ve")),
)
_TITLE_RE = re.compile(r"processo de retencao")

_STATUS_BOXES = {
    "retencao efetiva": "retained",
    "desligamento": "dismissed",
    "nao se trata de retencao": "not_retention",
    "nao trata-se de retencao": "not_retention",
    "nao trata se de retencao": "not_retention",
}
_YES_NO = {"sim": True, "nao": False}
_ACTION_BOXES = {
    "ofertado novos valores": "new_prices",
    "ofertado suporte": "support",
    "ofertado divulgacao": "publicity",
    "ofertado treinamento": "training",
    "ofertado treinamento/ ou reciclagem": "training",
    "ofertado reciclagem": "refresher",
    "outros": "other",
}
_DISMISSAL_BOXES = {
    "perda de contato": "loss_of_contact",
    "problemas de saude": "health_problems",
    "beneficiario grosseiro": "rude_beneficiary",
    "valores": "fees",
    "franquia": "franchise",
    "alteracao responsavel tecnico": "technical_lead_change",
    "removido prestador": "provider_removed",
    "sem local de atendimento": "no_service_location",
    "glosas": "glosas",
    "dificuldades com o sistema": "system_difficulties",
    "prazo liberacao de guias": "guide_release_time",
    "encerramento de atividades": "closed_business",
    "regras tecnicas": "technical_rules",
    "apenas procedimentos esteticos": "aesthetic_only",
    "aposentou": "retired",
    "baixa procura": "low_demand",
    "dificuldade de contato com a central": "central_contact_difficulty",
    "falta de suporte da operadora": "operator_support_lacking",
    "cobranca indevida": "undue_charges",
    "burocracia operadora": "operator_bureaucracy",
    "negativa de atendimento": "care_denied",
    "ameaca judicializacao": "lawsuit_threat",
    "terceirizacao de atendimento": "outsourced_care",
    "migracao": "migration",
    "carteira de clientes particular": "private_patients",
    "estudos": "studies",
    "servidor publico": "public_servant",
    "mudou de area": "moved_area",
    "obito": "death",
    "motivos particulares": "personal_reasons",
}
_SECTOR_BOXES = {
    "t.i": "it",
    "ti": "it",
    "analise tecnica": "technical_analysis",
    "comercial": "commercial",
    "central de atendimento": "call_center",
}
_BOILERPLATE = re.compile(r"obrigatorio justificativa")

# --- decoding and normalisation ----------------------------------------------

_CHECKED_HTML = re.compile(r"<input\b[^>]*\bchecked\b[^>]*>", re.IGNORECASE)
_CHECKBOX_HTML = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
_BOX_CHARS = {"☑": CHECKED, "✅": CHECKED, "■": CHECKED, "□": UNCHECKED}
_BOX_BRACKETS = re.compile(r"\[( |x|X)\](?=\s*\w)")
_HTML_BLOCK = re.compile(r"<(?:table|tr|td|th|p|div|br|li)\b", re.IGNORECASE)
_HTML_CELL_END = re.compile(r"</t[dh]\s*>", re.IGNORECASE)
_HTML_LINE_END = re.compile(r"</(?:tr|p|div|li|h\d)\s*>|<br\s*/?>", re.IGNORECASE)
_HTML_TAG = re.compile(r"<[^>]+>")
_MD_TABLE_RULE = re.compile(r"^\|?[\s:|-]*-{2,}[\s:|-]*$")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!$|<>])")


def _markdown_line(line: str) -> str:
    """One line without markdown decoration: headings, list markers, table pipes (→ tabs)."""
    line = line.strip(" ")
    if line.startswith("#"):
        line = line.lstrip("#").lstrip()
    if line.startswith(("- |", "* |")):
        line = line[2:]
    if line.startswith("|") or line.endswith("|"):
        if _MD_TABLE_RULE.match(line):
            return ""
        line = "\t".join(cell.strip() for cell in line.strip("|").split("|"))
    return line.rstrip()


def _normalise(text: str) -> list[str]:
    """Turn any supported layout into lines of tab-separated cells with ☐/☒ boxes."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", "")
    if "<" in text:
        # The two spellings every export uses, then any other <input> tag.
        text = text.replace('<input checked="" type="checkbox"/>', CHECKED)
        text = text.replace('<input type="checkbox"/>', UNCHECKED)
        if "<input" in text:
            text = _CHECKED_HTML.sub(CHECKED, text)
            text = _CHECKBOX_HTML.sub(UNCHECKED, text)
        if _HTML_BLOCK.search(text):
            text = _HTML_CELL_END.sub("\t", text)
            text = _HTML_LINE_END.sub("\n", text)
            text = _HTML_TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    for other, box in _BOX_CHARS.items():
        if other in text:
            text = text.replace(other, box)
    text = text.replace("\u00a0", " ").replace("**", "")
    if "[" in text:
        text = _BOX_BRACKETS.sub(lambda m: UNCHECKED if m[1] == " " else CHECKED, text)
    if "#" in text or "|" in text:
        lines = [_markdown_line(line) for line in text.split("\n")]
    else:
        lines = [line.strip(" ").rstrip() for line in text.split("\n")]
    if "\\" in text:  # after splitting cells, so an escaped pipe stays inside its cell
        lines = [_MD_ESCAPE.sub(r"\1", line) if "\\" in line else line for line in lines]
    return lines


def decode_form_bytes(data: bytes, source: str = "<bytes>") -> str:
    """Decode a text form's bytes (UTF-8, UTF-16 with BOM, Windows-1252), refusing empty,
    binary and unknown-encoding content with a :class:`FormParseError`."""
    if not data.strip():
        raise FormParseError(source, "the file is empty")
    for bom, codec in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(codec, errors="strict")
            except UnicodeDecodeError as exc:
                raise FormParseError(source, f"invalid {codec} text ({exc.reason} at byte "
                                     f"{exc.start}); save the form as UTF-8") from None
    if b"\x00" in data[:4096]:
        raise FormParseError(source, "binary content (NUL bytes): not a text form")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        if _TITLE_RE.search(fold(text[:2000])) and "\ufffd" not in text:
            return text
        raise FormParseError(
            source,
            f"not UTF-8 text (invalid byte at offset {exc.start}) and not a recognisable "
            "Windows-1252 form; save the form as UTF-8",
        ) from None


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MAX_DOCX_XML = 50 * 2**20  # a form's document.xml is kilobytes; refuse zip bombs


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts = []
    for element in paragraph.iter():
        if element.tag == _W + "t":
            parts.append(element.text or "")
        elif element.tag == _W + "tab":
            parts.append("\t")
        elif element.tag in (_W + "br", _W + "cr"):
            parts.append("\n")
    return "".join(parts)


def _docx_blocks(parent: ElementTree.Element) -> Iterator[str]:
    """Lines of a body (or content control): paragraphs, and table rows as tab-separated cells."""
    for element in parent:
        if element.tag == _W + "p":
            yield _paragraph_text(element)
        elif element.tag == _W + "tbl":
            for row in element.iter(_W + "tr"):
                cells = [" ".join(_paragraph_text(p) for p in cell.findall(_W + "p")).strip()
                         for cell in row.findall(_W + "tc")]
                yield "\t".join(cells)
        elif element.tag == _W + "sdt":
            content = element.find(_W + "sdtContent")
            if content is not None:
                yield from _docx_blocks(content)


def docx_text(data: bytes | str | Path, source: str = "<docx>") -> str:
    """The text of a ``.docx`` form: paragraphs and table rows in reading order.

    Table cells become tab-separated cells, so the text parser reads a Word
    form like the markdown export. The archive's ``word/document.xml`` is read
    directly (zipfile + ElementTree): a form in about a millisecond, where
    loading the whole document model with python-docx took fifteen.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
            if archive.getinfo("word/document.xml").file_size > _MAX_DOCX_XML:
                raise FormParseError(source, "the .docx text is implausibly large for a form")
            root = ElementTree.fromstring(archive.read("word/document.xml"))
    except FormParseError:
        raise
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError) as exc:
        raise FormParseError(source, f"not a readable .docx file ({exc})") from None
    body = root.find(_W + "body")
    return "\n".join(_docx_blocks(body)) if body is not None else ""


# --- label and box matching ---------------------------------------------------


@lru_cache(maxsize=4096)
def _match_box(label: str, vocabulary: str) -> str | None:
    """Map a folded box label to its key in ``vocabulary``, tolerating typos."""
    table = _VOCABULARIES[vocabulary]
    label = label.strip(" .:;*")
    if label in table:
        return table[label]
    if vocabulary == "actions" and label.startswith("ofertado treinamento"):
        return "training"
    candidates = list(table) + [k.removeprefix("ofertado ") for k in table if k.startswith("ofertado ")]
    close = difflib.get_close_matches(label, candidates, n=1, cutoff=0.8)
    if not close:
        return None
    best = close[0]
    return table.get(best) or table["ofertado " + best]


_VOCABULARIES: dict[str, dict[str, object]] = {
    "status": _STATUS_BOXES,
    "yes_no": _YES_NO,
    "actions": _ACTION_BOXES,
    "dismissal": _DISMISSAL_BOXES,
    "sectors": _SECTOR_BOXES,
}
_BOX_RE = re.compile(r"([☐☒])\s*([^☐☒\t]*)")


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
class _State:
    """What the line walk has read so far."""

    source: str
    values: dict[str, str] = field(default_factory=dict)
    documents: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    boxes: dict[str, list[tuple[bool, str]]] = field(default_factory=dict)
    contacts: dict[int, dict] = field(default_factory=dict)
    action_note: list[str] = field(default_factory=list)
    general_note: list[str] = field(default_factory=list)
    signatories: list[str] = field(default_factory=list)


def _is_box(text: str) -> bool:
    return CHECKED in text or UNCHECKED in text


@lru_cache(maxsize=1 << 14)
def _label_matches(folded: str) -> tuple[tuple[str, int, int], ...]:
    """Header labels in a folded cell (cached: label cells repeat from form to form)."""
    return tuple((m.lastgroup or "", m.start(), m.end()) for m in _HEADER_RE.finditer(folded))


def _header_segments(line: str, state: _State) -> tuple[list[_Segment], list[_Cell]]:
    """Split a header row into labels (with inline values) and the other, value cells."""
    segments: list[_Segment] = []
    leftovers: list[_Cell] = []
    for col, raw in enumerate(line.split("\t")):
        text = raw.strip()
        if "  " in text or "\u00a0" in text:
            text = _INNER_SPACES.sub(" ", text)
        if not text or text[0] in (CHECKED, UNCHECKED):
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
            box = min((j for j in (inline.find(CHECKED), inline.find(UNCHECKED)) if j >= 0), default=-1)
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
    if _is_box(line):
        for checked, label in _BOX_RE.findall(line):
            answer, _, rest = label.strip().partition(" ")
            if fold(answer).strip(" .:*") in _YES_NO and not _match_box(fold(label), "status"):
                # "☒ Não" — or "☒ Sim Uniodonto, Amil" when the plans follow the box.
                state.boxes.setdefault("other_plans", []).append((checked == CHECKED, fold(answer)))
                _store(state, "other_plans_names", rest.strip(" :*-") or None)
            else:
                state.boxes.setdefault("status", []).append((checked == CHECKED, fold(label)))
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
        return [] if leftovers or _is_box(line) else pending
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
    **dict.fromkeys(("included_on", "protocol_opened_on", "started_on", "finished_on", "date"),
                    r"\d{1,2}/\d{1,2}/\d{2,4}"),
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
        pattern = r"\s*".join(rf"(?:(?P<f{i}>{_VALUE_SHAPES.get(name, '.+?')})(?=\s|$)){optional}"
                              for i, name in enumerate(fields))
        match = match or re.fullmatch(r"\s*" + pattern + r"\s*", text, flags=re.IGNORECASE)
    if match is None:
        raise FormParseError(state.source, f"cannot tell which of {text!r} belongs to which label "
                             f"({', '.join(fields)}); put each value next to its label", field=fields[0])
    return [match[f"f{i}"] for i in range(len(fields))]


_INNER_SPACES = re.compile(r"[ \u00a0]+")
_DATE_TOKEN = re.compile(r"\d{1,2}\s*/\s*\d{1,2}\s*/\s*\d{2,4}")
_CONTACT_LABEL = re.compile(r"^\s*\d\s*[º°oOªa]?\.?\s*contato\s*:?", re.IGNORECASE)


def _contact_line(line: str, n: int, state: _State) -> None:
    rest = _CONTACT_LABEL.sub("", line)
    rest = re.sub(r"^\s*data\s*:?", "", rest.strip(), flags=re.IGNORECASE).strip()
    entry = state.contacts.setdefault(n, {"note": []})
    match = _DATE_TOKEN.search(rest)
    if match:
        try:
            entry["date"] = brazil.parse_date_br(re.sub(r"\s", "", match[0]))
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
    for line in lines:
        if not line.strip():
            continue
        lead = line[:1]
        first = fold(line.split("\t", 1)[0][:40]) if lead.isdigit() or lead in _HEADING_LEADS else ""
        contact_match = _CONTACT_RE.match(first) if lead.isdigit() else None
        if contact_match:
            section, contact = "contact", int(contact_match[1])
            _contact_line(line, contact, state)
            continue
        heading = None
        if first.startswith(_SECTION_STARTS):
            heading = next((name for name, rx in _SECTION_RES if rx.match(first)), None)
        if heading:
            section = heading
            box_section = "protocol_needed" if heading == "protocol" else heading
            if heading == "general":
                rest = re.sub(r"^\s*obs\.?\s*gera(?:l|is)\s*:?", "", line, flags=re.IGNORECASE)
                if rest.strip():
                    state.general_note.append(rest.strip())
            continue
        if section == "header":
            pending = _header_line(line, state, pending)
            continue
        if _is_box(line):
            for checked, label in _BOX_RE.findall(line):
                state.boxes.setdefault(box_section, []).append((checked == CHECKED, fold(label)))
            continue
        text = " ".join(cell.strip() for cell in line.split("\t") if cell.strip())
        if section == "contact":
            note = _OBS_RE.sub("", text) if text[:3].lower() == "obs" else text
            if note:
                state.contacts.setdefault(contact, {"note": []})["note"].append(note)
        elif section == "actions":
            note = _OBS_RE.sub("", text) if text[:3].lower() == "obs" else text
            if note and not _BOILERPLATE.search(fold(note)):
                state.action_note.append(note)
        elif section == "general":
            state.general_note.append(text)
        elif section == "sectors" and state.boxes.get("sectors"):
            state.signatories.append(text)


# --- from what was read to a record ---------------------------------------------


def _convert(state: _State, name: str, parser):
    value = state.values.get(name)
    try:
        return parser(value)
    except ValueError as exc:
        raise FormParseError(state.source, str(exc), field=name) from None


def _ticked(state: _State, section: str, vocabulary: str, name: str) -> list[str]:
    keys = []
    for checked, label in state.boxes.get(section, []):
        key = _match_box(label, vocabulary)
        if key is None and checked:
            raise FormParseError(state.source, f"ticked box {label!r} is not a known option", field=name)
        if checked and key is not None:
            keys.append(key)
    return keys


def _one(state: _State, section: str, vocabulary: str, name: str):
    ticked = sorted(set(_ticked(state, section, vocabulary, name)), key=str)
    if len(ticked) > 1:
        raise FormParseError(state.source, f"several boxes ticked: {ticked}", field=name)
    return ticked[0] if ticked else None


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


def _person_type(value: str | None) -> str | None:
    if not value:
        return None
    folded = fold(value)
    if folded in ("j", "pj") or folded.startswith("jur"):
        return "J"
    if folded in ("f", "pf") or folded.startswith("fis"):
        return "F"
    return value.strip().upper()


def _text_or_none(value: str | None) -> str | None:
    value = clean(value)
    return value if value and re.search(r"\w", value) else None


def _record(state: _State) -> RetentionCase:
    from churnlab.glosas import parse_glosa_mentions

    cnpj, cpf = _documents(state)
    contacts = []
    for n in sorted(state.contacts):
        entry = state.contacts[n]
        note = "\n".join(entry.get("note", [])) or None
        if note or entry.get("date"):
            contacts.append(Contact(n=n, date=entry.get("date"), note=note))
    other = _one(state, "other_plans", "yes_no", "other_plans")
    protocol = _one(state, "protocol_needed", "yes_no", "protocol_needed")
    action_note = "\n".join(state.action_note) or None
    general_note = "\n".join(state.general_note) or None
    notes = [c.note for c in contacts if c.note] + [n for n in (action_note, general_note) if n]
    text = _text_or_none
    fields = dict(
        source=state.source,
        collaborator=text(state.values.get("collaborator")),
        cro_count=_convert(state, "cro_count", brazil.parse_int_br),
        operator=text(state.values.get("operator")),
        cro=text(state.values.get("cro")),
        cro_uf=_convert(state, "cro_uf", lambda v: text(v) and text(v).upper()),
        dentist_name=text(state.values.get("dentist_name")),
        cnpj=cnpj,
        cpf=cpf,
        included_on=_convert(state, "included_on", brazil.parse_date_br),
        person_type=_person_type(state.values.get("person_type")),
        requested_by=text(state.values.get("requested_by")),
        protocol_number=text(state.values.get("protocol_number")),
        protocol_opened_on=_convert(state, "protocol_opened_on", brazil.parse_date_br),
        city=text(state.values.get("city")),
        uf=_convert(state, "uf", lambda v: text(v) and text(v).upper()),
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
        status=_one(state, "status", "status", "status"),
        contacts=contacts,
        actions=sorted(set(_ticked(state, "actions", "actions", "actions"))),
        action_note=action_note,
        dismissal_reasons=sorted(set(_ticked(state, "dismissal", "dismissal", "dismissal_reasons"))),
        protocol_needed=None if protocol is None else bool(protocol),
        general_note=general_note,
        responsible_sectors=sorted(set(_ticked(state, "sectors", "sectors", "responsible_sectors"))),
        glosas=[g for note in notes for g in parse_glosa_mentions(note)],
        signatories=[s for s in (clean(x) for x in state.signatories) if s],
    )
    try:
        return RetentionCase(**fields)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = ".".join(str(part) for part in error["loc"])
        raise FormParseError(state.source, f"{error['msg']} (read {error.get('input')!r})",
                             field=name) from None


# --- public API -------------------------------------------------------------------


def parse_text(text: str, source: str = "<text>") -> RetentionCase:
    """Parse the text of one form (any supported layout) into a :class:`RetentionCase`."""
    lines = _normalise(text)
    if not _TITLE_RE.search(fold(" ".join(lines[:15]))):
        raise FormParseError(source, "not a retention form: the title 'Formulário - Processo de "
                             "Retenção' is missing from the top of the file")
    body = "\n".join(lines)
    for what, rx in _REQUIRED_SECTIONS:
        if not rx.search(body):
            raise FormParseError(source, f"truncated or incomplete form: section {what!r} not found")
    state = _State(source=source)
    _walk(lines, state)
    return _record(state)


def _read_path(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FormParseError(path.name, f"cannot read the file ({exc.strerror})") from None
    if path.suffix.lower() == ".docx" or data.startswith(b"PK\x03\x04"):
        return docx_text(data, path.name)
    return decode_form_bytes(data, path.name)


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
    if isinstance(path_or_text, os.PathLike) or (
        isinstance(path_or_text, str) and "\n" not in path_or_text and len(path_or_text) < 4096
        and Path(path_or_text).is_file()
    ):
        path = Path(path_or_text)
        return parse_text(_read_path(path), source or path.name)
    if not isinstance(path_or_text, str):
        raise TypeError(f"parse_form takes a path or a form's text, not {type(path_or_text).__name__}")
    if "\n" not in path_or_text and _LOOKS_LIKE_PATH.search(path_or_text.strip()):
        # A one-line string naming a form file that is not there: a typo, not a form's text.
        raise FormParseError(path_or_text.strip(), "no such file")
    return parse_text(path_or_text, source or "<text>")



def form_paths(folder_or_paths: str | os.PathLike[str] | Iterable) -> list[Path]:
    """Expand folders (recursively, sorted) and plain paths into a list of files to read."""
    items = [folder_or_paths] if isinstance(folder_or_paths, (str, os.PathLike)) else folder_or_paths
    paths: list[Path] = []
    for item in items:
        path = Path(item)
        if path.is_dir():
            paths.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            paths.append(path)
    return paths


def _parse_path(item: tuple[Path, str]) -> RetentionCase | FormParseError:
    path, source = item
    try:
        return parse_form(path, source=source)
    except FormParseError as exc:
        return exc


def _sources(paths: list[Path]) -> list[str]:
    """Each file's ``source``: its name, or ``folder/name`` where two files share a name."""
    counts: dict[str, int] = {}
    for path in paths:
        counts[path.name] = counts.get(path.name, 0) + 1
    return [path.name if counts[path.name] == 1 else f"{path.parent.name}/{path.name}" for path in paths]


def iter_forms(paths: Iterable[Path], jobs: int = 1,
               window: int = 2000) -> Iterator[tuple[Path, RetentionCase | FormParseError]]:
    """Parse files in order, yielding the record or the error for each: a batch never stops.

    With ``jobs > 1``, ``jobs`` processes parse ``window`` files at a time (so
    memory stays bounded however many files there are).
    """
    paths = list(paths)
    items = list(zip(paths, _sources(paths), strict=True))
    if jobs <= 1 or len(paths) < 2 * window // 10:
        for item in items:
            yield item[0], _parse_path(item)
        return
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(jobs) as pool:
        for start in range(0, len(items), window):
            part = items[start:start + window]
            results = pool.map(_parse_path, part, chunksize=64)
            yield from zip([path for path, _ in part], results, strict=True)


class FormBatch(list):
    """The forms read from a batch: a list of :class:`RetentionCase`, plus ``failures``.

    ``failures`` holds one :class:`FormParseError` per file that could not be
    read, so nothing is dropped silently; :meth:`to_frame` gives one row per form.
    """

    def __init__(self, cases: Iterable[RetentionCase] = (), failures: Iterable[FormParseError] = ()):
        super().__init__(cases)
        self.failures: list[FormParseError] = list(failures)

    def to_frame(self) -> pd.DataFrame:
        """One row per parsed form, contract-1 keys as columns."""
        return pd.DataFrame([case.to_json_dict() for case in self])

    def __repr__(self) -> str:
        return f"FormBatch({len(self)} forms, {len(self.failures)} failures)"


def read_forms(folder_or_paths: str | os.PathLike[str] | Iterable, progress: bool = False) -> FormBatch:
    """Parse every form in a folder (or a list of paths), keeping going past bad files.

    Returns a :class:`FormBatch`: the parsed cases in file order and, in
    ``.failures``, an error naming each file that failed and why. ``progress``
    shows a progress bar (tqdm; silent when not on a terminal).
    """
    batch = FormBatch()
    paths = form_paths(folder_or_paths)
    results = iter_forms(paths)
    if progress:
        from tqdm.auto import tqdm

        results = tqdm(results, total=len(paths), desc="reading forms", unit="form")
    for _, result in results:
        if isinstance(result, FormParseError):
            batch.failures.append(result)
        else:
            batch.append(result)
    return batch
