"""A formatted string made an f-string: the file's others follow (next_edit_fstrings)."""

from __future__ import annotations

from codesaga.domain.edits import apply_edits, diff_edits
from codesaga.domain.next_edit_locations import SIMILAR, Candidate
from codesaga.service.next_edit_find import find_candidates

CODE = (
    "def describe(host, port, items, obj):\n"
    '    address = "{}:{}".format(host, port)\n'
    "    log('%d items at %s' % (len(items), address))\n"
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
        "'%d items at %s' % (len(items), address)", "f'{len(items)} items at {address}'"
    ).replace(
        '"{0!r} is {kind}".format(obj, kind=type(obj).__name__)',
        'f"{obj!r} is {type(obj).__name__}"',
    )
    # a field inside a field's format, a mapping, two strings joined: the model's to rewrite
    left = {_line(content, c).split(" = ")[0] for c in found if c.edit is None}
    assert left <= {"width", "raw", "joined"} and left


def test_a_percent_string_made_an_f_string_leads_to_the_format_calls_too() -> None:
    after = CODE.replace("'%d items at %s' % (len(items), address)", "f'{len(items)} items'")
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
