"""The ``churnlab`` command line: thin shells over the functions notebooks call."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from churnlab.errors import ChurnlabError
from churnlab.forms import form_paths, iter_forms

app = typer.Typer(
    help="Dismissal risk and retention actions for a dental health-plan network.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def main() -> None:
    """Dismissal risk and retention actions for a dental health-plan network."""


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"churnlab: {message}", err=True)
    return typer.Exit(code)


@app.command()
def parse(
    paths: Annotated[list[Path], typer.Argument(help="Form files or folders of forms.")],
    anonymize: Annotated[
        bool, typer.Option("--anonymize", help="Emit pseudonymised records (key from CHURNLAB_ANON_KEY).")
    ] = False,
) -> None:
    """Print one JSON object per form (JSON Lines); report unreadable files on stderr."""
    pseudonymizer = None
    if anonymize:
        from churnlab.anonymize import Pseudonymizer, anonymize_case

        try:
            pseudonymizer = Pseudonymizer.from_env()
        except ChurnlabError as exc:
            raise _fail(str(exc)) from None
    failed = 0
    for path, result in iter_forms(form_paths(paths)):
        if isinstance(result, ChurnlabError):
            failed += 1
            typer.echo(f"churnlab: {result}", err=True)
            continue
        if pseudonymizer is not None:
            result = anonymize_case(result, pseudonymizer)
        sys.stdout.write(json.dumps(result.to_json_dict(), ensure_ascii=False) + "\n")
    if failed:
        raise typer.Exit(1)


if __name__ == "__main__":  # pragma: no cover
    app()
