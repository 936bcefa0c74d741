"""Pseudonymisation of retention forms: keyed, stable and shape-keeping.

The seed forms hold real personal data (names, CPF, CNPJ, phone numbers,
protocol numbers). The project ships only copies made by this module, and
``churnlab parse --anonymize`` emits pseudonymised records.

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
protocol  same shape: letters stay letters (same case), digits stay
          digits, spaces and punctuation kept (ANS ``RRRRRR AAAA MM DD
          NNNNNN`` keeps its spacing)
========  ==============================================================
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable
from pathlib import Path

from churnlab.errors import ChurnlabError
from churnlab.io.brazil import is_valid_cnpj, is_valid_cpf
from churnlab.io.names import first_names
from churnlab.io.records import RetentionCase
from churnlab.io.text import fold, fold_chars
from churnlab.privacy.pseudonymizer import Pseudonymizer, _name_key

# --- word lists ----------------------------------------------------------------------------

_PARTICLES = frozenset(
    "de da do das dos e d del della di du van von der den la le y dal dei".split()
)

# Words of the form's layout: never replaced as a lone name token, so a
# pseudonymised form still parses (a surname such as "Sim" stays visible).
_FORM_WORDS = frozenset(
    fold(w)
    for w in """
    formulario processo retencao colaborador data qtd cro cros operadora uf nome dentista cnpj cpf
    inclusao tipo demandado por protocolo abertura cidade vidas unicos divulgados atende outros
    convenios quais sim nao moeda ultima producao produc valor prod inicio final tempo
    finalizacao status efetiva desligamento trata se contato obs motivo ofertado novos valores
    suporte divulgacao treinamento ou reciclagem perda problemas saude beneficiario grosseiro
    grossoeiro franquia alteracao responsavel tecnico removido prestador sem local atendimento
    atendimeto glosas glosa dificuldades sistema prazo liberacao guias encerramento atividades
    regras regras tecnicas apenas procedimentos esteticos aposentou baixa procura dificuldade
    central falta cobranca indevida burocracia negativa ameaca judicializacao terceirizacao
    carteira clientes particular estudos servidor publico mudou area obito particulares migracao
    necessario geral setor analise comercial input checked type checkbox dia dias
    obrigatorio justificativa caso selecao
    """.split()
)

# Capitalised words that are not names, to stop a name after a title or a first
# name from running on ("Dra Informa", "Fernanda Odontologia").
_NOT_NAMES = _FORM_WORDS | frozenset(
    fold(w)
    for w in """
    a o as os um uma uns umas e é eu ele ela eles elas nós nos vocês você vc vcs seu sua
    seus suas meu minha meus minhas dele dela que quem qual quando onde como porque pois mas
    porém porem também tambem já ja não sim ok oi olá ola obrigado obrigada bom boa dia tarde
    noite em no na nos nas num numa de do da dos das ao aos à às para pra pro com por pelo pela
    pelos pelas até ate após apos sobre entre este esta estes estas esse essa isso isto aquele
    aquela foi era é está esta estava estão estao são sao ser ter tem tinha teve vai vou fez
    informa informou informando informo disse diz relata relatou solicita solicitou solicito
    confirma confirmou confirmo responde respondeu retorna retornou retornei aceita aceitou
    pediu pede pedi falou fala falei ligou liguei enviou enviei envio enviado enviada encaminhado
    encaminhada encaminhei realizado realizada realizei segue seguem conforme aguardando
    aguardo entendi entendo estamos queremos podemos mesma mesmo mesmas mesmos dr dra drª sr
    sra srta doutor doutora senhor senhora pessoa paciente pacientes cliente clientes clínica
    clinica consultório consultorio odonto odontologia dental uni plano planos
    operadora empresa rede retenção whatsapp whats zap email e-mail telefone celular fone
    contato recepcionista recepção recepcao secretária secretaria atendente gerente
    coordenador coordenadora diretor diretora responsável técnico técnica analista equipe
    setor central sac ouvidoria ans nip tiss guia guias raio rx
    janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro
    jan fev mar abr mai jun jul ago set out nov dez segunda terça quarta quinta sexta sábado
    domingo hoje ontem amanhã
    """.split()
)

# First names that are also everyday words: not taken for names at the start
# of a sentence or in all-capital text, where capitals say nothing.
_AMBIGUOUS_NAMES = frozenset(
    fold(w) for w in "Rosa Clara Aurora Caio Augusto Marina Ísis Eva Bento Dulce Rose Vera".split()
)

# A first name right after these words is a place ("São José", "Rua Paulo"),
# not a person.
_PLACE_WORDS = frozenset(
    fold(w)
    for w in """
    são santo santa sto sta rua av avenida praça travessa alameda rodovia estrada vila
    jardim jd bairro parque conjunto condomínio edifício ed largo hospital colégio escola
    cidade município porto campo lagoa serra morro monte dom frei marechal presidente
    governador senador conselheiro barão visconde
    """.split()
)


# --- finding what to replace ---------------------------------------------------------------


_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_NAME_GAP = r"[\s.'’\-]{1,3}"
_TITLE = re.compile(
    r"(?<!\w)(?i:dra|dr|doutora|doutor|srta|sra|sr)(?:\.?[ªº]|\.)?[ \t\u00a0]+"
    r"|(?<!\w)(?i:meu[ \t]+nome[ \t]+[ée]|me[ \t]+chamo)[ \t\u00a0]+"
)
_DOC_END = r"(?![\w]|[.,/-]\d)"
_CNPJ = re.compile(
    r"(?<![\w])[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}/?[0-9A-Z]{4}-?\d{2}" + _DOC_END
)
_CPF = re.compile(r"(?<![\w])\d{3}\.?\d{3}\.?\d{3}-?\d{2}" + _DOC_END)
_ANS = re.compile(r"(?<![\w])\d{6}([ .-])\d{4}\1\d{2}\1\d{2}\1\d{6}" + _DOC_END)
_PROTOCOL_AFTER_LABEL = re.compile(
    r"(?i:protocolo)[ \t]*(?:n[º°o.]*[ \t]*)?[:#-]?[ \t]*"
    r"(?P<p>[A-Za-z]{0,6}\d{6,}[A-Za-z0-9]*)(?![\w])"
)
_PHONE = re.compile(
    r"(?<![\w/.+\-])"
    r"(?P<cc>\+[ ]?55[ .-]?|55[ ])?"
    r"(?P<ddd>\([1-9][1-9]\)[ ]?|[1-9][1-9][ .-]?)?"
    r"(?P<sub>9\d{4}[ .-]?\d{4}|[2-9]\d{3}[ .-]?\d{4})"
    r"(?![\w]|[.,/:-]\d)"
)
_YEAR_RANGE = re.compile(r"(?:19|20)\d\d[ -](?:19|20)\d\d")
_SENTENCE_END = set(".!?:;]|>\n\t•-–—")


class _Plan:
    """Non-overlapping replacements of ``text``, first come first served."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] = []
        self._items: list[tuple[int, int, str]] = []

    def is_free(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._starts, start)
        if i and self._items[i - 1][1] > start:
            return False
        return i == len(self._items) or self._items[i][0] >= end

    def add(self, start: int, end: int, replacement: str) -> bool:
        if start >= end or not self.is_free(start, end):
            return False
        i = bisect.bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._items.insert(i, (start, end, replacement))
        return True

    def render(self) -> str:
        parts, pos = [], 0
        for start, end, replacement in self._items:
            parts += [self.text[pos:start], replacement]
            pos = end
        parts.append(self.text[pos:])
        return "".join(parts)


@functools.lru_cache(maxsize=256)
def _given_name_patterns(names: tuple[str, ...]) -> tuple[re.Pattern[str], frozenset[str]]:
    """A pattern for the full names (on folded text) and the set of name tokens."""
    alternatives, tokens = [], set()
    for name in sorted(names, key=len, reverse=True):
        words = [fold_chars(w) for w in _WORD.findall(name)]
        if not words:
            continue
        alternatives.append(_NAME_GAP.join(re.escape(w) for w in words))
        for word in words:
            key = _name_key(word)
            parts = [key, *key.split()] if " " in key else [key]
            tokens.update(
                p for p in parts if len(p) >= 3 and p not in _PARTICLES and p not in _FORM_WORDS
            )
    if not alternatives:
        return re.compile(r"(?!)"), frozenset()
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")
    return pattern, frozenset(tokens)


def _sentence_initial(text: str, start: int) -> bool:
    i = start - 1
    while i >= 0 and text[i] in " \u00a0\"'“”*(_":
        i -= 1
    return i < 0 or text[i] in _SENTENCE_END


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


class _Words:
    """The words of a text with their folded keys, for the name detectors."""

    def __init__(self, text: str) -> None:
        self.matches = list(_WORD.finditer(text))
        self.keys = [_name_key(m.group()) for m in self.matches]
        self.starts = [m.start() for m in self.matches]
        self.text = text

    def gap(self, i: int) -> str:
        """The text between word ``i`` and word ``i + 1``."""
        return self.text[self.matches[i].end() : self.matches[i + 1].start()]

    def index_at(self, pos: int) -> int | None:
        i = bisect.bisect_left(self.starts, pos)
        return i if i < len(self.starts) and self.starts[i] == pos else None


def _name_run(words: _Words, i: int, plan: _Plan, *, same_case: bool) -> int:
    """Index of the last word of the capitalised name that starts at word ``i``.

    The name goes on over single spaces through capitalised words that are not
    common words, and through particles (``de``, ``da``...) between them.
    """
    last, j = i, i + 1
    first_caps = words.matches[i].group().isupper()
    while j < len(words.matches) and j - i <= 6:
        if not re.fullmatch(r"[ \u00a0]{1,2}", words.gap(j - 1)):
            break
        word, key = words.matches[j].group(), words.keys[j]
        if not plan.is_free(*words.matches[j].span()):
            break
        if key in _PARTICLES and key not in ("e", "y"):
            j += 1
            continue
        caps = word.isupper() and len(word) > 1
        if not _is_capitalised(word) or key in _NOT_NAMES or (same_case and caps != first_caps):
            break
        last = j
        j += 1
    return last


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

    1. the given ``protocols`` (case-insensitive), a number written after the
       word ``protocolo``, and ANS protocol numbers (``RRRRRR AAAA MM DD NNNNNN``);
    2. CPF- and CNPJ-shaped tokens, with or without punctuation (an 11-digit
       run that is no valid CPF but looks like a mobile number is a phone);
    3. phone numbers: ``(71) 99999-9999``, ``+55 71 9999-9999``,
       ``71 99999-9999``, ``(64) 33333333``, ``9999-9999``; never dates,
       times, money, guide numbers, CRO numbers or counts (a bare run of
       digits without area code in brackets, separator or ``+55`` is no phone);
    4. the given ``names``: full names wherever they occur (case, accents and
       spacing folded), then runs of their tokens (each token of 3 or more
       letters that is no particle such as ``de``/``da``/``dos``) as whole
       words, so ``Maria``, ``Moreira`` and ``Maria Moreira`` each get their own
       pseudonym;
    5. capitalised names after ``Dr``, ``Dra``, ``Dr.``, ``Drª``, ``Sr``,
       ``Sra``, ``Doutor(a)``, ``meu nome é`` and ``me chamo``;
    6. capitalised words from :func:`first_names` (with the capitalised
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
    plan = _Plan(text)

    # 1. protocols
    for protocol in sorted(protocols_t, key=len, reverse=True):
        chars = [re.escape(ch) for ch in protocol if not ch.isspace()]
        pattern = r"(?<![0-9A-Za-z])" + r"\s*".join(chars) + r"(?![0-9A-Za-z])"
        for m in re.finditer(pattern, text, flags=re.IGNORECASE):
            plan.add(m.start(), m.end(), pseudonymizer.protocol(m.group()))
    for m in _PROTOCOL_AFTER_LABEL.finditer(text):
        plan.add(m.start("p"), m.end("p"), pseudonymizer.protocol(m.group("p")))
    for m in _ANS.finditer(text):
        plan.add(m.start(), m.end(), pseudonymizer.protocol(m.group()))

    # 2. documents
    for m in _CNPJ.finditer(text):
        token = m.group()
        if any(ch.isalpha() for ch in token) and not is_valid_cnpj(re.sub(r"[./-]", "", token)):
            continue
        plan.add(m.start(), m.end(), pseudonymizer.cnpj(token))
    for m in _CPF.finditer(text):
        token = m.group()
        if token.isdigit() and not is_valid_cpf(token) and token[2] == "9" and "0" not in token[:2]:
            replacement = pseudonymizer.phone(token)
        else:
            replacement = pseudonymizer.cpf(token)
        plan.add(m.start(), m.end(), replacement)

    # 3. phones
    for m in _PHONE.finditer(text):
        body = text[m.start("ddd") if m.group("ddd") else m.start("sub") : m.end()]
        if _YEAR_RANGE.fullmatch(m.group()):
            continue
        if m.group("cc") or not body.isdigit():
            plan.add(m.start(), m.end(), pseudonymizer.phone(m.group()))

    # 4. given names
    pattern, tokens = _given_name_patterns(names_t)
    for value in keep:
        if value and value.strip() and not set(_name_key(value).split()) & tokens:
            for m in re.finditer(re.escape(value.strip()), text):
                plan.add(m.start(), m.end(), m.group())
    if tokens:  # folding costs half the time of a short note: only when there are names to find
        for m in pattern.finditer(fold_chars(text)):
            plan.add(m.start(), m.end(), pseudonymizer.name(text[m.start() : m.end()]))
    words = _Words(text)
    if tokens:
        i = 0
        while i < len(words.matches):
            if words.keys[i] not in tokens or not plan.is_free(*words.matches[i].span()):
                i += 1
                continue
            last, j = i, i + 1
            while j < len(words.matches) and plan.is_free(*words.matches[j].span()):
                if not re.fullmatch(r"[ \u00a0]{1,2}|\.[ \u00a0]{0,2}", words.gap(j - 1)):
                    break
                key = words.keys[j]
                if key in tokens:
                    last = j
                elif not (key in _PARTICLES or len(key) <= 2):
                    break
                j += 1
            start, end = words.matches[i].start(), words.matches[last].end()
            plan.add(start, end, pseudonymizer.name(text[start:end]))
            i = last + 1

    # 5. names after a title or "meu nome é"
    for m in _TITLE.finditer(text):
        i = words.index_at(m.end())
        if i is None or not plan.is_free(*words.matches[i].span()):
            continue
        word = words.matches[i].group()
        if not _is_capitalised(word) or words.keys[i] in _NOT_NAMES:
            continue
        last = _name_run(words, i, plan, same_case=False)
        start, end = words.matches[i].start(), words.matches[last].end()
        plan.add(start, end, pseudonymizer.name(text[start:end]))

    # 6. bare first names
    known = first_names()
    for i, m in enumerate(words.matches):
        word, key = m.group(), words.keys[i]
        if key not in known or not _is_capitalised(word) or not plan.is_free(*m.span()):
            continue
        caps = word.isupper()
        if key in _AMBIGUOUS_NAMES and (caps or _sentence_initial(text, m.start())):
            continue
        if (
            i
            and words.keys[i - 1] in _PLACE_WORDS
            and re.fullmatch(r"\.?[ \u00a0]+", words.gap(i - 1))
        ):
            continue
        last = i if caps else _name_run(words, i, plan, same_case=True)
        start, end = m.start(), words.matches[last].end()
        plan.add(start, end, pseudonymizer.name(text[start:end]))

    return plan.render()


class _Blank(Pseudonymizer):
    """Not a pseudonymiser: every value it is given becomes empty (see :func:`mask_people`)."""

    def __init__(self) -> None:  # no key: nothing is derived
        pass

    def cpf(self, number: str) -> str:
        return ""

    cnpj = phone = protocol = name = cpf


def mask_people(text: str) -> str:
    """``text`` with what :func:`anonymize_text` finds removed, not pseudonymised: for text
    whose words a model file keeps (the reason tagger's vocabulary), so no token is left.

    >>> mask_people("Dra Fernanda Quintanilha ligou do (71) 98765-4321 pelas glosas")
    'Dra  ligou do  pelas glosas'
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
        return pseudonymizer.name(value) if value and _name_key(value) else value

    update = {
        "collaborator": name(case.collaborator),
        "dentist_name": name(case.dentist_name),
        "signatories": [name(s) for s in case.signatories],
        "cpf": pseudonymizer.cpf(case.cpf) if case.cpf else case.cpf,
        "cnpj": pseudonymizer.cnpj(case.cnpj) if case.cnpj else case.cnpj,
        "protocol_number": (
            pseudonymizer.protocol(case.protocol_number) if case.protocol_number else None
        ),
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
