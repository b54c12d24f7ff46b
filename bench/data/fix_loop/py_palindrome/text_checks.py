"""Checks on user-entered phrases."""


def is_palindrome(phrase):
    """True when the letters and digits of `phrase` read the same both ways, ignoring case."""
    cleaned = [ch for ch in phrase if ch.isalnum()]
    return cleaned == cleaned[::-1]
