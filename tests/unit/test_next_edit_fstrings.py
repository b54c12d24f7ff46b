"""A formatted string made an f-string: the file's others follow (next_edit_fstrings)."""

from __future__ import annotations

import pytest

from codesaga.domain.edits import apply_edits, diff_edits
from codesaga.domain.next_edit_locations import SIMILAR, Candidate
from codesaga.service.next_edit_find import find_candidates

CODE = (
    "def describe(host, port, items, obj):\n"
    '    address = "{}:{}".format(host, port)\n'
    "    log('%s items at %s, %.2f%%' % (len(items), address, obj.load))\n"
    '    label = "{0!r} is {kind}".format(obj, kind=type(obj).__name__)\n'
    '    width = "{0:.{1}f}".format(obj, port)\n'
    '    raw = "%(name)s" % {"name": host}\n'
    '    joined = "a {}" "b {}".format(host, port)\n'
    "    return address, label, width, raw, joined\n"
)


def _ask(before: str, after: str) -> tuple[str, list[Candidate]]:
    history = diff_edits(before, after)
    last = history[-1]
    cursor = (last.span.start_line, last.span.start_column + len(last.text))
    return after, find_candidates(after, "python", history, cursor)


def _line(content: str, candidate: Candidate) -> str:
    return content.split("\n")[candidate.span.start_line - 1].strip()


def test_the_other_formatted_strings_are_made_f_strings_where_they_read_plainly() -> None:
    after = CODE.replace('"{}:{}".format(host, port)', 'f"{host}:{port}"')
    content, found = _ask(CODE, after)
    computed = [c for c in found if c.edit is not None]
    assert {c.kind for c in found} == {SIMILAR}
    assert apply_edits(content, [c.edit for c in computed if c.edit is not None]) == after.replace(
        "'%s items at %s, %.2f%%' % (len(items), address, obj.load)",
        "f'{len(items)} items at {address}, {obj.load:.2f}%'",
    ).replace(
        '"{0!r} is {kind}".format(obj, kind=type(obj).__name__)',
        'f"{obj!r} is {type(obj).__name__}"',
    )
    # a field inside a field's format, a mapping, two strings joined: the model's to rewrite
    left = {_line(content, c).split(" = ")[0] for c in found if c.edit is None}
    assert left <= {"width", "raw", "joined"} and left


@pytest.mark.parametrize(
    "formatted",
    [
        '"%-5d|" % x',  # `-` aligns left here, and is a sign in a format spec
        '"%.2d" % x',  # no precision for an integer's spec
        '"%d%%" % x',  # `%d` truncates a float, `{x}` does not
        '"{[name]}".format(d)',  # the string "name", an f-string's variable
        '"%s" % x ** 2',  # the operand goes on past `x`
        '"%s" % (n).bit_length()',
        '"\\N{BULLET} %s" % x',  # a character's name in braces
        '"{}".format(n, log(n))',  # an argument not formatted is still called
        '"{}".format(lambda: 1)',
        '"{0.real}".format(1)',  # made `(1).real`, or left alone: never `1.real`
    ],
)
def test_a_formatted_string_whose_f_string_would_differ_is_not_computed(formatted: str) -> None:
    code = f'def f(x, n, d):\n    a = "{{}}:{{}}".format(x, n)\n    b = {formatted}\n'
    after = code.replace('"{}:{}".format(x, n)', 'f"{x}:{n}"')
    content, found = _ask(code, after)
    for c in found:
        if c.edit is not None:
            changed = apply_edits(content, [c.edit])
            compile(changed, "<case>", "exec")
            assert (
                "1.real" not in changed and "{x:-5d}" not in changed and "{d[name]}" not in changed
            )
            assert "log(n)" not in formatted or "log(n)" in changed


def test_a_formatted_string_in_a_comment_or_docstring_is_text() -> None:
    code = (
        'def f(x):\n    """Use "%s" % x or "{}".format(x)."""\n'
        '    a = "{}!".format(x)  # was: "%s" % x\n    return "%s?" % x\n'
    )
    after = code.replace('"{}!".format(x)', 'f"{x}!"')
    content, found = _ask(code, after)
    assert [_line(content, c) for c in found] == ['return "%s?" % x']


def test_a_percent_string_made_an_f_string_leads_to_the_format_calls_too() -> None:
    before = "'%s items at %s, %.2f%%' % (len(items), address, obj.load)"
    after = CODE.replace(before, "f'{len(items)} items'")
    content, found = _ask(CODE, after)
    lines = {_line(content, c) for c in found if c.edit is not None}
    assert 'address = "{}:{}".format(host, port)' in lines


def test_a_formatted_string_changed_otherwise_leads_nowhere() -> None:
    # the same string's text fixed: no conversion asked for
    after = CODE.replace('"{}:{}".format(host, port)', '"{}/{}".format(host, port)')
    _, found = _ask(CODE, after)
    assert not [c for c in found if c.edit is not None and c.edit.text.startswith("f")]
    # an f-string added where there was none (a new line): nothing converted
    added = CODE.replace("    return", '    note = f"{host}"\n    return')
    _, found = _ask(CODE, added)
    assert not [c for c in found if c.edit is not None and c.edit.text.startswith("f")]


def _applied(content: str, found: list[Candidate]) -> str:
    return apply_edits(content, [c.edit for c in found if c.edit is not None])


def test_a_unicode_prefix_taken_off_is_taken_off_the_other_strings() -> None:
    code = (
        "def clean(value):\n"
        "    if not value:\n"
        "        return u''\n"
        "    tag = (None, u'style')\n"
        "    quoted = r'x = ~r\"\\S+\"u'  # a `u` inside a string is text\n"
        "    menu = u\"Menu\"  # u'comment'\n"
        "    return tag, quoted, menu\n"
    )
    after = code.replace("return u''", "return ''")
    content, found = _ask(code, after)
    assert _applied(content, found) == after.replace("u'style'", "'style'").replace(
        'u"Menu"', '"Menu"'
    )


def test_a_string_made_raw_makes_raw_the_strings_whose_every_escape_is_invalid() -> None:
    code = (
        "import re\n"
        "\n"
        "WORD = re.compile('[\\w-]+')\n"
        "SPACE = re.compile('\\s*\\(\\s*')\n"
        "LINES = re.compile('\\n\\s*')  # `\\n` is an escape: raw would change it\n"
        "PLAIN = re.compile('abc')\n"
        "BYTES = re.compile(b'\\s+')\n"
        "NAMED = re.compile(f'\\s{PLAIN}' + '\\d+')  # after a prefixed string\n"
    )
    after = code.replace("compile('[\\w-]+')", "compile(r'[\\w-]+')")
    content, found = _ask(code, after)
    expected = after.replace("compile('\\s*", "compile(r'\\s*")
    assert _applied(content, found) == expected.replace("+ '\\d+'", "+ r'\\d+'")


def test_a_pattern_passed_as_match_made_raw_makes_the_other_match_patterns_raw() -> None:
    code = (
        "def test_open():\n"
        '    with pytest.raises(ValueError, match="Not a valid wheel filename: .+"):\n'
        "        open_wheel()\n"
        '    with pytest.raises(ValueError, match="hash (.+) is not in RECORD"):\n'
        "        check()\n"
        '    with pytest.raises(ValueError, match="line\\nbreak"):\n'
        "        check()\n"
        '    assert message == "size (.+) differs"\n'
        're.match = "plain (.+)"\n'
    )
    after = code.replace('match="Not a valid', 'match=r"Not a valid', 1)
    content, found = _ask(code, after)
    # the other `match=` pattern: not one a raw prefix would change (`\n`), nor another
    # string without escapes (an attribute assigned, `re.match =`, is none)
    assert _applied(content, found) == after.replace('match="hash', 'match=r"hash')


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("NAME = \"u'x'\"", "NAME = \"'x'\""),  # a `u` in a string's own text
        ("# Write strings as u'text'.", "# Write strings as 'text'."),
        ("# as '\\s'", "# as r'\\s'"),  # an `r` typed in a comment
    ],
)
def test_a_prefix_changed_inside_a_string_or_comment_is_not_followed(old: str, new: str) -> None:
    code = f"{old}\nOTHER = u'y'\nSPACE = re.compile('\\s+')\n"
    found = _ask(code, code.replace(old, new))[1]
    assert not [c for c in found if c.edit is not None and c.edit.text in ("", "r")]


def test_a_triple_quoted_strings_opening_quotes_switched_switch_its_closing_ones() -> None:
    code = (
        "def index():\n"
        '    """Welcome."""\n'
        "    return '''\n"
        "        <form>\n"
        "        </form>'''\n"
        "\n"
        "\n"
        "def other():\n"
        "    return '''x'''\n"
    )
    after = code.replace("return '''\n", 'return """\n')
    content, found = _ask(code, after)
    assert _applied(content, found) == after.replace("</form>'''", '</form>"""')
    closed = code.replace("</form>'''", '</form>"""')  # the closing ones first: no guess
    assert not [c for c in _ask(code, closed)[1] if c.edit is not None and '"""' in c.edit.text]


@pytest.mark.parametrize(
    ("code", "old", "new"),
    [
        (  # the closing quotes switched, with a stray `"""` above in a string
            'def is_doc(line):\n    return line.startswith(\'"""\')\n\n\n'
            "HELP = '''\nusage: tool\n'''\n\nFOOTER = '''\nbye\n'''\n",
            "tool\n'''",
            'tool\n"""',
        ),
        ("# Quote blocks with ''' here\nX = '''abc'''\n", "with '''", 'with """'),  # a comment
    ],
)
def test_triple_quotes_switched_in_text_or_at_a_close_offer_nothing(
    code: str, old: str, new: str
) -> None:
    found = _ask(code, code.replace(old, new))[1]
    assert not [c for c in found if c.edit is not None and c.edit.text == '"""']


def test_an_escaped_quote_is_not_taken_for_the_closing_quotes() -> None:
    code = "X = '''\nsay 'hi\\''''\n"
    content, found = _ask(code, code.replace("X = '''", 'X = """'))
    assert _applied(content, found) == 'X = """\nsay \'hi\\\'"""\n'
