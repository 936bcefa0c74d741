"""The ``churnlab`` command line: thin shells over the functions notebooks call.

Exit status, for every command: 0 all went well; 1 some inputs were rejected
(the rest was processed and the rejects reported); 2 a usage or data error
(nothing done, the message says why); 3 an internal error (a bug: one line on
stderr, the traceback with ``churnlab --debug ...``); 4, only when asked with
``--fail-on-drift`` (``score``, ``network``) or ``--fail-on-decay``
(``monitor``), the model no longer fits what it scores.

This module holds the app and the guard that turns errors into those statuses;
the commands live by concept in :mod:`~churnlab.app.cli_forms` (parse, anonymize,
synth), :mod:`~churnlab.app.cli_scoring` (train, score, network, serve),
:mod:`~churnlab.app.cli_team` (worklist, report) and
:mod:`~churnlab.app.cli_operation` (monitor), their shared helpers and
options in :mod:`~churnlab.app.cli_support`.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from typer.core import TyperGroup

from churnlab.app.cli_forms import anonymize, parse, synth
from churnlab.app.cli_operation import monitor
from churnlab.app.cli_scoring import network, score, serve, train
from churnlab.app.cli_support import say
from churnlab.app.cli_team import report, worklist
from churnlab.errors import ChurnlabError


class _Guarded(TyperGroup):
    """Runs a command so that no traceback reaches the user (``--debug`` shows it)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except _click_flow(ctx):  # usage errors and exits: click reports them (exit 2) or they end the run
            raise
        except ChurnlabError as exc:
            say(str(exc))
            raise typer.Exit(2) from None
        except OSError as exc:  # an output that cannot be written, a disk that is full
            if ctx.meta.get("churnlab.debug"):
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            say(f"{where}{exc.strerror or exc}")
            raise typer.Exit(2) from None
        except Exception as exc:
            if ctx.meta.get("churnlab.debug"):
                raise
            say(f"internal error: {type(exc).__name__}: {exc} (run with --debug for the traceback)")
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
    data error; 3 internal error (run with --debug for the traceback); 4 the
    model no longer fits (only with --fail-on-drift or --fail-on-decay).
    """
    ctx.meta["churnlab.debug"] = debug


# In the order ``churnlab --help`` lists them.
for command in (parse, anonymize, synth, train, score, network, serve, worklist, report, monitor):
    app.command()(command)


if __name__ == "__main__":  # pragma: no cover
    app()
