"""Render a :class:`~churnlab.io.records.RetentionCase` as form text: the parser's inverse.

Three layouts are written, each the way the real exports look:

- :func:`render_plain` — the plain-text export (seed ``000``): one label row per
  line with each value written right after its label, ``☐``/``☒`` boxes, each
  contact as ``1º contato Data dd/mm/yyyy`` then ``Obs.:`` and the note.
- :func:`render_markdown` — the markdown/HTML export (seed ``001``): a
  tab-separated label row with the value row below it, the fifth contact outside
  the table, box grids as markdown tables of ``<input type="checkbox"/>``.
- :func:`render_docx` — a Word document whose paragraphs and table cells, read in
  document order, give the plain layout's lines.

Numbers are written the Brazilian way (``3.843``, ``0,35``, ``R$ 1.234,50``,
``R$ -`` for zero, ``dd/mm/yyyy``, ``44 dia(s)``); an absent value (``None``)
leaves its cell empty.

Noise switches (all keyword arguments, off by default) imitate what real forms
do without changing any value a correct parser reads back:

``shift_documents``
    write the CNPJ under the CPF label and the CPF one column further (as seed
    ``001`` does); in the plain layout, write each number after the other label.
``misspell``
    ``None`` keeps the misspellings of the layout's seed, ``True`` uses all the
    real ones ("Grossoeiro", "Régras", "Atendimeto", "Publico"), ``False`` none.
``crlf``
    Windows line ends.
``extra_spaces``
    doubled spaces between labels and values and trailing blanks on lines.

The plain layout has the older combined box "Ofertado treinamento/ ou
reciclagem" (read as ``training``). It cannot say ``refresher``, so a case with
``refresher`` ticked is written with the newer separate boxes instead
(``training_box="auto"``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from churnlab.io.brazil import format_date_br, format_days, format_decimal_br, format_int_br, format_money_br
from churnlab.io.records import RetentionCase

__all__ = [
    "format_date_br",
    "format_days",
    "format_decimal_br",
    "format_int_br",
    "format_money_br",
    "render_docx",
    "render_markdown",
    "render_plain",
]

BOX_ON_PLAIN, BOX_OFF_PLAIN = "☒", "☐"
BOX_ON_MD = '<input checked="" type="checkbox"/>'
BOX_OFF_MD = '<input type="checkbox"/>'
TITLE = "Formulário - Processo de Retenção"

# --- number and date formatting ---------------------------------------------


# --- vocabularies: box labels in form order ------------------------------------

# (key, correct label, misspelt label) in the order of the reason grid, by rows.
_REASON_ROWS: tuple[tuple[tuple[str, str, str], ...], ...] = (
    (("loss_of_contact", "Perda de Contato", "Perda de Contato"),
     ("health_problems", "Problemas de Saúde", "Problemas de Saúde"),
     ("rude_beneficiary", "Beneficiário Grosseiro", "Beneficiário Grossoeiro")),
    (("fees", "Valores", "Valores"),
     ("franchise", "Franquia", "Franquia"),
     ("technical_lead_change", "Alteração Responsável Técnico", "Alteração Responsável Técnico")),
    (("provider_removed", "Removido Prestador", "Removido Prestador"),
     ("no_service_location", "Sem Local de Atendimento", "Sem Local de Atendimento"),
     ("glosas", "Glosas", "Glosas")),
    (("system_difficulties", "Dificuldades com o Sistema", "Dificuldades com o Sistema"),
     ("guide_release_time", "Prazo Liberação de Guias", "Prazo Liberação de Guias"),
     ("closed_business", "Encerramento de Atividades", "Encerramento de Atividades")),
    (("technical_rules", "Regras Técnicas", "Régras Técnicas"),
     ("aesthetic_only", "Apenas procedimentos Estéticos", "Apenas procedimentos Estéticos"),
     ("retired", "Aposentou", "Aposentou")),
    (("low_demand", "Baixa Procura", "Baixa Procura"),
     ("central_contact_difficulty", "Dificuldade de Contato com a Central",
      "Dificuldade de Contato com a Central"),
     ("operator_support_lacking", "Falta de Suporte da Operadora",
      "Falta de Suporte da Operadora")),
    (("undue_charges", "Cobrança indevida", "Cobrança indevida"),
     ("operator_bureaucracy", "Burocracia Operadora", "Burocracia Operadora"),
     ("care_denied", "Negativa de Atendimento", "Negativa de Atendimento")),
    (("lawsuit_threat", "Ameaça Judicialização", "Ameaça Judicialização"),
     ("outsourced_care", "Terceirização de Atendimento", "Terceirização de Atendimeto"),
     ("migration", "Migração", "Migração")),
    (("private_patients", "Carteira de Clientes Particular", "Carteira de Clientes Particular"),
     ("studies", "Estudos", "Estudos")),
    (("public_servant", "Servidor Público", "Servidor Publico"),
     ("moved_area", "Mudou de Área", "Mudou de Área")),
    (("death", "Óbito", "Óbito"),
     ("personal_reasons", "Motivos Particulares", "Motivos Particulares")),
)  # fmt: skip

# Which misspellings each seed has (misspell=None).
_SEED_MISSPELT = {
    "plain": {"rude_beneficiary", "technical_rules", "outsourced_care", "public_servant"},
    "markdown": {"technical_rules"},
}

_ACTION_ROWS_MD = (
    (("new_prices", "Ofertado Novos Valores"), ("support", "Ofertado Suporte"),
     ("publicity", "Ofertado Divulgação")),
    (("training", "Ofertado Treinamento"), ("refresher", "Ofertado Reciclagem"),
     ("other", "Outros")),
)  # fmt: skip

_STATUS_PLAIN = (
    ("retained", "Retenção efetiva"),
    ("dismissed", "Desligamento"),
    ("not_retention", "Não trata-se de retenção"),
)
_STATUS_MD = (
    ("retained", "Retenção Efetiva"),
    ("dismissed", "Desligamento"),
    ("not_retention", "Não se trata de Retenção"),
)
_SECTORS_PLAIN = (
    (("it", "T.I"), ("technical_analysis", "Análise técnica"), ("commercial", "Comercial")),
    (("call_center", "Central de atendimento"),),
)
_SECTORS_MD = (
    ("it", "T.I"),
    ("call_center", "Central de atendimento"),
    ("technical_analysis", "Análise Técnica"),
    ("commercial", "Comercial"),
)
_ACTION_NOTE_MD_DEFAULT = 'Obs.: **OBRIGATÓRIO JUSTIFICATIVA CASO SELEÇÃO "OUTROS".**'


def _misspelt(layout: str, misspell: bool | None) -> set[str]:
    if misspell is None:
        return _SEED_MISSPELT[layout]
    if misspell:
        return {key for row in _REASON_ROWS for key, good, bad in row if good != bad}
    return set()


def _reason_label(key: str, good: str, bad: str, misspelt: set[str]) -> str:
    return bad if key in misspelt else good


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return format_date_br(value)
    return str(value)


def _contacts_by_n(case: RetentionCase) -> dict[int, tuple[str, str]]:
    return {c.n: (format_date_br(c.date), c.note or "") for c in case.contacts}


def _finish(lines: list[str], crlf: bool) -> str:
    text = "\n".join(lines)
    return text.replace("\n", "\r\n") if crlf else text


# --- plain layout -------------------------------------------------------------


def _plain_lines(
    case: RetentionCase,
    *,
    shift_documents: bool = False,
    misspell: bool | None = None,
    extra_spaces: bool = False,
    training_box: str = "auto",
) -> list[str]:
    sep = "  " if extra_spaces else " "
    tail = "  " if extra_spaces else ""

    def row(*pairs: tuple[str, object]) -> str:
        parts = []
        for label, value in pairs:
            parts.append(label)
            text = _text(value)
            if text:
                parts.append(text)
        return sep.join(parts) + tail

    def box(on: bool) -> str:
        return BOX_ON_PLAIN if on else BOX_OFF_PLAIN

    def boxes(items: Sequence[tuple[bool, str]]) -> str:
        return " ".join(f"{box(on)} {label}" for on, label in items) + tail

    contacts = _contacts_by_n(case)
    actions = set(case.actions)
    reasons = set(case.dismissal_reasons)
    sectors = set(case.responsible_sectors)
    misspelt = _misspelt("plain", misspell)
    cnpj, cpf = (case.cpf, case.cnpj) if shift_documents else (case.cnpj, case.cpf)

    lines = ["", "", TITLE, "", "", ""]
    lines += [row(("Qtd CRO(s)", format_int_br(case.cro_count))), ""]
    lines += [row(("Colaborador", case.collaborator), ("Data", None)), ""]
    lines += [
        row(("Operadora", case.operator), ("CRO", case.cro), ("UF", case.cro_uf),
            ("Nome dentista", case.dentist_name)),
        "",
        row(("CNPJ", cnpj), ("CPF", cpf)),
        "",
        row(("Data inclusão", case.included_on), ("Tipo", case.person_type),
            ("Demandado por?", case.requested_by), ("Nº do protocolo", case.protocol_number),
            ("Dt. abertura protocolo", case.protocol_opened_on)),
        "",
        row(("Cidade", case.city), ("UF", case.uf), ("nº de vidas", format_int_br(case.lives)),
            ("nº CRO(S) únicos divulgados", format_int_br(case.listed_cros))),
        "",
        row(("Atende outros convênios", None), ("Quais?", case.other_plans_names)),
        boxes([(case.other_plans is True, "Sim"), (case.other_plans is False, "Não")]),
        "",
        row(("Moeda", format_decimal_br(case.us_value)),
            ("Última produç.", case.last_production),
            ("Valor última prod.", format_money_br(case.last_production_value))),
        "",
        row(("Data início", case.started_on), ("Data final", case.finished_on),
            ("Tempo finalização", format_days(case.days_to_finish))),
        "",
        "Status retenção" + tail,
    ]  # fmt: skip
    lines += [f"{box(case.status == key)} {label}" for key, label in _STATUS_PLAIN]
    lines.append("")
    for n in range(1, 6):
        date, note = contacts.get(n, ("", ""))
        lines += [row((f"{n}º contato Data", date)), "", "Obs.:", f" {note}" if note else "", ""]
    separate = training_box == "separate" or (training_box == "auto" and "refresher" in actions)
    lines.append("Motivo Retenção" + tail)
    lines.append(
        boxes([(a in actions, label) for a, label in (
            ("new_prices", "Ofertado novos valores"), ("support", "Ofertado suporte"),
            ("publicity", "Ofertado Divulgação"))])
    )  # fmt: skip
    if separate:
        third = [("training" in actions, "Ofertado treinamento"),
                 ("refresher" in actions, "Ofertado reciclagem")]  # fmt: skip
    else:
        third = [(bool(actions & {"training", "refresher"}), "Ofertado treinamento/ ou reciclagem")]
    lines.append(boxes([*third, ("other" in actions, "Outros")]))
    lines += ["", "Obs.:", f" {case.action_note}" if case.action_note else "", ""]
    lines.append("Motivo desligamento" + tail)
    for grid_row in _REASON_ROWS:
        lines.append(
            boxes([(key in reasons, _reason_label(key, good, bad, misspelt))
                   for key, good, bad in grid_row])
        )  # fmt: skip
    lines += ["", "Necessário abertura de protocolo", ""]
    lines.append(boxes([(case.protocol_needed is True, "Sim"),
                        (case.protocol_needed is False, "Não")]))  # fmt: skip
    lines += ["", "Obs. Geral", f" {case.general_note}" if case.general_note else "", ""]
    lines.append("Setor responsável" + tail)
    for sector_row in _SECTORS_PLAIN:
        lines.append(boxes([(key in sectors, label) for key, label in sector_row]))
    for name in case.signatories:
        lines += ["", name]
    return lines


def render_plain(
    case: RetentionCase,
    *,
    shift_documents: bool = False,
    misspell: bool | None = None,
    crlf: bool = False,
    extra_spaces: bool = False,
    training_box: str = "auto",
) -> str:
    """Write ``case`` in the plain-text layout (seed ``000``), values inline.

    Parameters
    ----------
    case : RetentionCase
        The record to write.
    shift_documents, misspell, crlf, extra_spaces : optional
        Noise switches (see the module docstring); none changes a value.
    training_box : {"auto", "combined", "separate"}
        Whether to write the older combined training/refresher box; ``"auto"``
        uses it unless ``refresher`` is ticked (the combined box reads as
        ``training``).

    Returns
    -------
    str
        The form text.

    Examples
    --------
    >>> case = RetentionCase(source="x.txt", operator="ODONTOVIDA", cro="12345",
    ...                      cro_uf="BA", dentist_name="ANA LIMA", lives=3843)
    >>> text = render_plain(case)
    >>> "Operadora ODONTOVIDA CRO 12345 UF BA Nome dentista ANA LIMA" in text
    True
    >>> "nº de vidas 3.843" in text
    True
    """
    lines = _plain_lines(
        case, shift_documents=shift_documents, misspell=misspell,
        extra_spaces=extra_spaces, training_box=training_box,
    )  # fmt: skip
    return _finish(lines, crlf)


# --- markdown layout ------------------------------------------------------------


def _md_escape_money(text: str) -> str:
    # The markdown export escapes the dollar sign, as in the markdown export case record ("R\\$ -").
    return text.replace("$", "\\$")


def render_markdown(
    case: RetentionCase,
    *,
    shift_documents: bool = False,
    misspell: bool | None = None,
    crlf: bool = False,
    extra_spaces: bool = False,
) -> str:
    """Write ``case`` in the markdown/HTML layout (seed ``001``).

    Parameters
    ----------
    case : RetentionCase
        The record to write.
    shift_documents, misspell, crlf, extra_spaces : optional
        Noise switches (see the module docstring); none changes a value.

    Returns
    -------
    str
        The form text: tab-separated label and value rows, markdown tables of
        ``<input type="checkbox"/>`` boxes.

    Examples
    --------
    >>> case = RetentionCase(source="x.md", collaborator="ANA LIMA", cro_count=2,
    ...                      us_value=0.35, last_production="SEM GUIAS",
    ...                      last_production_value=0.0)
    >>> text = render_markdown(case)
    >>> "Colaborador\\tANA LIMA\\t\\t\\tQtd CRO(s)\\t2" in text
    True
    >>> "0,35\\tSEM GUIAS\\tR\\\\$ -\\t" in text
    True
    """
    md = _Markdown(extra_spaces)
    lines = ["", "", f"# {TITLE}", "", "", ""]
    lines += _md_header(case, md, shift_documents)
    lines += _md_contacts(case, md)
    lines += _md_actions(case, md)
    lines += _md_dismissal_reasons(case, md, _misspelt("markdown", misspell))
    lines += _md_closing(case, md)
    return _finish(lines, crlf)


class _Markdown:
    """How the markdown export writes cells, boxes and box grids (``extra_spaces`` pads values)."""

    def __init__(self, extra_spaces: bool) -> None:
        self.pad = "  " if extra_spaces else ""

    def cells(self, *values: object, width: int = 6) -> str:
        """A tab-separated row of ``width`` cells, values padded, missing cells empty."""
        texts = [_text(v) + (self.pad if _text(v) else "") for v in values]
        texts += [""] * (width - len(texts))
        return "\t".join(texts)

    @staticmethod
    def box(on: bool) -> str:
        return BOX_ON_MD if on else BOX_OFF_MD

    @staticmethod
    def table(header: str, rule: str, rows: list[list[str]], closing: bool = False) -> list[str]:
        """A markdown table of box cells, as the export writes it (a closing rule for some grids)."""
        out = [header, rule]
        out += ["| " + " | ".join(r) + " |" for r in rows]
        if closing:
            out.append(rule)
        return out


def _md_documents(case: RetentionCase, md: _Markdown, shift_documents: bool) -> str:
    """The CNPJ/CPF value row; shifted, the CNPJ sits under CPF and the CPF a column further (seed 001)."""
    if not shift_documents:
        return md.cells(case.cnpj, case.cpf)
    if case.cnpj and case.cpf:
        return md.cells(None, case.cnpj, None, None, case.cpf)
    if case.cnpj:
        return md.cells(None, case.cnpj)
    return md.cells(case.cpf)


def _md_header(case: RetentionCase, md: _Markdown, shift_documents: bool) -> list[str]:
    """The header fields: label rows with their value rows below, from Colaborador to Tempo finalização."""
    cells, box, pad, other = md.cells, md.box, md.pad, case.other_plans
    return [
        "\t".join([
            "Colaborador", _text(case.collaborator) + pad, "", "", "Qtd CRO(s)",
            format_int_br(case.cro_count) + pad,
        ]),
        cells("Operadora", "CRO", "UF", "Nome dentista"),
        cells(case.operator, case.cro, case.cro_uf, case.dentist_name),
        "CNPJ\tCPF\t\t\t5º contato\tData",
        _md_documents(case, md, shift_documents),
        "\t".join([
            "Data inclusão", format_date_br(case.included_on) + pad, "Tipo", "Demandado por?",
            "Nº do protocolo", "Dt. abertura protocolo",
        ]),
        cells(None, None, case.person_type, case.requested_by, case.protocol_number,
              case.protocol_opened_on),
        cells("UF", "Cidade", "nº de vidas", "nº CRO(S) únicos divulgados"),
        cells(case.uf, case.city, format_int_br(case.lives), format_int_br(case.listed_cros)),
        cells("Atende outros convênios"),
        cells("Quais?", case.other_plans_names),
        cells(f"{box(other is True)} SIM", f"{box(other is False)} NÃO", "*"),
        cells("Moeda", "Última produç.", "Valor última prod.", "Status retenção"),
        "\t".join([
            format_decimal_br(case.us_value) + pad, _text(case.last_production) + pad,
            _md_escape_money(format_money_br(case.last_production_value)) + pad,
            *(f"{box(case.status == key)} {label}" for key, label in _STATUS_MD),
        ]),
        cells("Data inicio", "Data final", "Tempo finalização"),
        cells(case.started_on, case.finished_on, format_days(case.days_to_finish)),
    ]  # fmt: skip


def _md_contacts(case: RetentionCase, md: _Markdown) -> list[str]:
    """Contacts 1 to 4 in the table (label, date and note rows); the fifth after it, under ``## Obs.:``."""
    contacts = _contacts_by_n(case)
    lines = []
    for n in range(1, 5):
        date, note = contacts.get(n, ("", ""))
        lines += [md.cells(f"{n}º contato", "Data", date), md.cells("Obs.:"), md.cells(note)]
    date5, note5 = contacts.get(5, ("", ""))
    return lines + ["", f"5º contato Data {date5}".rstrip() + md.pad, "", "## Obs.:", "", note5, ""]


def _md_actions(case: RetentionCase, md: _Markdown) -> list[str]:
    """``## Ação Retenção``: the action boxes, the form's fixed note, then the analyst's note."""
    actions = set(case.actions)
    lines = ["## Ação Retenção", ""]
    lines += md.table(
        "- |   |  |  |", "|---|--|--|",
        [[f"{md.box(key in actions)} {label}" for key, label in r] for r in _ACTION_ROWS_MD],
    )  # fmt: skip
    lines += ["", _ACTION_NOTE_MD_DEFAULT, ""]
    if case.action_note:
        lines += [case.action_note, ""]
    return lines


def _md_dismissal_reasons(case: RetentionCase, md: _Markdown, misspelt: set[str]) -> list[str]:
    """``## Motivo desligamento``: the reason grid, three boxes a row, labels spelt as ``misspelt`` says."""
    reasons = set(case.dismissal_reasons)
    grid = []
    for grid_row in _REASON_ROWS:
        row = [f"{md.box(key in reasons)} {_reason_label(key, good, bad, misspelt)}"
               for key, good, bad in grid_row]  # fmt: skip
        grid.append(row + [""] * (3 - len(row)))
    return ["## Motivo desligamento", "", *md.table("- |  |   |  |", "|--|---|--|", grid)]


def _md_closing(case: RetentionCase, md: _Markdown) -> list[str]:
    """The end of the form: protocol needed, general note, responsible sectors, signatories."""
    need, sectors = case.protocol_needed, set(case.responsible_sectors)
    lines = ["", "## Necessário abertura de protocolo", ""]
    lines += md.table(
        "- |                              |                              |",
        "|------------------------------|------------------------------|",
        [[f"{md.box(need is True)} SIM", f"{md.box(need is False)} NÃO"]],
        closing=True,
    )
    lines += ["", "## Obs. Geral", "", case.general_note or "", "", "## Setor responsável", ""]
    lines += md.table(
        "- |                              |   |  |                                    |",
        "|------------------------------|---|--|------------------------------------|",
        [[f"{md.box(key in sectors)} {label}" for key, label in _SECTORS_MD]],
        closing=True,
    )
    for name in case.signatories:
        lines += ["", name]
    return lines


# --- docx ----------------------------------------------------------------------


def render_docx(
    case: RetentionCase,
    path: str | Path,
    *,
    shift_documents: bool = False,
    misspell: bool | None = None,
    extra_spaces: bool = False,
    training_box: str = "auto",
    boxes: str | dict[str, str] = "text",
) -> Path:
    """Write ``case`` as a Word document with the plain layout's lines.

    The title is a heading, the box grids (status, actions, dismissal reasons,
    sectors) are one-column tables with a cell per line, and every other line is
    a paragraph; read in document order they give :func:`render_plain`'s text.
    ``boxes`` chooses Word's box control (``synthetic.word_boxes.BOX_KINDS``),
    for the whole form or per grid (``{"status": "legacy", "actions":
    "content_control", "other": "symbol"}``), as operators' forms mix them.

    Parameters
    ----------
    case : RetentionCase
        The record to write.
    path : str or Path
        Where to write the ``.docx``.
    shift_documents, misspell, extra_spaces, training_box : optional
        As in :func:`render_plain`.
    boxes : str or dict, default "text"
        Box kind for every box, or per grid (keys ``status``, ``actions``, ``other``).

    Returns
    -------
    Path
        ``path``.
    """
    from docx import Document

    from churnlab.synthetic.word_boxes import write_box_line

    kinds = {"status": boxes, "actions": boxes, "other": boxes} if isinstance(boxes, str) else boxes

    def kind_of(line: str) -> str:
        if any(label in line for _, label in _STATUS_PLAIN):
            return kinds.get("status", "text")
        if "Ofertado" in line:
            return kinds.get("actions", "text")
        return kinds.get("other", "text")

    lines = _plain_lines(
        case, shift_documents=shift_documents, misspell=misspell,
        extra_spaces=extra_spaces, training_box=training_box,
    )  # fmt: skip
    doc = Document()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line == TITLE:
            doc.add_heading(line, level=1)
            i += 1
            continue
        if line.startswith((BOX_ON_PLAIN, BOX_OFF_PLAIN)):
            j = i
            while j < len(lines) and lines[j].startswith((BOX_ON_PLAIN, BOX_OFF_PLAIN)):
                j += 1
            table = doc.add_table(rows=j - i, cols=1)
            for k, text in enumerate(lines[i:j]):
                write_box_line(table.cell(k, 0).paragraphs[0], text, kind_of(text))
            i = j
            continue
        write_box_line(doc.add_paragraph(), line, kind_of(line))
        i += 1
    path = Path(path)
    doc.save(str(path))
    return path
