"""Pseudonymisation of retention forms: keyed, stable and shape-keeping.

The seed forms hold real personal data (names, CPF, CNPJ, phone numbers,
protocol numbers; other forms' notes hold e-mail addresses too). The project
ships only copies made by this module, and ``churnlab parse --anonymize``
emits pseudonymised records.

Every pseudonym is derived with HMAC-SHA256 from a secret key, so the same
value always gets the same pseudonym (records still join) while nobody without
the key can map a pseudonym back or recompute it. The key comes from the
environment (:meth:`Pseudonymizer.from_env`) and is never written anywhere by
this module.

Pseudonyms keep the shape of what they replace, so a pseudonymised form still
parses into the same record:

========  ==============================================================
value     pseudonym
========  ==============================================================
CPF       11 digits with valid check digits, punctuation as in the input
CNPJ      keyed root (8 digits), the input's branch (``0001``), valid
          check digits; two branches of one company share the root
name      ``Pessoa`` plus 6 characters of ``0-9A-Z`` (no I, L, O, U),
          the first a letter: ``Pessoa K7Q2MX``
phone     same punctuation and length; country code and area code (DDD)
          kept; subscriber digits keyed (a mobile still starts with 9)
e-mail    ``pessoa.`` plus a 6-character code at ``exemplo.invalid``
          (a reserved domain): ``pessoa.k7q2mx@exemplo.invalid``
protocol  same shape: letters stay letters (same case), digits stay
          digits, spaces and punctuation kept (ANS ``RRRRRR AAAA MM DD
          NNNNNN`` keeps its spacing)
========  ==============================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from churnlab.errors import ChurnlabError
from churnlab.io.records import RetentionCase
from churnlab.privacy.finders import (
    ReplacementPlan,
    TextWords,
    replace_documents,
    replace_emails,
    replace_first_names,
    replace_given_names,
    replace_phones,
    replace_protocols,
    replace_titled_names,
)
from churnlab.privacy.pseudonymizer import Pseudonymizer, name_key

# --- free text ---------------------------------------------------------------------------


def anonymize_text(
    text: str,
    pseudonymizer: Pseudonymizer,
    names: Iterable[str | None] = (),
    protocols: Iterable[str | None] = (),
    *,
    keep: Iterable[str | None] = (),
) -> str:
    """Replace personal data in free text by keyed pseudonyms, keeping everything else.

    Replaced, in this order of precedence:

    1. e-mail addresses, whole (``dra.ana@clinica.com.br``: the name and the
       clinic in it go with it);
    2. the given ``protocols`` (case-insensitive), a number written after the
       word ``protocolo``, and ANS protocol numbers (``RRRRRR AAAA MM DD NNNNNN``);
    3. CPF- and CNPJ-shaped tokens, with or without punctuation (an 11-digit
       run that is no valid CPF but looks like a mobile number is a phone);
    4. phone numbers: ``(71) 99999-9999``, ``+55 71 9999-9999``,
       ``71 99999-9999``, ``(64) 33333333``, ``9999-9999``; never dates,
       times, money, guide numbers, CRO numbers or counts (a bare run of
       digits without area code in brackets, separator or ``+55`` is no phone);
    5. the given ``names``: full names wherever they occur (case, accents and
       spacing folded), then runs of their tokens (each token of 3 or more
       letters that is no particle such as ``de``/``da``/``dos``) as whole
       words, so ``Maria``, ``Moreira`` and ``Maria Moreira`` each get their own
       pseudonym;
    6. capitalised names after ``Dr``, ``Dra``, ``Dr.``, ``Drª``, ``Sr``,
       ``Sra``, ``Doutor(a)``, ``meu nome é`` and ``me chamo``;
    7. capitalised words from :func:`first_names` (with the capitalised
       surnames that follow), except first names that are everyday words at the
       start of a sentence or in capitals, and names of places (``São José``).

    Everything else stays byte-identical (layout, tabs, checkboxes).

    Parameters
    ----------
    text : str
        The text.
    pseudonymizer : Pseudonymizer
        Gives the pseudonyms.
    names, protocols : iterable of str
        Names of people and protocol numbers known to be in the text
        (``None`` and empty values are skipped).
    keep : iterable of str
        Exact strings that name detection must leave alone (e.g. the form's
        city, ``LAURO DE FREITAS``); documents and phones in them are still
        replaced. A value sharing a word with ``names`` is not kept.

    Returns
    -------
    str

    Examples
    --------
    >>> p = Pseudonymizer(b"an example key, not a real one")
    >>> anonymize_text("Dra Maria informou em 12/09/2023 09:41 (11) 98765-4321", p)
    'Dra Pessoa C25JQQ informou em 12/09/2023 09:41 (11) 98493-5293'
    >>> anonymize_text("Guia 7654321, 2.718 vidas, CRO 12345", p)
    'Guia 7654321, 2.718 vidas, CRO 12345'
    """
    names, protocols, keep = ([v] if isinstance(v, str) else v for v in (names, protocols, keep))
    names_t = tuple(sorted({n.strip() for n in names if n and n.strip()}))
    protocols_t = tuple(sorted({q.strip() for q in protocols if q and q.strip()}))
    plan = ReplacementPlan(text)
    replace_emails(plan, pseudonymizer)
    replace_protocols(plan, pseudonymizer, protocols_t)
    replace_documents(plan, pseudonymizer)
    replace_phones(plan, pseudonymizer)
    words = TextWords(text)
    replace_given_names(plan, words, pseudonymizer, names_t, keep)
    replace_titled_names(plan, words, pseudonymizer)
    replace_first_names(plan, words, pseudonymizer)
    return plan.render()


class _Blank(Pseudonymizer):
    """Not a pseudonymiser: every value it is given becomes empty (see :func:`mask_people`)."""

    def __init__(self) -> None:  # no key: nothing is derived
        pass

    def cpf(self, number: str) -> str:
        return ""

    def cnpj(self, number: str) -> str:
        return ""

    def name(self, text: str) -> str:
        return ""

    def phone(self, text: str) -> str:
        return ""

    def email(self, text: str) -> str:
        return ""

    def protocol(self, text: str) -> str:
        return ""


def mask_people(text: str) -> str:
    """``text`` with what :func:`anonymize_text` finds removed, not pseudonymised: for text
    whose words a model file keeps (the reason tagger's vocabulary), so no token is left.

    >>> mask_people("Dra Fernanda Quintanilha ligou do (71) 98765-4321 pelas glosas")
    'Dra  ligou do  pelas glosas'
    >>> mask_people("Respondeu do e-mail fernanda.q@clinica.com.br")
    'Respondeu do e-mail '
    """
    return anonymize_text(text, _BLANK)


_BLANK = _Blank()


# --- forms, records and files --------------------------------------------------------------


def _people(case: RetentionCase) -> list[str]:
    return [n for n in (case.collaborator, case.dentist_name, *case.signatories) if n]


def anonymize_form(text: str, pseudonymizer: Pseudonymizer, source: str = "<text>") -> str:
    """Pseudonymise a retention form's text so that it still parses.

    The form is parsed first (:func:`churnlab.io.forms.parse_form`) to learn the
    collaborator, the dentist, the signatories and the protocol number; then
    :func:`anonymize_text` replaces them, the CPF, CNPJ, phones and names in
    the notes. The form's city, operator, other plans and last production are
    kept out of name detection. Parsing the result gives the same record but
    for the pseudonymised fields and notes.

    Parameters
    ----------
    text : str
        The form's text (any layout the parser reads).
    pseudonymizer : Pseudonymizer
        Gives the pseudonyms.
    source : str
        The form's name, for error messages.

    Raises
    ------
    churnlab.errors.FormParseError
        The text is not a readable retention form.
    """
    from churnlab.io.forms import parse_form

    case = parse_form(text, source=source)
    return anonymize_text(
        text,
        pseudonymizer,
        names=_people(case),
        protocols=[case.protocol_number],
        keep=[case.city, case.operator, case.other_plans_names, case.last_production],
    )


def anonymize_case(case: RetentionCase, pseudonymizer: Pseudonymizer) -> RetentionCase:
    """Pseudonymise a parsed record: people, documents, protocol and free text.

    ``collaborator``, ``dentist_name`` and ``signatories`` get name
    pseudonyms, ``cpf``/``cnpj`` valid document pseudonyms, ``protocol_number``
    a protocol pseudonym; the notes, ``requested_by``, ``other_plans_names``
    and the glosa texts go through :func:`anonymize_text` with the record's
    names and protocol. The result equals parsing the form anonymised by
    :func:`anonymize_form`.

    Examples
    --------
    >>> from churnlab.io.records import RetentionCase
    >>> p = Pseudonymizer(b"an example key, not a real one")
    >>> case = RetentionCase(source="f.txt", dentist_name="Maria Moreira", cpf="11144477735")
    >>> anon = anonymize_case(case, p)
    >>> anon.dentist_name, anon.cpf
    ('Pessoa H9G0WD', '38216422113')
    """
    names = _people(case)
    protocols = [case.protocol_number]

    def text(value: str | None) -> str | None:
        return None if value is None else anonymize_text(value, pseudonymizer, names, protocols)

    def name(value: str | None) -> str | None:
        return pseudonymizer.name(value) if value and name_key(value) else value

    update = {
        "collaborator": name(case.collaborator),
        "dentist_name": name(case.dentist_name),
        "signatories": [name(s) for s in case.signatories],
        "cpf": pseudonymizer.cpf(case.cpf) if case.cpf else case.cpf,
        "cnpj": pseudonymizer.cnpj(case.cnpj) if case.cnpj else case.cnpj,
        "protocol_number": (pseudonymizer.protocol(case.protocol_number) if case.protocol_number else None),
        "requested_by": text(case.requested_by),
        "other_plans_names": text(case.other_plans_names),
        "action_note": text(case.action_note),
        "general_note": text(case.general_note),
        "contacts": [c.model_copy(update={"note": text(c.note)}) for c in case.contacts],
        "glosas": [
            g.model_copy(update={"description": text(g.description), "detail": text(g.detail)})
            for g in case.glosas
        ],
    }
    return case.model_copy(update=update)


TEXT_SUFFIXES = (".txt", ".md", ".html", ".htm")


def anonymize_file(path: str | Path, out_dir: str | Path, pseudonymizer: Pseudonymizer) -> Path:
    """Write a pseudonymised copy of a text form to ``out_dir`` under the same name.

    The file is read and written as UTF-8, byte for byte apart from the
    replacements (line endings kept).

    Parameters
    ----------
    path : str or Path
        A ``.txt``, ``.md`` or ``.html`` retention form.
    out_dir : str or Path
        Folder for the copy (created if missing); it must not be the
        folder of ``path``, so the original is never overwritten.
    pseudonymizer : Pseudonymizer
        Gives the pseudonyms.

    Returns
    -------
    Path
        The written copy.

    Raises
    ------
    churnlab.errors.ChurnlabError
        Unsupported file type, not UTF-8, unreadable, same folder, or not a
        retention form (:class:`~churnlab.errors.FormParseError`).
    """
    path, out_dir = Path(path), Path(out_dir)
    if path.suffix.lower() not in TEXT_SUFFIXES:
        raise ChurnlabError(
            f"{path}: cannot anonymize {path.suffix or 'extension-less'} files; "
            f"give a text form ({', '.join(TEXT_SUFFIXES)})"
        )
    if out_dir.resolve() == path.resolve().parent:
        raise ChurnlabError(
            f"{path}: the output folder is the input's own folder; choose another so the "
            "original is not overwritten"
        )
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ChurnlabError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ChurnlabError(f"{path}: cannot read: {exc.strerror or exc}") from None
    anonymized = anonymize_form(text, pseudonymizer, source=path.name)
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / path.name
    out.write_bytes(anonymized.encode("utf-8"))
    return out
