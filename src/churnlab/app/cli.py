"""The ``churnlab`` command line: thin shells over the functions notebooks call.

Exit status, for every command: 0 all went well; 1 some inputs were rejected
(the rest was processed and the rejects reported); 2 a usage or data error
(nothing done, the message says why); 3 an internal error (a bug: one line on
stderr, the traceback with ``churnlab --debug ...``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from churnlab.errors import ChurnlabError
from churnlab.io.batch import form_paths, iter_forms
from churnlab.logs import printable


class _Guarded(TyperGroup):
    """Runs a command so that no traceback reaches the user (``--debug`` shows it)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except _click_flow(ctx):  # usage errors and exits: click reports them (exit 2) or they end the run
            raise
        except ChurnlabError as exc:
            _say(str(exc))
            raise typer.Exit(2) from None
        except OSError as exc:  # an output that cannot be written, a disk that is full
            if ctx.meta.get("churnlab.debug"):
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            _say(f"{where}{exc.strerror or exc}")
            raise typer.Exit(2) from None
        except Exception as exc:
            if ctx.meta.get("churnlab.debug"):
                raise
            _say(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
            raise typer.Exit(3) from None


def _click_flow(ctx) -> tuple[type[BaseException], ...]:
    """Click's own exits and usage errors, from the click that runs ``ctx``.

    Typer 0.29 ships its own copy of click (``typer._click``) and older typers use the
    ``click`` package: the classes are taken from the module the context comes from, so
    a usage error is click's (exit 2, with its message) whichever it is, never "internal".
    """
    exceptions = sys.modules[type(ctx).__module__.rpartition(".")[0] + ".exceptions"]
    found = (getattr(exceptions, name, None) for name in ("Exit", "ClickException", "Abort"))
    return (typer.Exit, *(kind for kind in found if kind is not None))


app = typer.Typer(
    cls=_Guarded,
    help="Dismissal risk and retention actions for a dental health-plan network.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an internal error.")] = False,
) -> None:
    """Dismissal risk and retention actions for a dental health-plan network.

    Exit status: 0 ok; 1 some inputs rejected (the rest processed); 2 usage or
    data error; 3 internal error (run with --debug for the traceback).
    """
    ctx.meta["churnlab.debug"] = debug


def _say(message: str) -> None:
    """Print ``churnlab: <message>`` on stderr, control characters escaped: no name can forge a line."""
    typer.echo(f"churnlab: {printable(message)}", err=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    _say(message)
    return typer.Exit(code)


@app.command()
def parse(
    paths: Annotated[list[Path], typer.Argument(help="Form files or folders of forms.")],
    anonymize: Annotated[
        bool, typer.Option("--anonymize", help="Emit pseudonymised records (key from CHURNLAB_ANON_KEY).")
    ] = False,
    summary: Annotated[
        bool,
        typer.Option(
            "--summary", help="Print only counts: forms parsed, refused by reason, with warnings by warning."
        ),
    ] = False,
) -> None:
    """Print one JSON object per form (JSON Lines); report unreadable files and warnings on stderr."""
    from churnlab.app.parse_summary import ParseSummary

    pseudonymizer = None
    if anonymize:
        from churnlab.privacy.anonymize import anonymize_case
        from churnlab.privacy.pseudonymizer import Pseudonymizer

        try:
            pseudonymizer = Pseudonymizer.from_env()
        except ChurnlabError as exc:
            raise _fail(str(exc)) from None
    tally = ParseSummary()
    for _, result in iter_forms(form_paths(paths)):
        tally.add(result)
        if summary:
            continue
        if isinstance(result, ChurnlabError):
            _say(str(result))
            continue
        for warning in result.warnings:
            _say(f"{result.source}: warning: {warning}")
        if pseudonymizer is not None:
            result = anonymize_case(result, pseudonymizer)
        sys.stdout.write(json.dumps(result.to_json_dict(), ensure_ascii=False) + "\n")
    if summary:
        for line in tally.lines():
            typer.echo(line)
    if tally.refused:
        raise typer.Exit(1)


@app.command()
def anonymize(
    paths: Annotated[list[Path], typer.Argument(help="Text forms (.txt/.md/.html) or folders of them.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the pseudonymised copies.")],
) -> None:
    """Write pseudonymised copies of forms: CPF, CNPJ, names, phones and protocols replaced.

    The HMAC key comes from CHURNLAB_ANON_KEY or the file named by
    CHURNLAB_ANON_KEY_FILE; the same key gives the same pseudonyms, so records still join.
    """
    from churnlab.privacy.anonymize import anonymize_file
    from churnlab.privacy.pseudonymizer import Pseudonymizer

    try:
        pseudonymizer = Pseudonymizer.from_env()
    except ChurnlabError as exc:
        raise _fail(str(exc)) from None
    failed = 0
    for path in form_paths(paths):
        try:
            written = anonymize_file(path, out, pseudonymizer)
        except ChurnlabError as exc:
            failed += 1
            _say(str(exc))
            continue
        typer.echo(str(written))
    if failed:
        raise typer.Exit(1)


@app.command()
def synth(
    out_dir: Annotated[Path, typer.Argument(help="Data folder to write (forms/, glosas.csv, truth.csv).")],
    n_cases: Annotated[int, typer.Option("--n-cases", min=1, help="Number of cases.")] = 500,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: same seed, same data.")] = 0,
    open_share: Annotated[
        float, typer.Option("--open-share", min=0.0, max=1.0, help="Share of cases still open.")
    ] = 0.2,
) -> None:
    """Generate synthetic retention cases with known truth (not a stand-in for real history)."""
    from churnlab.synthetic.generator import generate
    from churnlab.synthetic.writer import write_dataset

    data = generate(n_cases, seed=seed, open_share=open_share)
    path = write_dataset(data, out_dir, seed=seed)
    typer.echo(f"wrote {n_cases} cases to {path}")


@app.command()
def train(
    data_dir: Annotated[Path, typer.Argument(help="Data folder: forms/ and optionally glosas.csv.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Model folder to write.")],
    seed: Annotated[int, typer.Option("--seed", help="Random seed (same data and seed, same model).")] = 0,
    uncertainty: Annotated[
        int,
        typer.Option(
            "--uncertainty",
            min=0,
            help="Bootstrap refits for uplift intervals (uplift_low/high in "
            "scores); 0 for none, 20 or more to use them.",
        ),
    ] = 0,
    min_confidence: Annotated[
        float | None,
        typer.Option(
            "--min-confidence",
            min=0.5,
            max=0.99,
            help="Recommend an action only when its uplift "
            "interval at this level lies above 0 (needs --uncertainty 20 or more).",
        ),
    ] = None,
) -> None:
    """Fit the risk model and the action recommender on the closed cases; write model + card."""
    from churnlab.app.training import train_model
    from churnlab.models.persistence import save_model

    if out.exists() and not out.is_dir():
        raise _fail(f"--out {out}: exists and is not a folder; give a folder for the model")
    try:
        model = train_model(
            data_dir, random_state=seed, progress=True, n_bootstrap=uncertainty, min_confidence=min_confidence
        )
    except ChurnlabError as exc:
        raise _fail(str(exc)) from None
    save_model(model, out)
    metrics = model.card["risk_holdout_metrics"]["churnlab risk model"]
    typer.echo(
        f"trained on {model.card['data']['closed_cases']} closed cases; held-out AUC "
        f"{metrics['auc']:.3f}, Brier {metrics['brier']:.3f}; "
        f"recommender: {model.card['recommender']['learner']}; wrote {out}",
        err=True,
    )
    for failure in model.card["data"]["forms_failed"] + model.card["data"]["glosa_rows_rejected"]:
        _say(f"skipped {failure}")
    unreadable = model.card["data"].get("closed_cases_unreadable", 0)
    if unreadable:
        typer.echo(
            f"churnlab: warning: {unreadable} closed-looking cases left out of training: their "
            "status or action boxes could not be read (see `churnlab parse --summary`)",
            err=True,
        )
    for warning in model.card["warnings"]:
        _say(f"warning: {warning}")
    network = model.card.get("network")
    if network and "not_trained" in network:
        _say(f"warning: no network model: {network['not_trained']}")
    elif network:
        backtest = network["backtest"]
        auc = backtest["metrics"]["churnlab network model"]["AUC"] if isinstance(backtest, dict) else None
        measured = (
            f"backtest AUC {auc:.3f} on {backtest['dentists']} dentists from {backtest['cutoff']}"
            if isinstance(auc, float)
            else backtest
            if isinstance(backtest, str)
            else "backtest AUC not measurable (nobody left in its 90 days)"
        )
        typer.echo(
            f"network model: {network['dentists']} dentists, {network['dentists_with_event']} asked "
            f"to leave or left; {measured}",
            err=True,
        )
    for problem in (network or {}).get("problems", []):
        _say(f"network: {problem}")


@app.command()
def score(
    data_dir: Annotated[Path, typer.Argument(help="Data folder: forms/ and optionally glosas.csv.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Scores CSV to write.")],
    model: Annotated[
        Path | None, typer.Option("--model", "-m", help="Model folder (default: the bundled models/default).")
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option("--rejects", help="CSV listing unreadable forms (default: OUT_rejects.csv)."),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Parsing processes (default: all cores).")
    ] = None,
    store: _RecordIn = None,
    explore: _Explore = 0.0,
) -> None:
    """Score every form, closed or open, into a CSV ordered by priority for the retention team.

    The open cases get ``offered_action``, ``explored`` and ``offer_probability``
    (the best action unless ``--explore`` drew another); with ``--store`` they
    are recorded as a scoring run and the closed cases as outcomes, for
    ``churnlab report``. Exit status: 0 when every form was scored, 1 when some
    were rejected (the scores file still holds all the others), 2 on a usage,
    data-folder or case-store error.
    """
    from churnlab.app.desk import record_desk
    from churnlab.app.scoring import score_folder
    from churnlab.models.persistence import load_model
    from churnlab.store import open_store

    if out.is_dir():
        raise _fail(f"--out {out}: is a folder; give the scores file, e.g. {out / 'scores.csv'}")
    try:
        loaded = load_model(model)
        target = open_store(store) if store else None  # a bad store fails before the long run
        summary = score_folder(
            data_dir, loaded, out, rejects=rejects, progress=True, jobs=jobs, explore=explore
        )
        recorded = record_desk(target, summary.scores, summary.outcomes, loaded, explore) if target else None
    except ChurnlabError as exc:
        raise _fail(str(exc)) from None
    _say(str(summary))
    if recorded is not None:
        _say(f"case store: {recorded}")
    if summary.rejected:
        raise typer.Exit(1)


_MODEL_DIR_HELP = "Model folder (default: the bundled models/default)."
_RecordIn = Annotated[
    str | None,
    typer.Option(
        "--store",
        envvar="CHURNLAB_STORE",
        help="Case store to record the open cases' offers and the folder's "
        "closed cases in: a SQLite file path or a SQLAlchemy URL (default: $CHURNLAB_STORE; none: nothing "
        "recorded).",
    ),
]
_Explore = Annotated[
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


@app.command()
def network(
    data_dir: Annotated[
        Path,
        typer.Argument(help="Data folder: roster.csv, production.csv, optionally glosas.csv and forms/."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="network_scores.csv to write.")],
    model: Annotated[Path | None, typer.Option("--model", "-m", help=_MODEL_DIR_HELP)] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Score the dentists active on this date (YYYY-MM-DD), from what is dated on or "
            "before it (default: the end of the production data).",
        ),
    ] = None,
    pseudonymize: Annotated[
        bool,
        typer.Option(
            "--pseudonymize", help="Name dentists by keyed pseudonyms (key from CHURNLAB_ANON_KEY)."
        ),
    ] = False,
) -> None:
    """Score every active dentist's risk of asking to leave within 30/90/180 days.

    The files it reads: 'Network files' (docs/concepts/contracts/network-files.md).

    Rows are ordered by expected loss (90-day risk × the dentist's value).
    Exit status: 0 when every row of the files was read, 1 when some were
    rejected (listed on stderr; the scores hold all the others), 2 on a usage
    or data error.
    """
    from churnlab.app.network_scoring import score_network
    from churnlab.app.scoring import for_people
    from churnlab.io.csv_writer import write_csv
    from churnlab.models.persistence import load_model
    from churnlab.privacy.pseudonymizer import Pseudonymizer

    if out.is_dir():
        raise _fail(f"--out {out}: is a folder; give the scores file, e.g. {out / 'network_scores.csv'}")
    try:
        scores = score_network(data_dir, load_model(model), as_of=as_of)
        if pseudonymize:
            scores["name"] = Pseudonymizer.from_env().names(scores["name"])
    except ChurnlabError as exc:
        raise _fail(str(exc)) from None
    write_csv(for_people(scores), out)
    for problem in scores.attrs["problems"]:
        _say(str(problem))
    typer.echo(
        f"churnlab: scored {len(scores)} active dentists as of {scores.attrs['as_of']}; wrote {out}", err=True
    )
    if scores.attrs["rejected_rows"]:
        raise typer.Exit(1)


@app.command()
def serve(
    model: Annotated[Path | None, typer.Option("--model", "-m", help=_MODEL_DIR_HELP)] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes (one per core).")] = 1,
    token_file: Annotated[
        Path | None,
        typer.Option(
            "--token-file",
            help="File holding the API token (else CHURNLAB_API_TOKEN); "
            "then every endpoint but /health wants 'Authorization: Bearer <token>'.",
        ),
    ] = None,
) -> None:
    """Serve scores over HTTP: POST /score, POST /score/batch, GET /health, GET /model, /docs."""
    import logging

    try:
        import fastapi  # noqa: F401 - both come with the serve extra
        import uvicorn  # noqa: F401

        from churnlab.app.service import server
    except ImportError as exc:
        raise _fail(
            f"the HTTP service needs the 'serve' extra ({exc.name} is missing): pip install 'churnlab[serve]'"
        ) from None
    from churnlab.models.persistence import load_model

    try:
        token = server.read_token(token_file)
        loaded = load_model(model)  # a bad model folder is refused here, before any worker starts
    except (ChurnlabError, ValueError) as exc:
        raise _fail(str(exc)) from None
    logging.getLogger("churnlab.service").setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if token is None and host not in ("127.0.0.1", "localhost", "::1"):
        typer.echo(
            f"churnlab: warning: serving on {host} without a token; anyone who reaches the "
            "port can score and read the model card (see --token-file)",
            err=True,
        )
    server.run(model, host, port, workers=workers, token=token, loaded=loaded)


@app.command()
def worklist(
    data_dir: Annotated[Path, typer.Argument(help="Data folder: forms/, optional glosas.csv.")],
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="worklist.html (a .csv is written beside it), or a .csv path alone."
        ),
    ],
    model: Annotated[Path | None, typer.Option("--model", "-m", help=_MODEL_DIR_HELP)] = None,
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
            help="CSV style: 'plain' (',' and decimal point) or 'excel-br' (';', decimal comma, "
            "UTF-8 BOM: opens as columns in a Brazilian Excel).",
        ),
    ] = "plain",
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="Language of the page, the headers and the reasons: 'pt' (Brazilian Portuguese) or 'en'.",
        ),
    ] = "pt",
    store: _RecordIn = None,
    explore: _Explore = 0.0,
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
        raise _fail(f"--csv {csv_style}: choose one of {', '.join(CSV_STYLES)}")
    if lang not in LANGUAGES:
        raise _fail(f"--lang {lang}: choose one of {', '.join(LANGUAGES)}")
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
        raise _fail(str(exc)) from None
    written, scores = run.out, run.scores
    for name, reason in run.failures:
        _say(f"skipped {name}: {reason}")
    also = (
        ""
        if written.suffix.lower() == ".csv"
        else f", {written.with_suffix('.csv')} and {written.with_suffix('.xlsx')}"
    )
    _say(f"{len(scores)} open cases listed in {written}{also}")
    if run.network is not None:
        typer.echo(
            f"churnlab: {len(run.network)} active dentists not yet asked, by expected loss, in "
            f"{written.with_name(written.stem + '_network.csv')}",
            err=True,
        )
    if explore:
        typer.echo(
            f"churnlab: {int(scores['explored'].sum())} of {len(scores)} open cases offered a random "
            f"action (exploration {explore:g})"
            + ("" if store else "; without --store their probabilities are not recorded for the report"),
            err=True,
        )
    if run.recorded is not None:
        _say(f"case store: {run.recorded}")
    if run.failures:
        raise typer.Exit(1)


@app.command()
def report(
    out: Annotated[
        Path,
        typer.Option(
            "--out", "-o", help="report.html to write (its monthly numbers go to report.csv beside it)."
        ),
    ],
    store: Annotated[
        str | None,
        typer.Option(
            "--store",
            envvar="CHURNLAB_STORE",
            help="The case store: a SQLite file path or a SQLAlchemy URL (default: $CHURNLAB_STORE).",
        ),
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="'pt' (Brazilian Portuguese) or 'en'.")] = "pt",
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
        raise _fail(f"--lang {lang}: choose one of {', '.join(LANGUAGES)}")
    try:
        result = write_report(open_store(store, create=False), out, lang=lang)
    except ChurnlabError as exc:
        raise _fail(str(exc)) from None
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
    typer.echo(
        f"churnlab: {result.closed} of {result.recommended} recommended cases closed; {judged}; wrote {out}",
        err=True,
    )


if __name__ == "__main__":  # pragma: no cover
    app()
