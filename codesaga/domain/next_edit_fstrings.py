"""A Python string formatted with `.format(...)` or `%` made an f-string: the file's other
such strings are made f-strings too. Computed where their arguments read plainly
(`"{}:{}".format(host, port)` to `f"{host}:{port}"`, `"%d Byte" % count` to
`f"{count} Byte"`), left to the model where they do not (a mapping's `%(name)s`, an argument
holding a quote, a brace or a line break, a field inside a field's format, a string the one
before it is joined to). Only when the user's own edit made that change: such a conversion
is most often a pass over the file, not one string's fix."""

from __future__ import annotations

import re

from codesaga.domain.edits import TextEdit
from codesaga.domain.next_edit_locations import SIMILAR, Candidate, Change, LineIndex, nearness
from codesaga.domain.next_edit_signatures import matching_paren, split_top_level

FSTRING_SCORE = 0.6  # computed: above a model's rewrite of a like line
MAX_PLACES = 24  # more formatted strings than that are looked at nearest first

# A one-line string literal without a prefix (or `u`), then `.format(` or `%`.
_LITERAL = r"""(?<![\w"'])u?("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')"""
_FORMATTED = re.compile(rf"{_LITERAL}(?:[ \t]*(\.format)[ \t]*\(|[ \t]*%[ \t]*)")
_FSTRING = re.compile(r"""(?<![\w"'])[fF][rR]?["']""")
# `%` operand: a name with members, calls and indexes (one level), or a parenthesized tuple
_OPERAND = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*|\[[^\[\]\n]*\]|\([^()\n]*\))*")
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}!:]*)(![rsa])?(?::([^{}]*))?\}")
_PERCENT = re.compile(r"%%|%(\([^)]*\))?([-#0 +]*\d*(?:\.\d+)?)([sdirfgexXo])")
_PERCENT_SPEC = {"s": "", "r": "!r", "d": "", "i": ""}


def fstring_candidates(index: LineIndex, change: Change) -> list[Candidate]:
    """The file's other formatted strings, made f-strings, when ``change`` made one."""
    if not _made_fstring(change):
        return []
    content = change.content
    line = index.line_of(change.start)
    made = [*change.earlier, (change.start, change.after_end)]
    found = []
    for match in _FORMATTED.finditer(content):
        start = match.start()
        if any(lo <= start < hi for lo, hi in made):
            continue
        end, converted = _converted(content, match)
        if end is None:
            continue
        span = index.span(start, end)
        distance = abs(span.start_line - line)
        if converted is None:  # the model rewrites its line
            found.append(Candidate(span, SIMILAR, 0.5 + nearness(0.05, distance), None))
        else:
            edit = TextEdit(span, content[start:end], converted)
            found.append(Candidate(span, SIMILAR, FSTRING_SCORE + nearness(0.1, distance), edit))
    found.sort(key=lambda c: -c.score)
    return found[:MAX_PLACES]


def _made_fstring(change: Change) -> bool:
    """Did ``change`` replace a formatted string with an f-string?"""
    removed = change.before[change.start : change.before_end]
    return (
        _FORMATTED.search(removed) is not None
        and _FSTRING.search(change.inserted) is not None
        and _FSTRING.search(removed) is None
    )


def _converted(content: str, match: re.Match[str]) -> tuple[int | None, str | None]:
    """Where the formatted string at ``match`` ends and its f-string (None where it does not
    read plainly: the model's); (None, None) when it is no formatted string after all."""
    literal = match.group(1)
    before = content[: match.start()].rstrip()
    joined = before.endswith(('"', "'"))  # `"a {}" "b"`: formats the two together
    if match.group(2):  # `.format(`
        opened = match.end() - 1
        close = matching_paren(content, opened)
        if close is None:
            return None, None
        end = close + 1
        text = None if joined else _from_format(literal, content[opened + 1 : close])
        return end, text
    operand = _operand(content, match.end())
    if operand is None:
        return None, None
    end, values = operand
    text = None if joined or values is None else _from_percent(literal, values)
    return end, text


def _operand(content: str, at: int) -> tuple[int, list[str] | None] | None:
    """The end of the `%` operand at ``at`` and its values (None: a tuple that does not
    read plainly)."""
    if content[at : at + 1] == "(":
        close = matching_paren(content, at)
        if close is None:
            return None
        values = [v.strip() for v in split_top_level(content[at + 1 : close]) if v.strip()]
        return close + 1, values
    found = _OPERAND.match(content, at)
    if found is None or content[found.end() : found.end() + 1] in ("(", "[", "."):
        return None  # more than one level of calls or indexes: not read here
    return found.end(), [found.group()]


_NOT_IN_FIELDS = ("\\", "{", "}", "#", "\n")


def _plain(expression: str, quote: str) -> bool:
    """Can ``expression`` stand in an f-string quoted with ``quote`` (before Python 3.12)?"""
    return bool(expression) and not any(c in expression for c in (quote, *_NOT_IN_FIELDS))


def _from_format(literal: str, arguments: str) -> str | None:
    quote, body = literal[0], literal[1:-1]
    positional: list[str] = []
    keywords: dict[str, str] = {}
    for piece in split_top_level(arguments):
        piece = piece.strip()
        if not piece:
            continue
        keyword = re.fullmatch(r"([A-Za-z_]\w*)\s*=(?!=)\s*(.+)", piece)
        if piece.startswith("*") or (keyword is None and keywords):
            return None
        if keyword is not None:
            keywords[keyword.group(1)] = keyword.group(2)
        else:
            positional.append(piece)
    used = 0
    out = []
    last = 0
    for field in _FIELD.finditer(body):
        out.append(body[last : field.start()])
        last = field.end()
        if field.group() in ("{{", "}}"):
            out.append(field.group())
            continue
        name, conversion, spec = field.group(1), field.group(2) or "", field.group(3)
        head = re.match(r"[A-Za-z_]\w*|\d*", name)
        key = head.group() if head else ""
        rest = name[len(key) :]
        if key == "":
            value = positional[used] if used < len(positional) else None
            used += 1
        elif key.isdigit():
            value = positional[int(key)] if int(key) < len(positional) else None
        else:
            value = keywords.get(key)
        if value is None or not _plain(value, quote) or (spec and "{" in spec):
            return None
        if rest and not re.fullmatch(r"(?:\.[A-Za-z_]\w*|\[\w+\])*", rest):
            return None
        if rest and not re.fullmatch(r"[\w.]+(?:\(\))?", value):
            value = f"({value})"
        out.append("{" + value + rest + conversion + (":" + spec if spec else "") + "}")
    out.append(body[last:])
    if _STRAY_BRACE.search(_FIELD.sub("", body)):
        return None  # a field inside a field's format (`{0:.{1}f}`)
    return f"f{quote}{''.join(out)}{quote}"


_STRAY_BRACE = re.compile(r"[{}]")


def _from_percent(literal: str, values: list[str]) -> str | None:
    quote, body = literal[0], literal[1:-1]
    body = body.replace("{", "{{").replace("}", "}}")
    out = []
    last = 0
    used = 0
    for field in _PERCENT.finditer(body):
        out.append(body[last : field.start()])
        last = field.end()
        if field.group() == "%%":
            out.append("%")
            continue
        if field.group(1) or used >= len(values):
            return None  # `%(name)s` reads a mapping
        value = values[used]
        used += 1
        if not _plain(value, quote):
            return None
        flags, kind = field.group(2), field.group(3)
        if kind in _PERCENT_SPEC and not flags:
            out.append("{" + value + _PERCENT_SPEC[kind] + "}")
        elif kind in "sr":
            return None
        else:
            out.append("{" + value + ":" + flags + ("d" if kind == "i" else kind) + "}")
    out.append(body[last:])
    if used != len(values):
        return None
    return f"f{quote}{''.join(out)}{quote}"
