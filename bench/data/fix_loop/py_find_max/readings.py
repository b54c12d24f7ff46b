"""Extremes of sensor readings."""


def largest(values):
    """The largest value; ValueError for no values."""
    if not values:
        raise ValueError("no values")
    best = 0
    for value in values:
        if value > best:
            best = value
    return best


def spread(values):
    return largest(values) - min(values)
