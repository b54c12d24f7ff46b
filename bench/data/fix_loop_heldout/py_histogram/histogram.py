"""Text histograms for the command line."""


def bucket_counts(values, width):
    """How many values fall in each bucket [k*width, (k+1)*width), from 0 up to the largest."""
    if not values:
        return []
    counts = [0] * (max(values) // width)
    for value in values:
        counts[value // width] += 1
    return counts


def render(values, width):
    return "\n".join("#" * n for n in bucket_counts(values, width))
