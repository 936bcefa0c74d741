"""Word's own check boxes, as operators' forms hold them, for the synthetic ``.docx`` writer.

Real Word forms rarely carry ``☐``/``☒`` as text. They use one of three
controls, and the parser must read each (``churnlab.io.decode``):

- ``legacy`` — a legacy form field (``FORMCHECKBOX``): ``w:ffData/w:checkBox`` with
  ``w:checked`` or ``w:default``; the field carries no glyph text at all;
- ``content_control`` — a content-control box (``w14:checkbox``/``w14:checked``),
  whose shown glyph may disagree with its state;
- ``symbol`` — a symbol-font glyph (``w:sym``, Wingdings ``F0FE`` ticked, ``F0A8`` empty);
- ``text`` — the ``☐``/``☒`` characters themselves.
"""

from __future__ import annotations

import re
from itertools import count
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # python-docx is imported only when a .docx is written
    from docx.text.paragraph import Paragraph

BOX_KINDS: tuple[str, ...] = ("text", "legacy", "content_control", "symbol")

_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_W14 = 'xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml"'
_BOX = re.compile(r"([☐☒])\s*([^☐☒]*)")
_names = count(1)


def _box_xml(kind: str, ticked: bool) -> list[str]:
    """The run-level XML of one box (``w:r`` or inline ``w:sdt`` elements)."""
    if kind == "legacy":
        state = "<w:checked/>" if ticked else '<w:default w:val="0"/>'
        return [
            f'<w:r {_W}><w:fldChar w:fldCharType="begin"><w:ffData><w:name w:val="Check{next(_names)}"/>'
            f"<w:enabled/><w:checkBox><w:sizeAuto/>{state}</w:checkBox></w:ffData></w:fldChar></w:r>",
            f'<w:r {_W}><w:instrText xml:space="preserve"> FORMCHECKBOX </w:instrText></w:r>',
            f'<w:r {_W}><w:fldChar w:fldCharType="end"/></w:r>',
        ]
    if kind == "content_control":
        return [
            f'<w:sdt {_W} {_W14}><w:sdtPr><w14:checkbox><w14:checked w14:val="{int(ticked)}"/>'
            '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
            '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox></w:sdtPr>'
            f"<w:sdtContent><w:r><w:t>{'☒' if ticked else '☐'}</w:t></w:r></w:sdtContent></w:sdt>"
        ]
    if kind == "symbol":
        return [f'<w:r {_W}><w:sym w:font="Wingdings" w:char="{"F0FE" if ticked else "F0A8"}"/></w:r>']
    raise ValueError(f"unknown box kind {kind!r}; expected one of {BOX_KINDS}")


def write_box_line(paragraph: Paragraph, line: str, kind: str) -> None:
    """Fill a python-docx paragraph with ``line``, its ``☐``/``☒`` boxes written as ``kind``."""
    from docx.oxml import parse_xml

    first = _BOX.search(line)
    if kind == "text" or first is None:
        paragraph.add_run(line)
        return
    start = first.start()
    if start:
        paragraph.add_run(line[:start])
    for glyph, label in _BOX.findall(line[start:]):
        for xml in _box_xml(kind, glyph == "☒"):
            paragraph._p.append(parse_xml(xml))
        paragraph.add_run(" " + label)
