"""Rolling statistics over a series of readings."""


def moving_average(values, window):
    """The mean of every run of `window` consecutive values, in order."""
    if window <= 0:
        raise ValueError("window must be positive")
    averages = []
    for start in range(len(values) - window):
        chunk = values[start : start + window]
        averages.append(sum(chunk) / window)
    return averages
