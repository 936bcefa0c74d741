"""What churnlab's self-contained HTML pages share: head, content policy, escaping, inline images."""

from __future__ import annotations

import base64
import html
import io
import math

from churnlab.i18n import say

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
"""The pages' Content-Security-Policy: nothing is loaded from anywhere, images are inline."""


def png_base64(fig) -> str:
    """A matplotlib figure as base64 PNG, for an ``<img src="data:image/png;base64,...">``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def text(value: object) -> str:
    """``value`` escaped for HTML; empty for None or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value))


def headings(*keys: str, lang: str) -> str:
    """``<th>`` cells of catalogue messages, in ``lang``."""
    return "".join(f"<th>{text(say(key, lang))}</th>" for key in keys)


def page_head(title: str, css: str, lang: str) -> list[str]:
    """The opening lines of a page: language, content policy, viewport, title, styles, heading."""
    return [
        "<!DOCTYPE html>",
        f'<html lang="{"pt-BR" if lang == "pt" else lang}"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{text(title)}</title><style>{css}</style></head><body>",
        f"<h1>{text(title)}</h1>",
    ]
