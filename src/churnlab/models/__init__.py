"""The reason tagger, the dismissal-risk model, the action recommender, the network model, model files.

Internal modules; the names users call are exported by :mod:`churnlab`.
"""
