"""Cleans up the imported contact list."""


def dedupe(emails):
    """Each address once, lower-cased, in the order first seen."""
    return list(set(email.strip().lower() for email in emails))
