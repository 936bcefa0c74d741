"""What the ``churnlab`` commands share: messages on stderr, the failure exit, common options."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from churnlab.logs import printable

if TYPE_CHECKING:  # the CLI starts without pandas; the commands import it when they run
    import pandas as pd


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

StoreIn = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="CHURNLAB_STORE",
        help="The case store: a SQLite file path or a SQLAlchemy URL (default: $CHURNLAB_STORE).",
    ),
]
"""The ``--store`` option of the commands that read the case store (``report``, ``monitor``)."""

Language = Annotated[str, typer.Option("--lang", help="'pt' (Brazilian Portuguese) or 'en'.")]
"""The ``--lang`` option of the pages for people."""

CompleteThrough = Annotated[
    str | None,
    typer.Option(
        "--complete-through",
        metavar="MM/YYYY",
        help="The last production month complete in the network files (default: measured; "
        "later months are left out).",
    ),
]
"""The ``--complete-through`` option of ``train`` and ``network``."""

Scheduler = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        envvar="CHURNLAB_DASK_SCHEDULER",
        metavar="ADDRESS|local:N",
        help="Read and check the big files, and score the network's dentists, on a Dask cluster: "
        "a scheduler's address (tcp://host:8786) or local:N for N local worker processes (default: "
        "$CHURNLAB_DASK_SCHEDULER; none: this process). The workers must read the same paths. "
        "Needs pip install 'churnlab[dask]'.",
    ),
]
"""The ``--scheduler`` option of ``network`` and ``score``."""

DRIFT_EXIT = 4
"""Exit status of ``score`` and ``network`` with ``--fail-on-drift`` when an input drifted."""

FailOnDrift = Annotated[
    bool,
    typer.Option(
        "--fail-on-drift",
        help=f"Exit with status {DRIFT_EXIT} (after writing every output) when an input no longer looks "
        "like what the model was trained on (named on stderr either way).",
    ),
]
"""The ``--fail-on-drift`` option of ``score`` and ``network``."""


def report_drift(drift: pd.DataFrame | None) -> bool:
    """Say one line per drifted input (or that the model cannot tell); whether any drifted."""
    from churnlab.features.drift import drift_lines

    if drift is None:
        say("input drift: not checked (the model card has no training profile: retrain to check it)")
        return False
    for line in drift_lines(drift):
        say(line)
    return bool(drift["drifted"].any())
