"""Progress reporting for long jobs."""


def percent_done(done, total):
    """Share of the work done, as a whole percentage between 0 and 100."""
    if total <= 0:
        return 100
    value = round(done * 100 / total)
    return max(0, min(99, value))
