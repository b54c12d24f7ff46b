"""Run-length encoding of short strings."""


def encode(text):
    """'aaab' -> [('a', 3), ('b', 1)]."""
    runs = []
    for char in text:
        if runs and runs[-1][0] == char:
            runs[-1] = (char, runs[-1][1] + 1)
        else:
            runs.append((char, 0))
    return runs


def decode(runs):
    return "".join(char * count for char, count in runs)
