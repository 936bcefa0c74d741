"""The anonymiser: keyed pseudonyms for people and documents, names masked in notes.

Internal modules; ``churnlab anonymize`` and ``churnlab parse --anonymize`` are the way in.
"""
