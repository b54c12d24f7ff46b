"""Date arithmetic for the booking page."""


def days_between(first, second):
    """Whole days between two dates, whichever comes first."""
    return (second - first).days


def nights(check_in, check_out):
    return days_between(check_in, check_out)
