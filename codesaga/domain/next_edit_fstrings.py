"""A Python string formatted with `.format(...)` or `%` made an f-string: the file's other
such strings are made f-strings too. Computed where their arguments read plainly
(`"{}:{}".format(host, port)` to `f"{host}:{port}"`, `"%d Byte" % count` to
`f"{count} Byte"`), left to the model where they do not (a mapping's `%(name)s`, an argument
holding a quote, a brace or a line break, a field inside a field's format, a string the one
before it is joined to). Only when the user's own edit made that change: such a conversion
is most often a pass over the file, not one string's fix. The same holds for a string's
other spellings made uniform: its prefix respelled (`br"` to `rb"`), its `u` taken off, `r`
put before a regex, its quotes switched."""

from __future__ import annotations

import re
from collections.abc import Callable

from codesaga.domain.edits import TextEdit
from codesaga.domain.next_edit_locations import SIMILAR, Candidate, Change, LineIndex, nearness
from codesaga.domain.next_edit_signatures import matching_paren, split_top_level

FSTRING_SCORE = 0.6  # computed: above a model's rewrite of a like line
MAX_PLACES = 24  # more formatted strings than that are looked at nearest first

# A one-line string literal without a prefix (or `u`), then `.format(` or `%`.
_LITERAL = r"""(?<![\w"'])u?("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*')"""
_FORMATTED = re.compile(rf"{_LITERAL}[ \t]*(?:(\.format)[ \t]*\(|(%)[ \t]*)")
_JOINED = re.compile(r"""["'][ \t]*(?:#[^\n]*)?\Z""")  # on the last line that holds any
_FSTRING = re.compile(r"""(?<![\w"'])[fF][rR]?["']""")
# `%` operand: a name with members, calls and indexes (one level), or a parenthesized tuple
_OPERAND = re.compile(r"[A-Za-z_][\w]*(?:\.[A-Za-z_]\w*|\[[^\[\]\n]*\]|\([^()\n]*\))*")
_BINDS_TIGHTER = re.compile(r"[ \t]*(?:\*\*|[.(\[])")
_FIELD = re.compile(r"\{\{|\}\}|\{([^{}!:]*)(![rsa])?(?::([^{}]*))?\}")
_PERCENT = re.compile(r"%%|%(\([^)]*\))?([-#0 +]*\d*(?:\.\d+)?)([sdirfgexXo])")
_PERCENT_SPEC = {"s": "", "r": "!r"}
_FLOAT_SPEC = re.compile(r"[0+ ]?\d*(?:\.\d+)?")  # the same in both: sign, zeros, width, precision


def fstring_candidates(
    index: LineIndex, change: Change, in_text: Callable[[int], bool]
) -> list[Candidate]:
    """The file's other formatted strings, made f-strings, when ``change`` made one.
    ``in_text``: whether an offset is in a comment or a string (a formatted string quoted
    in a docstring or a comment is text)."""
    if not _made_fstring(change):
        return []
    content = change.content
    line = index.line_of(change.start)
    made = [*change.earlier, (change.start, change.after_end)]
    found = []
    for match in _FORMATTED.finditer(content):
        start = match.start()
        operator = match.start(2) if match.group(2) else match.start(3)
        if any(lo <= start < hi for lo, hi in made) or in_text(operator):
            continue
        end, converted = _converted(content, match)
        if end is None:
            continue
        span = index.span(start, end)
        if converted is None:  # the model rewrites its line
            distance = abs(span.start_line - line)
            found.append(Candidate(span, SIMILAR, 0.5 + nearness(0.05, distance), None))
        else:
            found.append(_placed(TextEdit(span, content[start:end], converted), line))
    return _nearest(found)


def _made_fstring(change: Change) -> bool:
    """Did ``change`` replace a formatted string with an f-string?"""
    return (
        _FORMATTED.search(change.removed) is not None
        and _FSTRING.search(change.inserted) is not None
        and _FSTRING.search(change.removed) is None
    )


def _converted(content: str, match: re.Match[str]) -> tuple[int | None, str | None]:
    """Where the formatted string at ``match`` ends and its f-string (None where it does not
    read plainly: the model's); (None, None) when it is no formatted string after all."""
    literal = match.group(1)
    # `"a {}" "b"` formats the two together (a comment may stand between them); `\N{…}`
    # names a character in braces
    plain = not _joined(content, match.start()) and "\\N{" not in literal
    if match.group(2):  # `.format(`
        opened = match.end() - 1
        close = matching_paren(content, opened)
        if close is None:
            return None, None
        end = close + 1
        text = _from_format(literal, content[opened + 1 : close]) if plain else None
        return end, text
    operand = _operand(content, match.end())
    if operand is None:
        return None, None
    end, values = operand
    text = _from_percent(literal, values) if plain and values is not None else None
    return end, text


def _joined(content: str, at: int) -> bool:
    """Does a string literal end the code before ``at`` (a comment after it, blank lines),
    which the one at ``at`` is joined to? Read back from ``at``, not from the file's start."""
    end = at
    while end > 0 and content[end - 1].isspace():
        end -= 1
    return _JOINED.search(content, content.rfind("\n", 0, end) + 1, end) is not None


def _operand(content: str, at: int) -> tuple[int, list[str] | None] | None:
    """The end of the `%` operand at ``at`` and its values (None: a tuple that does not
    read plainly)."""
    if content[at : at + 1] == "(":
        close = matching_paren(content, at)
        if close is None:
            return None
        values = [v.strip() for v in split_top_level(content[at + 1 : close]) if v.strip()]
        end = close + 1
    else:
        found = _OPERAND.match(content, at)
        if found is None:
            return None
        end, values = found.end(), [found.group()]
    if _BINDS_TIGHTER.match(content, end):
        return None  # `% x ** 2`, `% (n).bit_length()`: the operand goes on
    return end, values


_NOT_IN_FIELDS = ("\\", "{", "}", "#", "\n", ":", "lambda")


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
    taken: set[int] = set()
    named: set[str] = set()
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
            taken.add(used)
            used += 1
        elif key.isdigit():
            value = positional[int(key)] if int(key) < len(positional) else None
            taken.add(int(key))
        else:
            value = keywords.get(key)
            named.add(key)
        if value is None or not _plain(value, quote) or (spec and "{" in spec):
            return None
        if rest and not re.fullmatch(r"(?:\.[A-Za-z_]\w*|\[\d+\])*", rest):
            return None  # `{0[key]}` reads the string "key", an f-string a variable
        if rest and not re.fullmatch(r"[A-Za-z_][\w.]*(?:\(\))?", value):
            value = f"({value})"
        out.append("{" + value + rest + conversion + (":" + spec if spec else "") + "}")
    out.append(body[last:])
    if _STRAY_BRACE.search(_FIELD.sub("", body)):
        return None  # a field inside a field's format (`{0:.{1}f}`)
    if len(taken) < len(positional) or named != set(keywords):
        return None  # an argument not formatted is still evaluated (a call's effects)
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
        if kind in "sr" and not flags:
            out.append("{" + value + _PERCENT_SPEC[kind] + "}")
        elif kind in "fFeEgG" and _FLOAT_SPEC.fullmatch(flags):
            out.append("{" + value + ":" + flags + kind + "}")
        else:
            return None  # `%d` truncates a float, `%-5s` aligns left: not the same spec
    out.append(body[last:])
    if used != len(values):
        return None
    return f"f{quote}{''.join(out)}{quote}"


_PREFIX = re.compile(r"[bBrRuUfF]{1,2}")


def prefix_candidates(
    index: LineIndex, change: Change, in_text: Callable[[int], bool]
) -> list[Candidate]:
    """A string's prefix respelled with the same letters (`br"` to `rb"`, `FF` to `ff`: a
    style made uniform): the file's other strings with the old prefix, respelled alike.
    ``in_text``: whether an offset is in a comment or a string (`("br", "hr")` ends a string
    with those letters; a prefix stands after code)."""
    old, new = change.removed, change.inserted
    if old == new or not (_PREFIX.fullmatch(old) and _PREFIX.fullmatch(new)):
        return []
    if sorted(old.lower()) != sorted(new.lower()):
        return []
    content = change.content
    if content[change.after_end : change.after_end + 1] not in ("'", '"'):
        return []
    if content[change.start - 1 : change.start].isalnum():
        return []
    line = index.line_of(change.start)
    found = []
    for match in re.finditer(rf"(?<![\w.]){re.escape(old)}(?=['\"])", content):
        if match.start() == change.start or (match.start() > 0 and in_text(match.start() - 1)):
            continue
        edit = TextEdit(index.span(match.start(), match.end()), old, new)
        found.append(_placed(edit, line))
    return found[:MAX_PLACES] if len(found) <= MAX_PLACES else []


_QUOTES = ("'", '"')
_MARKUP = re.compile(r"</|/>")  # JSX on the line: its text is no string


def _opened(lead: str, quote: str) -> bool:
    """Does ``lead`` (a line up to a place) leave a string in ``quote`` open there (the
    place is inside `f"{d['name']}"`'s field)?"""
    return len(re.findall(rf"(?<!\\){quote}", lead)) % 2 == 1


def _prefix(content: str, quote: int) -> str | None:
    """The prefix of the string opened at ``quote`` (lower case, its letters in order: `b`,
    `br` for `rb` and `Br` alike, "" for none); None when the letters before it are no
    prefix a string in the same quotes may share (an f-string's fields may hold the new
    quote; a name's end is no prefix)."""
    word = re.search(r"\w*$", content[max(0, quote - 3) : quote])
    letters = "" if word is None else word.group().lower()
    start = quote - len(letters)
    if letters in _SHARED_PREFIXES and not content[start - 1 : start].isalnum():
        return "".join(sorted(letters))
    return None


_SHARED_PREFIXES = ("", "b", "r", "u", "br", "rb")


def requote_candidates(
    index: LineIndex, change: Change, in_text: Callable[[int], bool]
) -> list[Candidate]:
    """A string's quotes switched, its text kept (`'count'` to `"count"`: a style made
    uniform, by hand or a formatter's pass): the file's other one-line strings in the old
    quotes, nearest first, switched alike; not one that holds the new quote or an escape
    (it would need another), nor one with a prefix the user's has not (`b'…'` only after a
    `b'…'` was switched; `f'…'` never: its fields), nor a
    string quoted in a comment or another string (`"AS IS"` in a licence's prose, an
    f-string's field in the new quotes), a regex's quotes (`/'x'/`) or a line of JSX.
    ``in_text``: whether an offset is in a comment or a string."""
    old, new = change.removed, change.inserted
    if len(old) < 2 or len(new) != len(old) or old[0] not in _QUOTES or new[0] not in _QUOTES:
        return []
    was, now = old[0], new[0]
    if was == now or old[-1] != was or new[-1] != now or old[1:-1] != new[1:-1]:
        return []
    if any(c in old[1:-1] for c in (was, now, "\\", "\n")):
        return []
    content = change.content
    line = index.line_of(change.start)
    prefix = _prefix(content, change.start)
    found = []
    for match in re.finditer(rf"{was}[^{was}{now}\\\n]*{was}", content):
        at = match.start()
        if at == change.start or content[at - 1 : at] in _QUOTES:
            continue  # the user's, or a triple quote's
        prefixed = content[at - 1 : at].isalnum()
        if prefixed and (prefix is None or _prefix(content, at) != prefix):
            continue  # a prefixed string, where the user's has none or another
        opening = at - len(prefix or "") if prefixed else at  # (a `b` is the string's)
        if content[match.end() : match.end() + 1] in _QUOTES or (
            opening > 0 and in_text(opening - 1)
        ):
            continue
        lead = content[content.rfind("\n", 0, at) + 1 : at]
        if (
            lead.endswith("/")
            or _opened(lead, now)
            or _MARKUP.search(index.line_text(index.line_of(at)))
        ):
            continue  # a regex's (`/'x'/`), inside a string in the new quotes, JSX's text
        text = now + match.group()[1:-1] + now
        edit = TextEdit(index.span(at, match.end()), match.group(), text)
        found.append(_placed(edit, line))
    found.sort(key=lambda c: abs(c.span.start_line - line))
    return found[:MAX_PLACES]


def unicode_prefix_candidates(
    index: LineIndex, change: Change, in_text: Callable[[int], bool]
) -> list[Candidate]:
    """A Python string's `u` prefix taken off (a no-op since Python 3: a module ported, by
    hand or pyupgrade's pass): the file's other `u` strings lose theirs, nearest first.
    ``in_text``: whether an offset is in a comment or a string."""
    if change.removed not in ("u", "U") or change.inserted:
        return []
    content = change.content
    if content[change.start : change.start + 1] not in _QUOTES or _after_word(
        content, change.start
    ):
        return []
    if change.start > 0 and in_text(change.start - 1):  # (`"u'x'"`: a string's own text)
        return []
    line = index.line_of(change.start)
    found = []
    for match in re.finditer(r"(?<![\w.])[uU](?=['\"])", content):
        if match.start() > 0 and in_text(match.start() - 1):
            continue
        edit = TextEdit(index.span(match.start(), match.end()), match.group(), "")
        found.append(_placed(edit, line))
    return _nearest(found)


# What a backslash may begin in a Python string (not a bytes literal): anything else is an
# invalid escape (a warning since Python 3.6), kept as written, so `r` in front changes
# nothing of that string's value.
_STRING_ESCAPES = frozenset("\n\\'\"abfnrtv01234567xNuU")
_STRING = re.compile(r"""(['"])((?:\\.|(?!\1)[^\\\n])*)\1(?!['"])""")  # one line's
_PREFIXED_STRING = re.compile(
    r"""(?<![\w'"])([rRbBuUfF]{0,2})(['"])((?:\\.|(?!\2)[^\\\n])*)\2(?!['"])"""
)


def raw_prefix_candidates(
    index: LineIndex, change: Change, in_text: Callable[[int], bool]
) -> list[Candidate]:
    """A Python string made raw (`r` put before a regex's `"\\s+"`: its invalid escapes'
    warnings fixed): the file's other plain one-line strings whose every escape is invalid
    (`'url\\s*\\('`), made raw too, nearest first; their values stay as they were. Not a
    string with a valid escape (`"\\n"` would change), nor one in a comment or string. A
    pattern passed as `match=` made raw (`pytest.raises(E, match=r"not valid: .+")`), with
    escapes or none: the other `match=` patterns too, escaped or not. ``in_text``: whether an
    offset is in a comment or a string."""
    if change.removed or change.inserted not in ("r", "R"):
        return []
    content = change.content
    own = _STRING.match(content, change.after_end)
    if _after_word(content, change.start) or own is None:
        return []
    # (a pattern passed as `match=` made raw, escapes or not: a convention for the others)
    matched = _passed_as_match(content, change.start)
    if "\\" not in own.group(2) and not matched:
        return []
    if change.start > 0 and in_text(change.start - 1):  # (typed in a docstring or comment)
        return []
    line = index.line_of(change.start)
    found = []
    for match in _PREFIXED_STRING.finditer(content):
        at = match.start()
        if match.group(1) or at == change.after_end or (at > 0 and in_text(at - 1)):
            continue  # (a prefixed string is passed whole: the next one starts after it)
        escaped = [match.group(3)[k + 1] for k in _backslashes(match.group(3))]
        if any(c in _STRING_ESCAPES for c in escaped):
            continue  # (raw, its value would change)
        if not escaped and not (matched and _passed_as_match(content, at)):
            continue
        edit = TextEdit(index.span(at, at), "", change.inserted)
        found.append(_placed(edit, line))
    return _nearest(found)


def _passed_as_match(content: str, at: int) -> bool:
    """Is the string at ``at`` passed as `match=` (`pytest.raises(E, match=`; not `re.match =
    …`)?"""
    return _MATCH_KEYWORD.search(content, max(at - 40, 0), at) is not None


_MATCH_KEYWORD = re.compile(r"(?<!\.)\bmatch[ \t]*=[ \t]*\Z")


def _backslashes(body: str) -> list[int]:
    """Where each escape of a string's ``body`` begins (its backslash; `\\\\` is one)."""
    starts, k = [], body.find("\\")
    while k >= 0:
        starts.append(k)
        k = body.find("\\", k + 2)
    return starts


def _after_word(text: str, at: int) -> bool:
    """Does ``at`` follow a name's character (a prefix's letters there are a word's end)?"""
    return at > 0 and (text[at - 1].isalnum() or text[at - 1] == "_")


def _placed(edit: TextEdit, line: int) -> Candidate:
    """``edit`` as a candidate, scored the higher the nearer it is to the user's ``line``."""
    distance = abs(edit.span.start_line - line)
    return Candidate(edit.span, SIMILAR, FSTRING_SCORE + nearness(0.1, distance), edit)


def _nearest(found: list[Candidate]) -> list[Candidate]:
    """The best-scored (so the nearest) MAX_PLACES of ``found``."""
    return sorted(found, key=lambda c: -c.score)[:MAX_PLACES]


_TRIPLES = ("'''", '"""')
CLOSING_SCORE = 0.9  # the other end of the string the user requoted: it parses only so


def closing_quote_candidates(
    index: LineIndex, change: Change, in_text: Callable[[int], bool]
) -> list[Candidate]:
    """A triple-quoted string's opening quotes switched (`'\'\'` to `\"\"\"`): its closing
    quotes, the first of the old ones after it that no backslash escapes, switched alike
    (the file does not parse until they are). Not when the new quotes stand between (the
    string already closes), nor when the quotes switched stand in a comment or a string
    (a string's closing ones: what comes before them is its text). ``in_text``: whether an
    offset is in a comment or a string."""
    old, new = change.removed, change.inserted
    if old not in _TRIPLES or new not in _TRIPLES or old == new:
        return []
    content = change.content
    if change.start > 0 and in_text(change.start - 1):
        return []
    end = content.find(old, change.after_end)
    while end >= 0 and _escaped(content, end):
        end = content.find(old, end + 1)
    if end < 0 or new in content[change.after_end : end]:
        return []
    edit = TextEdit(index.span(end, end + len(old)), old, new)
    return [Candidate(edit.span, SIMILAR, CLOSING_SCORE, edit)]


def _escaped(text: str, at: int) -> bool:
    """Is the character at ``at`` escaped (an odd run of backslashes before it)?"""
    run = at
    while run > 0 and text[run - 1] == "\\":
        run -= 1
    return (at - run) % 2 == 1
