"""Finding personal data in free text: one finder per kind, each adding to a replacement plan.

:func:`churnlab.privacy.anonymize.anonymize_text` runs the finders in order of
precedence on a :class:`ReplacementPlan`, which keeps the first replacement
claimed for a span: e-mail addresses, then protocols, then CPF/CNPJ, then
phones, then names (the given ones, those after a title, bare first names).
Names are found in text folded by :func:`churnlab.io.text.fold_chars`, the
parser's own folding.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterable

from churnlab.io.brazil import is_valid_cnpj, is_valid_cpf
from churnlab.io.names import first_names
from churnlab.io.text import fold, fold_chars
from churnlab.privacy.pseudonymizer import Pseudonymizer, name_key

# --- word lists ----------------------------------------------------------------------------

_PARTICLES = frozenset("de da do das dos e d del della di du van von der den la le y dal dei".split())

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


# --- patterns, the plan and the words --------------------------------------------------------


_WORD = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")
_NAME_GAP = r"[\s.'’\-]{1,3}"
_TITLE = re.compile(
    r"(?<!\w)(?i:dra|dr|doutora|doutor|srta|sra|sr)(?:\.?[ªº]|\.)?[ \t\u00a0]+"
    r"|(?<!\w)(?i:meu[ \t]+nome[ \t]+[ée]|me[ \t]+chamo)[ \t\u00a0]+"
)
_DOC_END = r"(?![\w]|[.,/-]\d)"
_CNPJ = re.compile(r"(?<![\w])[0-9A-Z]{2}\.?[0-9A-Z]{3}\.?[0-9A-Z]{3}/?[0-9A-Z]{4}-?\d{2}" + _DOC_END)
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


class ReplacementPlan:
    """Non-overlapping replacements of ``text``, first come first served: what the finders fill."""

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
    alternatives: list[str] = []
    tokens: set[str] = set()
    for name in sorted(names, key=len, reverse=True):
        words = [fold_chars(w) for w in _WORD.findall(name)]
        if not words:
            continue
        alternatives.append(_NAME_GAP.join(re.escape(w) for w in words))
        for word in words:
            key = name_key(word)
            parts = [key, *key.split()] if " " in key else [key]
            tokens.update(p for p in parts if len(p) >= 3 and p not in _PARTICLES and p not in _FORM_WORDS)
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


class TextWords:
    """The words of a text with their folded keys, for the name finders."""

    def __init__(self, text: str) -> None:
        self.matches = list(_WORD.finditer(text))
        self.keys = [name_key(m.group()) for m in self.matches]
        self.starts = [m.start() for m in self.matches]
        self.text = text

    def gap(self, i: int) -> str:
        """The text between word ``i`` and word ``i + 1``."""
        return self.text[self.matches[i].end() : self.matches[i + 1].start()]

    def index_at(self, pos: int) -> int | None:
        i = bisect.bisect_left(self.starts, pos)
        return i if i < len(self.starts) and self.starts[i] == pos else None


def _name_run(words: TextWords, i: int, plan: ReplacementPlan, *, same_case: bool) -> int:
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


# --- the finders, in order of precedence ---------------------------------------------------


def replace_protocols(plan: ReplacementPlan, pseudonymizer: Pseudonymizer, protocols: Iterable[str]) -> None:
    """Claim the given ``protocols`` (case and spacing ignored), a number written after the
    word ``protocolo``, and ANS protocol numbers (``RRRRRR AAAA MM DD NNNNNN``)."""
    text = plan.text
    for protocol in sorted(protocols, key=len, reverse=True):
        chars = [re.escape(ch) for ch in protocol if not ch.isspace()]
        pattern = r"(?<![0-9A-Za-z])" + r"\s*".join(chars) + r"(?![0-9A-Za-z])"
        for m in re.finditer(pattern, text, flags=re.IGNORECASE):
            plan.add(m.start(), m.end(), pseudonymizer.protocol(m.group()))
    for m in _PROTOCOL_AFTER_LABEL.finditer(text):
        plan.add(m.start("p"), m.end("p"), pseudonymizer.protocol(m.group("p")))
    for m in _ANS.finditer(text):
        plan.add(m.start(), m.end(), pseudonymizer.protocol(m.group()))


def replace_documents(plan: ReplacementPlan, pseudonymizer: Pseudonymizer) -> None:
    """Claim CPF- and CNPJ-shaped tokens, with or without punctuation.

    A CNPJ with letters (the 2026 rule) must have valid check digits; an
    11-digit run that is no valid CPF but looks like a mobile number
    (``DD9...``) is a phone.
    """
    text = plan.text
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


def _phones(text: str) -> Iterable[re.Match[str]]:
    """Phone numbers in ``text``; a bare run of digits (no ``+55``, no bracketed area code, no
    separator) is a count or a guide number, and a year range is no phone."""
    for m in _PHONE.finditer(text):
        body = text[m.start("ddd") if m.group("ddd") else m.start("sub") : m.end()]
        if _YEAR_RANGE.fullmatch(m.group()):
            continue
        if m.group("cc") or not body.isdigit():
            yield m


def replace_phones(plan: ReplacementPlan, pseudonymizer: Pseudonymizer) -> None:
    """Claim phone numbers (:func:`phone_numbers`' rule)."""
    for m in _phones(plan.text):
        plan.add(m.start(), m.end(), pseudonymizer.phone(m.group()))


def phone_numbers(text: str | None) -> list[str]:
    """The phone numbers written in ``text``, as written, once each: what the anonymiser masks.

    >>> phone_numbers("Enviado whatsapp (41) 94487-8813. Ligar no 3322-1100 ou (41) 94487-8813; 12 guias")
    ['(41) 94487-8813', '3322-1100']
    """
    found = [m.group().strip() for m in _phones(text or "")]
    return list(dict.fromkeys(found))


_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+(?<!\.)")


def email_addresses(text: str | None) -> list[str]:
    """The e-mail addresses written in ``text``, once each, lower-cased.

    >>> email_addresses("Respondeu do e-mail Dra.Ana@Clinica.com.br. Reenviar a dra.ana@clinica.com.br")
    ['dra.ana@clinica.com.br']
    """
    return list(dict.fromkeys(m.group().lower() for m in _EMAIL.finditer(text or "")))


def replace_emails(plan: ReplacementPlan, pseudonymizer: Pseudonymizer) -> None:
    """Claim e-mail addresses (:func:`email_addresses`' rule), whole: the names and digits in them too."""
    for m in _EMAIL.finditer(plan.text):
        plan.add(m.start(), m.end(), pseudonymizer.email(m.group()))


def replace_given_names(
    plan: ReplacementPlan,
    words: TextWords,
    pseudonymizer: Pseudonymizer,
    names: tuple[str, ...],
    keep: Iterable[str | None],
) -> None:
    """Claim the given ``names``: full names wherever they occur (folded), then runs of their tokens.

    The ``keep`` strings are claimed unchanged first (so name detection leaves
    them alone) unless they share a word with ``names``.
    """
    text = plan.text
    pattern, tokens = _given_name_patterns(names)
    for value in keep:
        if value and value.strip() and not set(name_key(value).split()) & tokens:
            for m in re.finditer(re.escape(value.strip()), text):
                plan.add(m.start(), m.end(), m.group())
    if not tokens:  # folding costs half the time of a short note: only when there are names to find
        return
    for m in pattern.finditer(fold_chars(text)):
        plan.add(m.start(), m.end(), pseudonymizer.name(text[m.start() : m.end()]))
    i = 0
    while i < len(words.matches):
        if words.keys[i] not in tokens or not plan.is_free(*words.matches[i].span()):
            i += 1
            continue
        last = _token_run(words, i, plan, tokens)
        start, end = words.matches[i].start(), words.matches[last].end()
        plan.add(start, end, pseudonymizer.name(text[start:end]))
        i = last + 1


def _token_run(words: TextWords, i: int, plan: ReplacementPlan, tokens: frozenset[str]) -> int:
    """Index of the last word of the run of given-name tokens that starts at word ``i``.

    The run goes on over single spaces (or an initial's dot) through tokens,
    particles and words of two letters or fewer, and ends on a token.
    """
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
    return last


def replace_titled_names(plan: ReplacementPlan, words: TextWords, pseudonymizer: Pseudonymizer) -> None:
    """Claim capitalised names after ``Dr``, ``Dra``, ``Drª``, ``Sr(a)``, ``Doutor(a)``,
    ``meu nome é`` and ``me chamo``."""
    text = plan.text
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


def replace_first_names(plan: ReplacementPlan, words: TextWords, pseudonymizer: Pseudonymizer) -> None:
    """Claim capitalised words from :func:`~churnlab.io.names.first_names`, with the capitalised
    surnames that follow.

    Skipped: first names that are everyday words (``Rosa``, ``Clara``) at the
    start of a sentence or in capitals, and names of places (``São José``).
    """
    text = plan.text
    known = first_names()
    for i, m in enumerate(words.matches):
        word, key = m.group(), words.keys[i]
        if key not in known or not _is_capitalised(word) or not plan.is_free(*m.span()):
            continue
        caps = word.isupper()
        if key in _AMBIGUOUS_NAMES and (caps or _sentence_initial(text, m.start())):
            continue
        if i and words.keys[i - 1] in _PLACE_WORDS and re.fullmatch(r"\.?[ \u00a0]+", words.gap(i - 1)):
            continue
        last = i if caps else _name_run(words, i, plan, same_case=True)
        start, end = m.start(), words.matches[last].end()
        plan.add(start, end, pseudonymizer.name(text[start:end]))
