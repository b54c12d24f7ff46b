"""Ratios for the dashboard, where a missing denominator is normal."""


def safe_ratio(part, whole):
    """part / whole, or None when whole is zero."""
    return part / whole


def ratios(pairs):
    return [safe_ratio(part, whole) for part, whole in pairs]
