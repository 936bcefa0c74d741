"""What the ``churnlab`` commands share: messages on stderr, the failure exit, common options."""

from __future__ import annotations

from typing import Annotated

import typer

from churnlab.logs import printable


def say(message: str) -> None:
    """Print ``churnlab: <message>`` on stderr, control characters escaped: no name can forge a line."""
    typer.echo(f"churnlab: {printable(message)}", err=True)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Say ``message`` and return the exit to raise (status 2 by default: a usage or data error)."""
    say(message)
    return typer.Exit(code)


MODEL_DIR_HELP = "Model folder (default: the bundled models/default)."
"""Help of every ``--model`` option."""

RecordIn = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="CHURNLAB_STORE",
        help="Case store to record the open cases' offers and the folder's "
        "closed cases in: a SQLite file path or a SQLAlchemy URL (default: $CHURNLAB_STORE; none: nothing "
        "recorded).",
    ),
]
"""The ``--store`` option of the commands that record offers (``score``, ``worklist``)."""

Explore = Annotated[
    float,
    typer.Option(
        "--explore",
        min=0.0,
        max=1.0,
        help="Share of open cases offered a random eligible action instead of "
        "the best (logged with its probability; marked in the worklist and in scores.csv's explored), so "
        "every action stays learnable. 0.1 is a good start.",
    ),
]
"""The ``--explore`` option: the share of open cases offered a random eligible action."""
