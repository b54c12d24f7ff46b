"""Unified diffs read back: a patch's hunks for one file, and the file as it was before a
patch that has been applied to it (``codesaga next-edit --diff``: what the patch changed is
the history its next edits follow)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from codesaga.domain.errors import InputError
from codesaga.domain.source import source_lines

_HUNK = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass
class Hunk:
    """The lines (with their endings) a hunk has before (context and removed) and after
    (context and added); ``new_start``: its first line in the file after the patch."""

    new_start: int
    old: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)


def _name(header: str) -> str:
    """The path a ``---``/``+++`` line names, without git's a/ or b/ and any timestamp."""
    name = header[4:].strip()
    name = _unquoted(name) if name.startswith('"') else name.split("\t", 1)[0].strip()
    return name[2:] if name[:2] in ("a/", "b/") else name


_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def _unquoted(quoted: str) -> str:
    """A path git quoted (`"b/caf\\303\\251.py"`: a name with non-ASCII or special
    characters, C-style, its bytes as octal escapes) as the text it stands for."""
    out = bytearray()
    i = 1
    while i < len(quoted) and quoted[i] != '"':
        char = quoted[i]
        if char == "\\" and quoted[i + 1 : i + 4].isdigit():
            out.append(int(quoted[i + 1 : i + 4], 8))
            i += 4
        elif char == "\\" and i + 1 < len(quoted):
            out.append(_ESCAPES.get(quoted[i + 1], ord(quoted[i + 1])))
            i += 2
        else:
            out += char.encode()
            i += 1
    return out.decode("utf-8", errors="replace")


def file_hunks(patch: str, path: str) -> list[Hunk] | None:
    """The hunks of the file of ``patch`` whose path ends ``path``'s (None: no such file).
    A path matches when its last components are the patch's path (``/repo/src/app.py``
    matches ``src/app.py``); of several, the longest (``sub/app.py`` over ``app.py``)."""
    wanted = PurePosixPath(path).parts
    found: list[Hunk] | None = None
    matched = 0  # how many components of ``path`` the found file's path matched
    hunks: list[Hunk] | None = None  # the current file's, when it is the one wanted
    old_left = new_left = 0  # lines of the current hunk still to come, by side
    sides: tuple[list[str], ...] = ()  # where the last hunk line went
    for line in source_lines(patch):
        if line.startswith("\\"):  # "\ No newline at end of file": the line before has none
            for side in sides:
                side[-1] = side[-1].removesuffix("\n")
        elif old_left > 0 or new_left > 0:
            tag, text = line[:1], line[1:] if line.endswith("\n") else line[1:] + "\n"
            if tag not in ("+", "-") and tag != " " and not line.strip():
                # A blank context line some tools trim of its space: its ending is the
                # line's (a CRLF file's too: " \r\n" read as "\n" matched no hunk).
                tag, text = " ", line if line.endswith("\n") else "\n"
            elif tag not in ("+", "-"):  # context
                tag = " "
            old_left -= tag != "+"
            new_left -= tag != "-"
            if hunks:
                hunk = hunks[-1]
                sides = {" ": (hunk.old, hunk.new), "-": (hunk.old,), "+": (hunk.new,)}[tag]
                for side in sides:
                    side.append(text)
        elif line.startswith("+++ "):
            parts = PurePosixPath(_name(line)).parts
            hunks = [] if parts and wanted[-len(parts) :] == parts else None
            if hunks is not None and len(parts) > matched:
                found, matched = hunks, len(parts)
        elif m := _HUNK.match(line):
            old_left, new_left = int(m[2] or 1), int(m[4] or 1)
            sides = ()
            if hunks is not None:
                hunks.append(Hunk(int(m[3])))
    return found


def before_patch(content: str, hunks: list[Hunk], name: str) -> str:
    """``content`` (a file the hunks were applied to) as it was before them. InputError
    when a hunk's new lines are not in ``content``."""
    lines = source_lines(content)
    out: list[str] = []
    done = 0  # lines of ``content`` handled
    for hunk in hunks:
        # A hunk that adds nothing names the line its removal follows (-U0's "+4,0").
        hint = hunk.new_start if not hunk.new else hunk.new_start - 1
        at = _find(lines, hunk.new, hint, done)
        if at is None:
            raise InputError(
                f"the patch does not match {name}: the hunk at line {hunk.new_start} is not "
                "in it (give a patch that was applied to the file as it is now)"
            )
        out += lines[done:at] + hunk.old
        done = at + len(hunk.new)
    return "".join(out + lines[done:])


def _find(lines: list[str], wanted: list[str], hint: int, start: int) -> int | None:
    """Where ``wanted`` is in ``lines`` at or after ``start``, nearest ``hint`` first."""
    places = range(start, len(lines) - len(wanted) + 1)
    for at in sorted(places, key=lambda i: abs(i - hint)):
        if lines[at : at + len(wanted)] == wanted:
            return at
    return None
