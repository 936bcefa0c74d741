"""Reading forms, glosa exports, data folders and the network files into typed records and frames.

Internal modules; the names users call are exported by :mod:`churnlab`.
"""
