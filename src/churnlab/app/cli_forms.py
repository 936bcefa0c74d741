"""``churnlab parse``, ``anonymize`` and ``synth``: forms read, pseudonymised or generated."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from churnlab.app.cli_support import fail, say
from churnlab.errors import ChurnlabError
from churnlab.io.batch import form_paths, iter_forms


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
            raise fail(str(exc)) from None
    tally = ParseSummary()
    for _, result in iter_forms(form_paths(paths)):
        tally.add(result)
        if summary:
            continue
        if isinstance(result, ChurnlabError):
            say(str(result))
            continue
        for warning in result.warnings:
            say(f"{result.source}: warning: {warning}")
        if pseudonymizer is not None:
            result = anonymize_case(result, pseudonymizer)
        sys.stdout.write(json.dumps(result.to_json_dict(), ensure_ascii=False) + "\n")
    if summary:
        for line in tally.lines():
            typer.echo(line)
    if tally.refused:
        raise typer.Exit(1)


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
        raise fail(str(exc)) from None
    failed = 0
    for path in form_paths(paths):
        try:
            written = anonymize_file(path, out, pseudonymizer)
        except ChurnlabError as exc:
            failed += 1
            say(str(exc))
            continue
        typer.echo(str(written))
    if failed:
        raise typer.Exit(1)


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
