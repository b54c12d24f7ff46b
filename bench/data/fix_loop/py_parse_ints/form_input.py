"""Parses numbers typed into a web form."""


def to_int(text, default=0):
    """`text` as an int, or `default` when it is not a number."""
    try:
        return int(text.strip())
    except TypeError:
        return default


def total(fields):
    return sum(to_int(field) for field in fields)
