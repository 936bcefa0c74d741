"""``churnlab worklist`` and ``report``: what the retention team reads, and how its offers fared."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from churnlab.app.cli_support import MODEL_DIR_HELP, Explore, Language, RecordIn, StoreIn, fail, say
from churnlab.errors import ChurnlabError


def worklist(
    data_dir: Annotated[Path, typer.Argument(help="Data folder: forms/, optional glosas.csv.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="worklist.html (a .csv is written beside it), or a .csv path alone."
        ),
    ],
    model: Annotated[Path | None, typer.Option("--model", "-m", help=MODEL_DIR_HELP)] = None,
    title: Annotated[
        str | None,
        typer.Option(
            "--title", help="Page title (default 'Lista de retenção'; 'Retention worklist' in English)."
        ),
    ] = None,
    pseudonymize: Annotated[
        bool,
        typer.Option(
            "--pseudonymize", help="Show dentists as keyed pseudonyms (key from CHURNLAB_ANON_KEY)."
        ),
    ] = False,
    csv_style: Annotated[
        str,
        typer.Option(
            "--csv",
            help="CSV style: 'excel-br' (default: ';', decimal comma, Sim/Não, UTF-8 BOM, values "
            "as on the page: opens as columns in a Brazilian Excel) or 'plain' (',', decimal point, "
            "True/False, full precision: for programs).",
        ),
    ] = "excel-br",
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="Language of the page, the headers and the reasons: 'pt' (Brazilian Portuguese) or 'en'.",
        ),
    ] = "pt",
    store: RecordIn = None,
    explore: Explore = 0.0,
) -> None:
    """Write the retention leads' worklist: open cases ranked by expected gain, with a budget chart.

    When the folder has the network files (and the model a network model), a
    second list follows: active dentists who have not asked to leave, ranked
    by expected loss over the next 90 days (all of them in ``*_network.csv``).

    With ``--pseudonymize`` the page names each dentist by the same keyed
    pseudonym ``churnlab anonymize`` gives (for sharing the page beyond the
    team that makes the calls). With ``--store`` the offers are recorded as a
    scoring run and the folder's closed cases as outcomes, for ``churnlab
    report``. Exit status: 0 when every form was read, 1 when some were
    unreadable (the worklist still lists all the others), 2 on a usage,
    data-folder or case-store error.
    """
    from churnlab.app.spreadsheet import CSV_STYLES
    from churnlab.app.worklist import make_worklist
    from churnlab.i18n import LANGUAGES
    from churnlab.models.persistence import load_model
    from churnlab.store import open_store

    if csv_style not in CSV_STYLES:
        raise fail(f"--csv {csv_style}: choose one of {', '.join(CSV_STYLES)}")
    if lang not in LANGUAGES:
        raise fail(f"--lang {lang}: choose one of {', '.join(LANGUAGES)}")
    try:
        loaded = load_model(model)
        target = open_store(store) if store else None
        run = make_worklist(
            data_dir,
            loaded,
            out,
            explore=explore,
            store=target,
            pseudonymize=pseudonymize,
            title=title,
            csv_style=csv_style,
            lang=lang,
        )
    except ChurnlabError as exc:
        raise fail(str(exc)) from None
    written, scores = run.out, run.scores
    for name, reason in run.failures:
        say(f"skipped {name}: {reason}")
    also = (
        ""
        if written.suffix.lower() == ".csv"
        else f", {written.with_suffix('.csv')} and {written.with_suffix('.xlsx')}"
    )
    say(f"{len(scores)} open cases listed in {written}{also}")
    if run.network is not None:
        say(
            f"{len(run.network)} active dentists not yet asked, by expected loss, in "
            f"{written.with_name(written.stem + '_network.csv')}",
        )
    if explore:
        say(
            f"{int(scores['explored'].sum())} of {len(scores)} open cases offered a random "
            f"action (exploration {explore:g})"
            + ("" if store else "; without --store their probabilities are not recorded for the report"),
        )
    if run.recorded is not None:
        say(f"case store: {run.recorded}")
    if run.failures:
        raise typer.Exit(1)


def report(
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            "-o",
            help="report.html to write (beside it: report.csv, the months; report.json, every number).",
        ),
    ],
    store: StoreIn = None,
    lang: Language = "pt",
) -> None:
    """Judge the recommendations recorded in the case store against what happened to the cases.

    For the cases churnlab made an offer on and that have closed since:
    retention where the offer was followed and where it was not, and the
    doubly-robust value of offering churnlab's best action against offering
    nothing special and against what was done, with 95 % intervals, per action
    and per month. Exit status: 0, or 2 on a usage or case-store error.
    """
    from churnlab.app.report import write_report
    from churnlab.i18n import LANGUAGES
    from churnlab.store import open_store

    if lang not in LANGUAGES:
        raise fail(f"--lang {lang}: choose one of {', '.join(LANGUAGES)}")
    try:
        result = write_report(open_store(store, create=False), out, lang=lang)
    except ChurnlabError as exc:
        raise fail(str(exc)) from None
    value = result.churnlab
    reais = result.churnlab_reais
    in_reais = (
        (
            f"; in R$ per case {reais.value:,.0f} [{reais.low:,.0f}, {reais.high:,.0f}] vs "
            f"{result.practice_reais.value:,.0f}"
        )
        if reais.n
        else ""
    )
    judged = (
        (
            f"churnlab's policy {value.value:.1%} [{value.low:.1%}, {value.high:.1%}] vs what was done "
            f"{result.practice.value:.1%}{in_reais}"
        )
        if result.closed
        else "nothing to judge yet"
    )
    say(
        f"{result.closed} of {result.recommended} recommended cases closed; {judged}; wrote {out}",
    )
