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
from churnlab.io.text import fold
from churnlab.io.vocabulary import _TITLE_RE, CHECKED, UNCHECKED

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
