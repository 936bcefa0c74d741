"""What churnlab's self-contained HTML pages share: head, content policy, escaping, inline images."""

from __future__ import annotations

import base64
import html
import io
import math

from churnlab.i18n import say

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
"""The pages' Content-Security-Policy: nothing is loaded from anywhere, images are inline."""

BASE_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 1.5rem;
       color: #1f2933; max-width: 60rem; }
h1 { font-size: 1.4rem; }
.meta, .note { color: #52606d; }
.warn { color: #8d2b0b; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border-bottom: 1px solid #e4e7eb; padding: .35rem .6rem; text-align: left; }
th { background: #f5f7fa; }
td.num { text-align: right; white-space: nowrap; }
.chart img { max-width: 100%; height: auto; border: 1px solid #e4e7eb; }
"""
"""The stylesheet of the report and monitor pages, which each add their own rules after it."""


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
