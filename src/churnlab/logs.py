"""Text from outside, made safe to print: control characters escaped in every log line and message.

A file name, a request path or a form field may hold a carriage return, a
line feed or a terminal escape. Written as is, ``/x%0a2026-12-03 ... INFO``
forges a log line and ``\\x1b[2J`` clears a terminal. :func:`printable` shows
each such character as its Python escape (``\\r``, ``\\n``, ``\\x1b``), and
every churnlab logger (:func:`get_logger`) passes its records through
:class:`EscapeControls`; the CLI's messages on stderr go through
:func:`printable` too.
"""

from __future__ import annotations

import logging
import re

__all__ = ["EscapeControls", "get_logger", "printable"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match[0]
    return _NAMED.get(char) or (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")


def printable(text: str) -> str:
    r"""``text`` with every control character (C0, DEL, C1, line/paragraph separators) escaped.

    Examples
    --------
    >>> printable("form\r\n2026-12-03 INFO forged.txt")
    'form\\r\\n2026-12-03 INFO forged.txt'
    >>> printable("São Paulo")
    'São Paulo'
    """
    return _CONTROL.sub(_escape, text) if _CONTROL.search(text) else text


class EscapeControls(logging.Filter):
    """A logging filter that writes each record's message with :func:`printable` (it drops nothing).

    The message is formatted once here (``msg % args``) and escaped, so no
    argument (a path, a file name) can start a new line in any handler's output.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        escaped = printable(message)
        if escaped != message or record.args:
            record.msg, record.args = escaped, None
        return True


_FILTER = EscapeControls()


def get_logger(name: str) -> logging.Logger:
    """The logger ``name`` with :class:`EscapeControls` attached (once): how churnlab gets its loggers."""
    logger = logging.getLogger(name)
    if not any(isinstance(f, EscapeControls) for f in logger.filters):
        logger.addFilter(_FILTER)
    return logger
