"""Journaled multi-file edits (sagas) and the git pre-commit hook built on them."""
