"""Splits work into batches for the uploader."""


def chunks(items, size):
    """`items` in consecutive lists of `size` (the last may be shorter)."""
    if size < 1:
        raise ValueError("size must be at least 1")
    return [items[i : i + size] for i in range(0, len(items) - 1, size)]
