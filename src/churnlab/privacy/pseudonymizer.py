"""The keyed pseudonymiser: HMAC-SHA256 pseudonyms keeping the shape of CPF, CNPJ, names, phones."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from churnlab.errors import ChurnlabError
from churnlab.io.brazil import cnpj_check_digits, cpf_check_digits, is_valid_cnpj, is_valid_cpf, only_digits
from churnlab.io.text import fold

KEY_ENV = "CHURNLAB_ANON_KEY"
"""Environment variable holding the pseudonymisation key itself."""
KEY_FILE_ENV = "CHURNLAB_ANON_KEY_FILE"
"""Environment variable naming a file that holds the key."""
MIN_KEY_BYTES = 16
NAME_PREFIX = "Pessoa"
EMAIL_DOMAIN = "exemplo.invalid"
"""The domain of every e-mail pseudonym: reserved (RFC 2606), so no message can ever reach anyone."""

_V = TypeVar("_V")

_HOW_TO_SET_KEY = (
    f"Set the environment variable {KEY_ENV} to a secret of at least {MIN_KEY_BYTES} "
    f"characters (e.g. export {KEY_ENV}=\"$(python -c 'import secrets; "
    f"print(secrets.token_hex(32))')\"), or set {KEY_FILE_ENV} to the path of a file "
    "holding it. Keep the key outside the repository and reuse the same key to get "
    "the same pseudonyms."
)

_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CODE_LETTERS = "ABCDEFGHJKMNPQRSTVWXYZ"
_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class AnonymizationKeyError(ChurnlabError):
    """The pseudonymisation key is missing, unreadable or too short."""


# --- the keyed pseudonymiser -------------------------------------------------------------


def _reshape(template: str, chars: str) -> str:
    """Write ``chars`` over the letters and digits of ``template``, keeping the rest."""
    it = iter(chars)
    return "".join(next(it) if ch.isalnum() else ch for ch in template)


def name_key(text: str) -> str:
    """Normalise a name: folded case and accents, letters only, single spaces."""
    return " ".join(re.findall(r"[^\W\d_]+", fold(text)))


class Pseudonymizer:
    """Keyed (HMAC-SHA256), stable pseudonyms for Brazilian personal data.

    Parameters
    ----------
    key : bytes
        The secret, at least 16 bytes. The same key gives the same pseudonyms;
        another key gives unrelated ones. It is kept in memory only and never
        shown by ``repr``.

    Examples
    --------
    >>> p = Pseudonymizer(b"an example key, not a real one")
    >>> p.cpf("111.444.777-35")
    '382.164.221-13'
    >>> p.cpf("11144477735")
    '38216422113'
    >>> p.name("José  da Costa") == p.name("JOSE DA COSTA")
    True
    >>> p
    Pseudonymizer(key=<hidden>)
    """

    __slots__ = ("_key",)

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes | bytearray):
            raise TypeError(f"the key must be bytes (e.g. secret.encode()), got {type(key).__name__}")
        if len(key) < MIN_KEY_BYTES:
            raise AnonymizationKeyError(
                f"the pseudonymisation key has {len(key)} bytes, fewer than {MIN_KEY_BYTES}. "
                + _HOW_TO_SET_KEY
            )
        self._key = bytes(key)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Pseudonymizer:
        """Build a pseudonymiser from ``CHURNLAB_ANON_KEY`` or ``CHURNLAB_ANON_KEY_FILE``.

        ``CHURNLAB_ANON_KEY`` (the key itself) wins when both are set. A key
        file is read as UTF-8 text, surrounding whitespace stripped.

        Parameters
        ----------
        environ : mapping, optional
            Where to look instead of ``os.environ`` (for tests).

        Raises
        ------
        AnonymizationKeyError
            Neither variable is set, the file cannot be read, or the key is
            shorter than 16 bytes; the message says how to set one.

        Examples
        --------
        >>> Pseudonymizer.from_env({"CHURNLAB_ANON_KEY": "an example key, not a real one"})
        Pseudonymizer(key=<hidden>)
        >>> Pseudonymizer.from_env({})
        Traceback (most recent call last):
        ...
        churnlab.privacy.pseudonymizer.AnonymizationKeyError: no pseudonymisation key. Set the ...
        """
        env = os.environ if environ is None else environ
        secret = env.get(KEY_ENV, "").strip()
        if secret:
            return cls(secret.encode("utf-8"))
        key_file = env.get(KEY_FILE_ENV, "").strip()
        if key_file:
            try:
                secret = Path(key_file).expanduser().read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                raise AnonymizationKeyError(
                    f"cannot read the key file {key_file!r} named by {KEY_FILE_ENV}: {exc}. "
                    + _HOW_TO_SET_KEY
                ) from None
            if not secret:
                raise AnonymizationKeyError(
                    f"the key file {key_file!r} named by {KEY_FILE_ENV} is empty. " + _HOW_TO_SET_KEY
                )
            return cls(secret.encode("utf-8"))
        raise AnonymizationKeyError("no pseudonymisation key. " + _HOW_TO_SET_KEY)

    def __repr__(self) -> str:
        return "Pseudonymizer(key=<hidden>)"

    # -- keyed randomness --

    def _bytes(self, kind: str, value: str, counter: int) -> Iterator[int]:
        """An endless stream of keyed bytes for ``(kind, value, counter)``."""
        for block in itertools.count():
            message = f"{kind}\x1f{counter}\x1f{block}\x1f{value}".encode()
            yield from hmac.new(self._key, message, hashlib.sha256).digest()

    @staticmethod
    def _draw(stream: Iterator[int], alphabet: str) -> str:
        """One symbol of ``alphabet``, uniformly, from a keyed byte stream."""
        limit = 256 - 256 % len(alphabet)
        for byte in stream:
            if byte < limit:
                return alphabet[byte % len(alphabet)]
        raise AssertionError("unreachable: the stream is endless")  # pragma: no cover

    def _keyed(self, kind: str, value: str, alphabets: Iterable[str], counter: int = 0) -> str:
        stream = self._bytes(kind, value, counter)
        return "".join(self._draw(stream, alphabet) for alphabet in alphabets)

    # -- documents --

    def cpf(self, number: str) -> str:
        """Pseudonymise a CPF: 11 digits with valid check digits, never the input.

        Keyed on the digits only, so ``111.444.777-35`` and ``11144477735`` get
        the same pseudonym; the input's punctuation is kept.

        Raises
        ------
        ValueError
            ``number`` does not have 11 digits.

        Examples
        --------
        >>> from churnlab.io.brazil import is_valid_cpf
        >>> p = Pseudonymizer(b"an example key, not a real one")
        >>> is_valid_cpf(p.cpf("11144477735"))
        True
        """
        digits = only_digits(number)
        if len(digits) != 11 or re.search(r"[^\d\s./-]", number):
            raise ValueError(f"{number!r} is not a CPF: a CPF has 11 digits")
        for counter in itertools.count():
            base = self._keyed("cpf", digits, ["0123456789"] * 9, counter)
            candidate = base + cpf_check_digits(base)
            if candidate != digits and is_valid_cpf(candidate):
                return _reshape(number, candidate)
        raise AssertionError("unreachable")  # pragma: no cover

    def cnpj(self, number: str) -> str:
        """Pseudonymise a CNPJ: keyed 8-digit root, the input's branch, valid check digits.

        Keyed on the root (first 8 characters) only, so the head office
        (``0001``) and the branches of one company keep sharing a root.
        Punctuation is kept; an alphanumeric (2026-rule) root becomes digits.

        Raises
        ------
        ValueError
            ``number`` does not have 14 letters or digits.

        Examples
        --------
        >>> p = Pseudonymizer(b"an example key, not a real one")
        >>> p.cnpj("11.222.333/0001-81")
        '37.999.437/0001-90'
        >>> p.cnpj("11222333000262")[:8] == p.cnpj("11222333000181")[:8]
        True
        """
        chars = re.sub(r"[^0-9A-Za-z]", "", number).upper()
        if len(chars) != 14 or not chars[12:].isdigit():
            raise ValueError(f"{number!r} is not a CNPJ: a CNPJ has 14 characters, the last 2 digits")
        root, branch = chars[:8], chars[8:12]
        for counter in itertools.count():
            new_root = self._keyed("cnpj", root, ["0123456789"] * 8, counter)
            base = new_root + branch
            candidate = base + cnpj_check_digits(base)
            if new_root != root and is_valid_cnpj(candidate):
                return _reshape(number, candidate)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- people --

    def name(self, text: str) -> str:
        """Pseudonymise a person's name as ``Pessoa`` plus a 6-character code.

        Names are compared folded (case, accents, punctuation and spacing do
        not matter), so every writing of a name gets one pseudonym. A full
        name and a part of it are different names: ``Maria Moreira`` and a bare
        ``Maria`` get different pseudonyms.

        Raises
        ------
        ValueError
            ``text`` has no letters.

        Examples
        --------
        >>> p = Pseudonymizer(b"an example key, not a real one")
        >>> p.name("Maria Moreira")
        'Pessoa H9G0WD'
        >>> p.name("MARIA  MOREIRA") == p.name("Maria Moreira") != p.name("Maria")
        True
        """
        key = name_key(text)
        if not key:
            raise ValueError(f"{text!r} is not a name: it has no letters")
        code = self._keyed("name", key, [_CODE_LETTERS] + [_CODE_ALPHABET] * 5)
        return f"{NAME_PREFIX} {code}"

    def names(self, values: Iterable[_V]) -> list[_V | str]:
        """Each name of ``values`` pseudonymised (:meth:`name`); blanks and missing values kept.

        For a table's column of names, e.g. a worklist's dentists.

        >>> Pseudonymizer(b"an example key, not a real one").names(["Maria Moreira", None, " "])
        ['Pessoa H9G0WD', None, ' ']
        """
        return [self.name(v) if isinstance(v, str) and v.strip() else v for v in values]

    # -- phones, e-mails and protocols --

    def phone(self, text: str) -> str:
        """Pseudonymise a Brazilian phone number, keeping its shape.

        The country code (``+55``) and the area code (DDD) are kept; the
        subscriber number is replaced by keyed digits of the same kind (a
        mobile starts with 9 and a 6-9 digit, a landline with 2-5). Mobiles
        written with or without the ninth digit (``8765-4321`` and
        ``98765-4321``) are one number and keep matching. Numbers that are
        not recognisably Brazilian get every digit replaced.

        Raises
        ------
        ValueError
            ``text`` has no digits.

        Examples
        --------
        >>> p = Pseudonymizer(b"an example key, not a real one")
        >>> p.phone("(11) 98765-4321")
        '(11) 98493-5293'
        >>> p.phone("+55 11 8765-4321")
        '+55 11 8493-5293'
        >>> p.phone("(11) 3333-4444")
        '(11) 3215-3090'
        """
        digits = only_digits(text)
        if not digits:
            raise ValueError(f"{text!r} is not a phone number: it has no digits")
        rest = digits
        kept = ""
        if len(rest) in (12, 13) and rest.startswith("55"):
            kept, rest = rest[:2], rest[2:]
        if len(rest) in (10, 11):
            kept, rest = kept + rest[:2], rest[2:]
        if len(rest) == 9 and rest[0] == "9" or len(rest) == 8 and rest[0] in "6789":
            canonical = rest if len(rest) == 9 else "9" + rest
            alphabets = ["9", "6789"] + ["0123456789"] * 7
        elif len(rest) == 8 and rest[0] in "2345":
            canonical = rest
            alphabets = ["2345"] + ["0123456789"] * 7
        else:  # not a Brazilian phone layout: replace every digit
            kept, rest, canonical = "", digits, digits
            alphabets = ["0123456789"] * len(digits)
        for counter in itertools.count():
            new = self._keyed("phone", canonical, alphabets, counter)[-len(rest) :]
            if new != rest:
                return _reshape(text, kept + new)
        raise AssertionError("unreachable")  # pragma: no cover

    def email(self, text: str) -> str:
        """Pseudonymise an e-mail address as ``pessoa.`` plus a 6-character code at :data:`EMAIL_DOMAIN`.

        Keyed on the address lower-cased (``Dra.Ana@Clinica.com.br`` and
        ``dra.ana@clinica.com.br`` are one address), never equal to the input.
        The domain goes too: a clinic's own domain names the clinic.

        Raises
        ------
        ValueError
            ``text`` is not shaped like ``someone@somewhere``.

        Examples
        --------
        >>> p = Pseudonymizer(b"an example key, not a real one")
        >>> p.email("Dra.Ana@Clinica.com.br") == p.email("dra.ana@clinica.com.br")
        True
        >>> p.email("dra.ana@clinica.com.br").endswith("@exemplo.invalid")
        True
        """
        address = text.strip().lower()
        local, at, domain = address.rpartition("@")
        if not (local and at and domain):
            raise ValueError(f"{text!r} is not an e-mail address: it needs a name, '@' and a domain")
        for counter in itertools.count():
            code = self._keyed("email", address, [_CODE_LETTERS] + [_CODE_ALPHABET] * 5, counter)
            new = f"{NAME_PREFIX.lower()}.{code.lower()}@{EMAIL_DOMAIN}"
            if new != address:
                return new
        raise AssertionError("unreachable")  # pragma: no cover

    def protocol(self, text: str) -> str:
        """Pseudonymise a protocol number, keeping its shape.

        Letters become keyed letters of the same case, digits keyed digits;
        spaces and punctuation stay, so an ANS number
        ``RRRRRR AAAA MM DD NNNNNN`` keeps its spacing. Keyed on the letters
        and digits (case-folded), never equal to the input.

        Raises
        ------
        ValueError
            ``text`` has no letters or digits.

        Examples
        --------
        >>> p = Pseudonymizer(b"an example key, not a real one")
        >>> p.protocol("ABC123456789")
        'PWZ765743022'
        >>> p.protocol("123456 2024 03 04 000123")
        '616530 4272 93 40 380145'
        """
        chars = "".join(ch for ch in text if ch.isalnum())
        if not chars:
            raise ValueError(f"{text!r} is not a protocol number: it has no letters or digits")
        alphabets = ["0123456789" if ch.isdigit() else _UPPER for ch in chars]
        for counter in itertools.count():
            new = self._keyed("protocol", chars.upper(), alphabets, counter)
            if new != chars.upper():
                cased = "".join(n.lower() if c.islower() else n for n, c in zip(new, chars, strict=True))
                return _reshape(text, cased)
        raise AssertionError("unreachable")  # pragma: no cover
