"""``churnlab train``, ``score``, ``network`` and ``serve``: the models fitted and put to work."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from churnlab.app.cli_support import (
    DRIFT_EXIT,
    MODEL_DIR_HELP,
    CompleteThrough,
    Explore,
    FailOnDrift,
    RecordIn,
    Scheduler,
    fail,
    report_drift,
    say,
)
from churnlab.errors import ChurnlabError


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
    challenge: Annotated[
        Path | None,
        typer.Option(
            "--challenge",
            help="Model folder in use (the champion): judge the new model against it on the most "
            "recent closed cases neither saw in fitting; the verdict goes in OUT's card. Promoting is "
            "a copy you make.",
        ),
    ] = None,
    complete_through: CompleteThrough = None,
) -> None:
    """Fit the risk model and the action recommender on the closed cases; write model + card."""
    from churnlab.app.challenge import challenge as judge
    from churnlab.app.training import train_model
    from churnlab.io.folder import load_data_dir
    from churnlab.models.persistence import load_model, save_model

    if out.exists() and not out.is_dir():
        raise fail(f"--out {out}: exists and is not a folder; give a folder for the model")
    try:
        champion = load_model(challenge) if challenge else None  # a bad folder fails before the long fit
        model = train_model(
            data_dir,
            random_state=seed,
            progress=True,
            n_bootstrap=uncertainty,
            min_confidence=min_confidence,
            complete_through=complete_through,
        )
        if champion is not None:
            model.card["challenge"] = judge(load_data_dir(data_dir), champion, random_state=seed)
    except ChurnlabError as exc:
        raise fail(str(exc)) from None
    save_model(model, out)
    metrics = model.card["risk_holdout_metrics"]["churnlab risk model"]
    typer.echo(
        f"trained on {model.card['data']['closed_cases']} closed cases; held-out AUC "
        f"{metrics['auc']:.3f}, Brier {metrics['brier']:.3f}; "
        f"recommender: {model.card['recommender']['learner']}; wrote {out}",
        err=True,
    )
    for failure in model.card["data"]["forms_failed"] + model.card["data"]["glosa_rows_rejected"]:
        say(f"skipped {failure}")
    unreadable = model.card["data"].get("closed_cases_unreadable", 0)
    if unreadable:
        say(
            f"warning: {unreadable} closed-looking cases left out of training: their "
            "status or action boxes could not be read (see `churnlab parse --summary`)",
        )
    for warning in model.card["warnings"]:
        say(f"warning: {warning}")
    network = model.card.get("network")
    if network and "not_trained" in network:
        say(f"warning: no network model: {network['not_trained']}")
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
        say(f"network: {network['tail']['message']}")
        if "fallback" in network:
            say(f"network: {network['fallback']}")
    for problem in (network or {}).get("problems", []):
        say(f"network: {problem}")
    verdict = model.card.get("challenge")
    if verdict:
        say(f"challenge: {_challenge_line(verdict)}")


def _challenge_line(verdict: dict) -> str:
    """The champion/challenger verdict in one line: figures, then what to do."""
    if "not_measured" in verdict:
        return f"not measured: {verdict['not_measured']}"
    auc, brier = verdict["metrics"]["auc"], verdict["metrics"]["brier"]
    held = verdict["holdout"]
    return (
        f"on {held['cases']} cases opened from {held['opened_from']}: AUC {auc['new']:.3f} vs "
        f"{auc['old']:.3f} (difference {auc['difference']:+.3f}, 90 % [{auc['low']:+.3f}, "
        f"{auc['high']:+.3f}]), Brier {brier['new']:.3f} vs {brier['old']:.3f}; {verdict['verdict']}"
    )


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
    store: RecordIn = None,
    explore: Explore = 0.0,
    fail_on_drift: FailOnDrift = False,
    scheduler: Scheduler = None,
) -> None:
    """Score every form, closed or open, into a CSV ordered by priority for the retention team.

    The open cases get ``offered_action``, ``explored`` and ``offer_probability``
    (the best action unless ``--explore`` drew another); with ``--store`` they
    are recorded as a scoring run and the closed cases as outcomes, for
    ``churnlab report``. Exit status: 0 when every form was scored, 1 when some
    were rejected (the scores file still holds all the others), 2 on a usage,
    data-folder or case-store error, 4 with ``--fail-on-drift`` when an input
    drifted from what the model was trained on.
    """
    from churnlab.app.desk import record_desk
    from churnlab.app.scoring import score_folder
    from churnlab.models.persistence import load_model
    from churnlab.store import open_store

    if out.is_dir():
        raise fail(f"--out {out}: is a folder; give the scores file, e.g. {out / 'scores.csv'}")
    try:
        loaded = load_model(model)
        target = open_store(store) if store else None  # a bad store fails before the long run
        summary = score_folder(
            data_dir,
            loaded,
            out,
            rejects=rejects,
            progress=True,
            jobs=jobs,
            explore=explore,
            scheduler=scheduler,
        )
        recorded = (
            record_desk(target, summary.scores, summary.outcomes, loaded, explore, drift=summary.drift)
            if target
            else None
        )
    except ChurnlabError as exc:
        raise fail(str(exc)) from None
    say(str(summary))
    if recorded is not None:
        say(f"case store: {recorded}")
    drifted = report_drift(summary.drift)
    if fail_on_drift and drifted:
        raise typer.Exit(DRIFT_EXIT)
    if summary.rejected:
        raise typer.Exit(1)


def network(
    data_dir: Annotated[
        Path,
        typer.Argument(help="Data folder: roster.csv, production.csv, optionally glosas.csv and forms/."),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="network_scores.csv to write.")],
    model: Annotated[Path | None, typer.Option("--model", "-m", help=MODEL_DIR_HELP)] = None,
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
    fail_on_drift: FailOnDrift = False,
    complete_through: CompleteThrough = None,
    scheduler: Scheduler = None,
) -> None:
    """Score every active dentist's risk of asking to leave within 30/90/180 days.

    The files it reads: 'Network files' (docs/concepts/contracts/network-files.md).

    Rows are ordered by expected loss (90-day risk × the dentist's value).
    Exit status: 0 when every row of the files was read, 1 when some were
    rejected (listed on stderr; the scores hold all the others), 2 on a usage
    or data error, 4 with ``--fail-on-drift`` when an input drifted from what the
    model was trained on.
    """
    import pandas

    from churnlab.app.network_scoring import score_network
    from churnlab.app.scoring import for_people
    from churnlab.io.csv_writer import write_csv
    from churnlab.privacy.pseudonymizer import Pseudonymizer

    if out.is_dir():
        raise fail(f"--out {out}: is a folder; give the scores file, e.g. {out / 'network_scores.csv'}")
    try:
        scores = score_network(
            data_dir,
            model,  # loaded beside the reading
            as_of=as_of,
            complete_through=complete_through,
            scheduler=scheduler,
            progress=True,
        )
        if pseudonymize:
            scores["name"] = Pseudonymizer.from_env().names(scores["name"])
    except ChurnlabError as exc:
        raise fail(str(exc)) from None
    write_csv(for_people(scores), out)
    for problem in scores.attrs["problems"]:
        say(str(problem))
    say(f"scored {len(scores)} active dentists as of {scores.attrs['as_of']}; wrote {out}")
    drift = scores.attrs["drift"]
    if report_drift(None if drift is None else pandas.DataFrame(drift)) and fail_on_drift:
        raise typer.Exit(DRIFT_EXIT)
    if scores.attrs["rejected_rows"]:
        raise typer.Exit(1)


def serve(
    model: Annotated[Path | None, typer.Option("--model", "-m", help=MODEL_DIR_HELP)] = None,
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
        raise fail(
            f"the HTTP service needs the 'serve' extra ({exc.name} is missing): pip install 'churnlab[serve]'"
        ) from None
    from churnlab.models.persistence import load_model

    try:
        token = server.read_token(token_file)
        loaded = load_model(model)  # a bad model folder is refused here, before any worker starts
    except (ChurnlabError, ValueError) as exc:
        raise fail(str(exc)) from None
    logging.getLogger("churnlab.service").setLevel(logging.INFO)
    if not logging.getLogger().handlers:
        logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if token is None and host not in ("127.0.0.1", "localhost", "::1"):
        say(
            f"warning: serving on {host} without a token; anyone who reaches the "
            "port can score and read the model card (see --token-file)",
        )
    server.run(model, host, port, workers=workers, token=token, loaded=loaded)
