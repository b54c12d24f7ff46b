"""Word frequencies for a short text."""

import re


def word_counts(text):
    """How often each lower-cased word appears in `text`."""
    words = re.findall(r"[a-z']+", text.lower())
    counts = {}
    for word in words:
        counts[word] = counts.get(words, 0) + 1
    return counts


def most_common(text, n=3):
    counts = word_counts(text)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
