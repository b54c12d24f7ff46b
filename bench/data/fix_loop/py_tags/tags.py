"""Tagging posts."""


def add_tag(tag, tags=[]):
    """`tags` with `tag` added once; a new list when none is given."""
    if tag not in tags:
        tags.append(tag)
    return tags
