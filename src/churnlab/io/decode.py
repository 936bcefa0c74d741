"""From bytes, HTML, markdown and .docx to the normalised lines the form parser walks."""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

from churnlab.errors import FormParseError
from churnlab.io.archive import ArchiveLimitError, read_member
from churnlab.io.text import fold
from churnlab.io.vocabulary import BOX_GLYPHS, CHECKED, TITLE_RE, UNCHECKED, UNREADABLE

# --- decoding and normalisation ----------------------------------------------

_CHECKED_HTML = re.compile(r"<input\b[^>]*\bchecked\b[^>]*>", re.IGNORECASE)
_CHECKBOX_HTML = re.compile(r"<input\b[^>]*>", re.IGNORECASE)
# Box glyphs other tools write, and the private-use code points Word gives symbol-font
# boxes (Wingdings, Wingdings 2) when their text is copied out.
_BOX_CHARS = {
    "☑": CHECKED,
    "✅": CHECKED,
    "■": CHECKED,
    "✓": CHECKED,
    "✔": CHECKED,
    "□": UNCHECKED,
    "\uf0fe": CHECKED,
    "\uf078": CHECKED,
    "\uf0fd": CHECKED,
    "\uf0fb": CHECKED,
    "\uf0fc": CHECKED,
    "\uf0a8": UNCHECKED,
    "\uf06f": UNCHECKED,
}
# A box an ANSI (Windows-1252) save turned into "?": a lone "?" before a label.
_LOST_BOX = re.compile(r"(?:^|(?<=[\t ]))\?(?=[ \t]*[^\W\d_])", re.MULTILINE)
_BOX_BRACKETS = re.compile(r"\[( |x|X)\](?=\s*\w)")
_HTML_BLOCK = re.compile(r"<(?:table|tr|td|th|p|div|br|li|h\d)\b", re.IGNORECASE)
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
    if "&lt;" in text and re.search(r"&lt;(?:input|table|tr|td|h\d|p)\b", text, re.IGNORECASE):
        text = html.unescape(text)  # a page saved with its markup escaped: read the markup
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
    if "?" in text and not any(box in text for box in BOX_GLYPHS):
        text = _LOST_BOX.sub(UNREADABLE, text)
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


MAX_FORM_BYTES = 8 * 2**20
"""Largest form accepted: a file of more bytes, or a text of more characters, is refused unread
(a retention form is a few kB; a .docx with pictures a few MB)."""

MAX_LINE_CHARS = 100_000
"""Longest line of a form's text accepted (a long note is a few thousand characters)."""


def form_lines(text: str, source: str = "<text>") -> list[str]:
    """The normalised lines of a form's text, refusing a text over :data:`MAX_FORM_BYTES` characters
    or a line over :data:`MAX_LINE_CHARS` with a :class:`FormParseError` naming the line."""
    if len(text) > MAX_FORM_BYTES:
        raise FormParseError(
            source,
            f"{len(text)} characters, over the limit of {MAX_FORM_BYTES} for "
            "one form; a retention form is a few kB",
        )
    lines = _normalise(text)
    for number, line in enumerate(lines, start=1):
        if len(line) > MAX_LINE_CHARS:
            raise FormParseError(
                source,
                f"line {number} is {len(line)} characters long, over the limit "
                f"of {MAX_LINE_CHARS} for a line of a form",
            )
    return lines


def read_form_file(path: Path) -> str:
    """The text of a form file (.docx or text), read at most :data:`MAX_FORM_BYTES`.

    Raises
    ------
    FormParseError
        Not a regular file (a FIFO or a device would block or never end), a
        dangling or looping symbolic link, no such file, unreadable, over the
        size limit, or not decodable.
    """
    if path.is_symlink() and not path.exists():
        try:
            path.resolve(strict=True)
        except FileNotFoundError:
            raise FormParseError(
                path.name, "a symbolic link to a file that does not exist (dangling); skipped"
            ) from None
        except (OSError, RuntimeError):
            pass
        raise FormParseError(path.name, "a symbolic link that loops (it never reaches a file); skipped")
    if not path.is_file():
        raise FormParseError(path.name, "not a regular file; skipped" if path.exists() else "no such file")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FORM_BYTES + 1)  # not the stat's size: a file may grow while read
    except OSError as exc:
        raise FormParseError(path.name, f"cannot read the file ({exc.strerror})") from None
    if len(data) > MAX_FORM_BYTES:
        raise FormParseError(
            path.name,
            f"over the limit of {MAX_FORM_BYTES} bytes for one form file; a retention form is a few kB",
        )
    if path.suffix.lower() == ".docx" or data.startswith(b"PK\x03\x04"):
        return docx_text(data, path.name)
    return decode_form_bytes(data, path.name)


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
                raise FormParseError(
                    source, f"invalid {codec} text ({exc.reason} at byte {exc.start}); save the form as UTF-8"
                ) from None
    if b"\x00" in data[:4096]:
        raise FormParseError(source, "binary content (NUL bytes): not a text form")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        if TITLE_RE.search(fold(text[:2000])) and "\ufffd" not in text:
            return text
        raise FormParseError(
            source,
            f"not UTF-8 text (invalid byte at offset {exc.start}) and not a recognisable "
            "Windows-1252 form; save the form as UTF-8",
        ) from None


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_DOCX_XML = 50 * 2**20
"""Most bytes a .docx form's ``word/document.xml`` may inflate to (a form's is kilobytes)."""


_W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"
_FALSE = frozenset({"0", "false", "off"})
# Symbol-font boxes (w:sym w:char): ticked and empty boxes of Wingdings, Wingdings 2,
# Segoe UI Symbol and MS Gothic. Any other symbol in a box's place is unreadable.
_SYM_TICKED = frozenset(
    {
        "F0FE",
        "F078",
        "F0FD",
        "F0FB",
        "F0FC",
        "F053",
        "F054",
        "F052",
        "F050",
        "2612",
        "2611",
        "2713",
        "2714",
        "2718",
        "2717",
    }
)
_SYM_EMPTY = frozenset({"F0A8", "F06F", "F071", "F0A3", "F0A1", "F030", "2610", "25A1"})


def _on(element: ElementTree.Element | None, attribute: str, absent: bool) -> bool:
    """An OOXML on/off property: present without a value means on."""
    if element is None:
        return absent
    return element.get(attribute, "1").strip().lower() not in _FALSE


def _legacy_box(checkbox: ElementTree.Element) -> str:
    """A ``FORMCHECKBOX`` field: ``w:checked`` decides, else ``w:default`` (Word's own rule)."""
    checked = checkbox.find(_W + "checked")
    if checked is not None:
        return CHECKED if _on(checked, _W + "val", True) else UNCHECKED
    return CHECKED if _on(checkbox.find(_W + "default"), _W + "val", False) else UNCHECKED


def _sym_box(sym: ElementTree.Element) -> str:
    code = (sym.get(_W + "char") or "").upper().removeprefix("0X")
    if code in _SYM_TICKED:
        return CHECKED
    if code in _SYM_EMPTY:
        return UNCHECKED
    return UNREADABLE


def _inline_text(element: ElementTree.Element, parts: list[str]) -> None:
    """Text of a paragraph's runs, with Word's check boxes as ☐/☒ (⍰ when unreadable)."""
    for child in element:
        tag = child.tag
        if tag == _W + "t":
            parts.append(child.text or "")
        elif tag == _W + "tab":
            parts.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            parts.append("\n")
        elif tag == _W + "sym":
            parts.append(_sym_box(child) + " ")
        elif tag == _W + "fldChar":
            checkbox = child.find(f"{_W}ffData/{_W}checkBox")
            if checkbox is not None:
                parts.append(_legacy_box(checkbox) + " ")
        elif tag == _W + "sdt":
            checkbox = child.find(f"{_W}sdtPr/{_W14}checkbox")
            if checkbox is None:
                content = child.find(_W + "sdtContent")
                _inline_text(child if content is None else content, parts)
            else:  # a content-control box: its state, not the glyph it happens to show
                state = _on(checkbox.find(_W14 + "checked"), _W14 + "val", False)
                parts.append((CHECKED if state else UNCHECKED) + " ")
        elif tag not in (_W + "instrText", _W + "delText", _W + "rPr", _W + "pPr", _W + "sdtPr"):
            _inline_text(child, parts)


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts: list[str] = []
    _inline_text(paragraph, parts)
    return "".join(parts)


def _docx_blocks(parent: ElementTree.Element) -> Iterator[str]:
    """Lines of a body (or content control): paragraphs, and table rows as tab-separated cells."""
    for element in parent:
        if element.tag == _W + "p":
            yield _paragraph_text(element)
        elif element.tag == _W + "tbl":
            for row in element.iter(_W + "tr"):
                cells = [
                    " ".join(_paragraph_text(p) for p in cell.findall(_W + "p")).strip()
                    for cell in row.findall(_W + "tc")
                ]
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
    loading the whole document model with python-docx took fifteen. The XML is
    inflated counting bytes (:func:`~churnlab.io.archive.read_member`): at most
    :data:`MAX_DOCX_XML`, and never more than the archive's header declares.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as archive:
            xml = read_member(archive, "word/document.xml", MAX_DOCX_XML)
        root = ElementTree.fromstring(xml)
    except ArchiveLimitError as exc:
        raise FormParseError(source, f"refused as a .docx form: {exc} (a form's text is kilobytes)") from None
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, OSError, ValueError) as exc:
        raise FormParseError(source, f"not a readable .docx file ({exc})") from None
    body = root.find(_W + "body")
    return "\n".join(_docx_blocks(body)) if body is not None else ""
