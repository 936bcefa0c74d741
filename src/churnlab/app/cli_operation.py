"""``churnlab monitor``: the model in operation, judged on the cases closed since it was trained."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from churnlab.app.cli_support import DRIFT_EXIT, MODEL_DIR_HELP, Language, StoreIn, fail, say
from churnlab.errors import ChurnlabError


def monitor(
    out: Annotated[
        Path,
        typer.Option("--out", "-o", help="monitor.html to write (a .json file: the same figures for jobs)."),
    ],
    store: StoreIn = None,
    model: Annotated[Path | None, typer.Option("--model", "-m", help=MODEL_DIR_HELP)] = None,
    lang: Language = "pt",
    fail_on_decay: Annotated[
        bool,
        typer.Option(
            "--fail-on-decay",
            help=f"Exit with status {DRIFT_EXIT} (after writing OUT) when a month fell behind the "
            "model card beyond chance or the latest run's inputs drifted.",
        ),
    ] = False,
) -> None:
    """Is the model still as good as its card says? Decay, input drift and the loop's value by month.

    The risk model's AUC, Brier score and calibration on the cases closed each
    month against the card's held-out figures (with intervals; a month behind
    them beyond chance is flagged), the inputs each scoring run found drifted,
    and the doubly-robust retention of churnlab's policy. Exit status: 0, 2 on
    a usage, model or case-store error, 4 with ``--fail-on-decay`` when the
    model decayed or drifted.
    """
    from churnlab.app.monitor import write_monitor
    from churnlab.i18n import LANGUAGES
    from churnlab.models.persistence import load_model
    from churnlab.store import open_store

    if lang not in LANGUAGES:
        raise fail(f"--lang {lang}: choose one of {', '.join(LANGUAGES)}")
    try:
        result = write_monitor(open_store(store, create=False), load_model(model), out, lang=lang)
    except ChurnlabError as exc:
        raise fail(str(exc)) from None
    months = len(result.decay)
    behind = list(result.decay.loc[result.decay["decayed"], "month"])
    say(
        f"{months} month(s) of closed cases; "
        + (f"behind the model card in {', '.join(behind)}" if behind else "none behind the model card")
        + (f"; latest run's drifted inputs: {', '.join(result.drifted)}" if result.drifted else "")
        + f"; wrote {out}"
    )
    if fail_on_decay and (behind or result.drifted):
        raise typer.Exit(DRIFT_EXIT)
