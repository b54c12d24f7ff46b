"""Flattening nested lists from the JSON import."""


def flatten(items):
    """Every non-list element of `items`, depth first."""
    result = []
    for item in items:
        if isinstance(item, list):
            flatten(item)
        else:
            result.append(item)
    return result
