"""Features as of each case's opening, labels, and the network's features as of a date.

Internal modules; the names users call are exported by :mod:`churnlab`.
"""
