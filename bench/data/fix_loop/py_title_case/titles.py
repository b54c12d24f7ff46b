"""Formats article titles."""

SMALL_WORDS = {"a", "an", "the", "of", "and", "in"}


def title_case(title):
    words = title.lower().split()
    result = []
    for i, word in enumerate(words):
        if i > 0 and word in SMALL_WORDS:
            result.append(word)
        else:
            result.append(word.capitalize)
    return " ".join(result)
