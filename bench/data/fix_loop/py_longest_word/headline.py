"""Picks words for headline layout."""


def longest_word(text):
    """The longest word of `text`; the first one when several are as long."""
    longest = ""
    for word in text.split():
        if len(word) >= len(longest):
            longest = word
    return longest
