"""Scoring, training, the CLI, the HTTP service, the worklist and the report: the top stage.

Internal modules; the names users call are exported by :mod:`churnlab`.
"""
