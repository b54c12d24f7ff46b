"""What kind of repeated change a commit's hunks in one file are, if any.

- ``rename``: every hunk replaces one identifier with another, the same pair in each hunk,
  and changes nothing else, and the old name is code in each hunk (a name token, not only
  a word in a string or a comment: Python's tokenizer, tree-sitter for the others);
- ``signature``: one hunk changes the parameters of a function's definition (its name
  stays), and the other hunks are mostly calls of that function;
- ``similar``: each hunk's change (the tokens it removes and adds) looks like the first
  hunk's: SequenceMatcher's ratio of the two changes is at least SIMILAR_RATIO, and they
  change a word in common (two deleted entries of a list are not one change repeated).

Anything else is not a case: a commit that changes several places differently says nothing
about where a next edit goes.
"""

from __future__ import annotations

import difflib
import io
import keyword
import re
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from next_edit_text import Hunk

SIMILAR_RATIO = 0.6
TOKEN = re.compile(r"[A-Za-z_$][\w$]*|\d[\w.]*|\S")
IDENTIFIER = re.compile(r"[A-Za-z_$][\w$]*")
KEYWORDS = frozenset(
    {"if", "for", "while", "switch", "catch", "return", "function", "def", "class", "await",
     "async", "new", "typeof", "else", "elif", "with", "try", "func", "go", "defer", "select",
     "case"}
)  # fmt: skip

# A definition's line and the function's name, per language.
DEFINITIONS = {
    "python": [re.compile(r"^\s*(?:async\s+)?def\s+(\w+)\s*\(")],
    "go": [re.compile(r"^\s*func\s*(?:\([^)]*\)\s*)?(\w+)\s*[\[(]")],
    "javascript": [
        re.compile(r"\bfunction\s*\*?\s*([\w$]+)\s*[<(]"),
        re.compile(r"\b(?:const|let|var)\s+([\w$]+)\s*=\s*(?:async\s*)?(?:function\b|\()"),
        re.compile(
            r"^\s*(?:(?:export|public|private|protected|static|async|override|readonly)\s+)*"
            r"([\w$]+)\s*(?:<[^>]*>)?\s*\([^;]*\)\s*(?::\s*[^=;{]+)?\{\s*$"
        ),
    ],
}
DEFINITIONS["typescript"] = DEFINITIONS["javascript"]


def tokens(text: str) -> list[str]:
    return TOKEN.findall(text)


def token_changes(hunk: Hunk) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """What a hunk changes, token by token: (removed, added) per changed run."""
    old, new = tokens(hunk.removed_lines), tokens(hunk.added_lines)
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    return [
        (tuple(old[i1:i2]), tuple(new[j1:j2]))
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def renamed_pair(hunk: Hunk) -> tuple[str, str] | None:
    """(old, new) when the hunk only replaces identifier ``old`` by ``new`` (once or more)."""
    pairs = set()
    for old, new in token_changes(hunk):
        if len(old) != 1 or len(new) != 1:
            return None
        if not (IDENTIFIER.fullmatch(old[0]) and IDENTIFIER.fullmatch(new[0])):
            return None
        pairs.add((old[0], new[0]))
    return pairs.pop() if len(pairs) == 1 else None


def is_rename(found: Sequence[Hunk], before: str, language: str) -> bool:
    pairs = {renamed_pair(h) for h in found}
    if len(pairs) != 1 or None in pairs:
        return False
    old, new = next(iter(pairs))  # type: ignore[misc]
    if language == "python" and (keyword.iskeyword(old) or keyword.iskeyword(new)):
        return False  # None -> missing is not a rename
    code = name_lines(before, language, old)
    return all(code & set(range(h.a_start, h.a_end)) for h in found)


def name_lines(text: str, language: str, name: str) -> set[int]:
    """The lines (0-based) where ``name`` is a name in code, not in a string or comment."""
    if language == "python":
        try:
            found = {
                token.start[0] - 1
                for token in tokenize.generate_tokens(io.StringIO(text).readline)
                if token.type == tokenize.NAME and token.string == name
            }
        except (tokenize.TokenError, SyntaxError):
            return set()
        return found
    from codesaga.service.syntax import parser

    parse = parser(language)
    if parse is None:
        return set()
    data = text.encode()
    lines: set[int] = set()
    stack: list[Any] = [parse.parse(data).root_node]
    while stack:
        node = stack.pop()
        leaf = node.child_count == 0 and node.type.endswith("identifier")
        if leaf and data[node.start_byte : node.end_byte].decode(errors="replace") == name:
            lines.add(node.start_point[0])
        stack.extend(node.children)
    return lines


def defined_names(text: str, language: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        for pattern in DEFINITIONS.get(language, []):
            m = pattern.search(line)
            if m and m.group(1) not in KEYWORDS:
                names.add(m.group(1))
    return names


def signature_hunk(found: Sequence[Hunk], language: str) -> int | None:
    """The index of the hunk that changes a definition's parameters, when the other hunks
    are mostly calls of it (at least one, and no fewer than the other hunks)."""
    for index, hunk in enumerate(found):
        names = defined_names(hunk.removed_lines, language) & defined_names(
            hunk.added_lines, language
        )
        for name in names:
            call = re.compile(rf"(?<![\w$]){re.escape(name)}\s*\(")
            others = [h for i, h in enumerate(found) if i != index]
            calls = sum(
                bool(call.search(h.removed_lines + h.added_lines))
                and name not in defined_names(h.removed_lines + h.added_lines, language)
                for h in others
            )
            if calls >= 1 and calls >= len(others) - calls:
                return index
    return None


def change_tokens(hunk: Hunk) -> list[str]:
    return [f"-{t}" for old, _ in token_changes(hunk) for t in old] + [
        f"+{t}" for _, new in token_changes(hunk) for t in new
    ]


def words(change: list[str]) -> set[str]:
    return {t[1:] for t in change if t[1:2].isalnum() or t[1:2] in "_$"}


def is_similar(found: Sequence[Hunk]) -> bool:
    first = change_tokens(found[0])
    if not first:
        return False  # only whitespace changed
    for hunk in found[1:]:
        other = change_tokens(hunk)
        ratio = difflib.SequenceMatcher(None, first, other, autojunk=False).ratio()
        shared = words(first) & words(other) or (not words(first) and first == other)
        if ratio < SIMILAR_RATIO or not shared:
            return False
    return True


@dataclass(frozen=True)
class Kind:
    name: str  # "rename" | "signature" | "similar"
    user: int  # which hunk is the user's edit (the others are the truth)


def classify(found: Sequence[Hunk], before: str, language: str) -> Kind | None:
    """The kind of a file's hunks in one commit (``before``: the file before it), and which
    of them the user makes first: the first in the file, except for a signature change,
    where it is the definition's."""
    if len(found) < 2:
        return None
    if is_rename(found, before, language):
        return Kind("rename", 0)
    index = signature_hunk(found, language)
    if index is not None:
        return Kind("signature", index)
    if is_similar(found):
        return Kind("similar", 0)
    return None
