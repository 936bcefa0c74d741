"""What churnlab's self-contained HTML pages share: their content policy and inline images."""

from __future__ import annotations

import base64
import io

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'"
"""The pages' Content-Security-Policy: nothing is loaded from anywhere, images are inline."""


def png_base64(fig) -> str:
    """A matplotlib figure as base64 PNG, for an ``<img src="data:image/png;base64,...">``."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")
