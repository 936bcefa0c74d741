"""``python -m churnlab``: the same CLI as the ``churnlab`` command, found without an active virtualenv."""

from churnlab.app.cli import app

app(prog_name="churnlab")
