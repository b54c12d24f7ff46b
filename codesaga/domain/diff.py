from __future__ import annotations

import difflib

from codesaga.domain.source import source_lines


def unified_diff(old: str, new: str, path: str, context: int = 3) -> str:
    """A git-style unified diff of two texts; empty when they are equal."""
    path = path.lstrip("/")
    lines = difflib.unified_diff(
        source_lines(old),
        source_lines(new),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
        n=context,
    )
    out = []
    for line in lines:
        out.append(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n")
    return "".join(out)
