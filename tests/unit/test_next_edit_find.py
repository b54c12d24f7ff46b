"""Where the next edit goes after the user's last one (find_candidates): renames carried
through a file in Python, TypeScript and Go, a parameter's rename kept to its function, a
changed signature's calls, a changed line's like, and nothing after a one-place change."""

from __future__ import annotations

import pytest

from codesaga.domain.edits import Span, TextEdit, apply_edits, diff_edits, narrowed_edit
from codesaga.domain.next_edit_locations import (
    RENAME,
    SIGNATURE,
    SIMILAR,
    Candidate,
    LineIndex,
    recent_change,
)
from codesaga.domain.next_edit_similar import counterpart_candidates
from codesaga.service.next_edit_find import find_candidates
from tests.apart import run_apart


def _ask(before: str, after: str, language: str) -> tuple[str, list[Candidate]]:
    """The user turned ``before`` into ``after`` (one edit per changed line, as an editor
    sends them); the candidates, with the cursor at the end of the last edit."""
    history = diff_edits(before, after)
    return after, find_candidates(after, language, history, _end_of(history[-1]))


def _end_of(edit: TextEdit) -> tuple[int, int]:
    """The cursor after typing ``edit``: the end of what it wrote."""
    lines = edit.text.split("\n")
    line = edit.span.start_line + len(lines) - 1
    return line, (edit.span.start_column if len(lines) == 1 else 1) + len(lines[-1])


def _ask_in_one(before: str, after: str, language: str) -> list[Candidate]:
    """As ``_ask``, the lines the user changed sent as one edit (an editor's burst of typing
    diffed from its snapshot: one edit from the first character changed to the last)."""
    edit = narrowed_edit(before, 0, len(before), after)
    return find_candidates(after, language, [edit], _end_of(edit))


def _applied(content: str, candidates: list[Candidate]) -> str:
    return apply_edits(content, [c.edit for c in candidates if c.edit is not None])


PYTHON = '''"""Shapes: area is width times height."""

TOTAL = 3


def area(width, height):
    """The area of a width by a height."""
    # area, in square units
    return width * height


def perimeter(width, height):
    return 2 * (width + height)


class Room:
    def __init__(self, width, height):
        self.width = width
        self.height = height

    def size(self):
        return area(self.width, self.height)


print(area(2, 3), "area")
'''


def test_a_python_function_renamed_is_renamed_everywhere_but_in_strings_and_comments() -> None:
    content, found = _ask(PYTHON, PYTHON.replace("def area(", "def surface("), "python")
    assert {c.kind for c in found} == {RENAME}
    expected = PYTHON.replace("area(", "surface(")
    assert _applied(content, found) == expected
    assert '"area"' in expected and "# area, in" in expected and "Shapes: area" in expected


def test_parameters_renamed_together_each_its_own_way_are_renamed_in_their_function() -> None:
    code = (
        "def subdict(d, restrict_to=None, omit=None):\n"
        "    if restrict_to is None:\n"
        "        restrict_to = d.keys()\n"
        "    keys = set(restrict_to) - set(omit or ())\n"
        "    return {k: d[k] for k in keys}\n\n\n"
        "def other(omit):\n"
        "    return omit\n"
    )
    renamed = code.replace("restrict_to=None, omit=None", "keep=None, drop=None")
    found = _ask_in_one(code, renamed, "python")
    assert {c.kind for c in found} == {RENAME}
    expected = renamed.replace("restrict_to", "keep").replace("set(omit", "set(drop")
    assert _applied(renamed, found) == expected
    assert "def other(omit):\n    return omit\n" in expected


def test_a_long_generated_line_is_read_in_linear_time() -> None:
    # Where a name stands (a loop's target? assigned to?) was read with patterns whose two
    # parts could both take a space: a failing long line was tried at every split, and a
    # 48 kB generated line held the GIL, every client of the daemon with it, for 12 s.
    code = (
        "from codesaga.domain.edits import diff_edits\n"
        "from codesaga.service.next_edit_find import find_candidates as find\n"
        "for line in ('z = [' + 'for ' * 30000 + '! x]', ' ' * 60000 + '!x'):\n"
        "    before = f'def f(x):\\n    {line}\\n    x = 1\\n    return x\\n'\n"
        "    after = before.replace('def f(x)', 'def f(xy)')\n"
        "    edits = diff_edits(before, after)\n"
        "    found = find(after, 'python', edits, (1, 9))\n"
        "    assert {c.span.start_line for c in found} >= {3, 4}, found\n"
    )
    run_apart(code)


def test_a_python_parameter_renamed_is_renamed_in_its_function_only() -> None:
    after = PYTHON.replace("def area(width, height)", "def area(w, height)")
    content, found = _ask(PYTHON, after, "python")
    renamed = _applied(content, found)
    assert "def area(w, height):\n" in renamed and "return w * height" in renamed
    assert "def perimeter(width, height)" in renamed and "self.width = width" in renamed
    # its docstring names it too (real commits renaming a parameter rename it there, prose
    # or not), after the code's uses; the module's docstring is another's
    assert "The area of a w by" in renamed and "Shapes: area is width" in renamed
    assert [c.span.start_line for c in found] == [9, 7]


def test_a_python_attribute_renamed_where_it_is_assigned_follows_its_receiver() -> None:
    after = PYTHON.replace("self.width = width", "self.wide = width")
    content, found = _ask(PYTHON, after, "python")
    renamed = _applied(content, found)
    assert "area(self.wide, self.height)" in renamed
    assert "def __init__(self, width, height)" in renamed and "return width * height" in renamed


def test_a_class_attribute_renamed_leaves_a_module_name_used_in_a_method_alone() -> None:
    # In a method, a plain `name` is the module's: renamed with the class's, it was a
    # NameError. A property's `@name.setter` in the class body is the class's.
    code = (
        'name = "x"\n\n\nclass A:\n    name = "a"\n\n    @name.setter\n'
        "    def f(self):\n        return self.name + name\n"
    )
    after = code.replace('    name = "a"', '    title = "a"')
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("@name", "@title").replace(
        "self.name", "self.title"
    )


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python", "def handle(request):\n    # send(request, 3) may raise\n"
         "    return send(request, 3)\n"),
        ("typescript", "function handle(request) {\n  // send(request, 3) may throw\n"
         "  return send(request, 3);\n}\n"),
    ],
)  # fmt: skip
def test_a_change_in_a_comment_is_not_repeated_in_code(language: str, code: str) -> None:
    # `# sendd(...)`, a typo, was offered as a computed edit of the call below it.
    for old, new in [("send(request, 3) may", "sendd(request, 3) may"), (", 3) may", "=5) may")]:
        content, found = _ask(code, code.replace(old, new), language)
        assert _applied(content, found) == content, (old, new)
    # a comment's like is still a place for it
    two = code + code.replace("handle", "other")
    after = two.replace("send(request, 3) may", "send(request, 4) may", 1)
    content, found = _ask(two, after, language)
    assert _applied(content, found).count("send(request, 4) may") == 2
    assert _applied(content, found).count("return send(request, 3)") == 2


def test_a_misspelled_member_fixed_to_the_spelling_used_elsewhere_is_fixed_everywhere() -> None:
    code = (
        "res.end = function end(chunk, encoding) {\n"
        "  if (!this.headersSent) {\n    this.setup();\n  }\n"
        "  if (chunk) {\n"
        "    if (!this.headerSent && getSize(chunk) < threshold) compress = false;\n"
        "  } else if (!this.headerSent) {\n    this.ended();\n  }\n"
        "  return this.result || this.results;\n"
        "};\n"
    )
    after = code.replace("if (!this.headerSent &&", "if (!this.headersSent &&")
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == after.replace("headerSent", "headersSent")
    # names that differ at an end are other names: `results` is not `result` misspelled
    after = code.replace("this.result ||", "this.results ||")
    assert _ask(code, after, "javascript")[1] == []
    # and so is a name assigned somewhere: a use switched from one field to another
    fields = (
        "class Link {\n  constructor() {\n    this.sendQueue = [];\n    this.sentQueue = [];\n  }\n"
    )
    fields += "  flush(m) {\n    this.sendQueue.push(m);\n    this.sendQueue.shift();\n  }\n}\n"
    after = fields.replace("this.sendQueue.push(m)", "this.sentQueue.push(m)")
    content, found = _ask(fields, after, "javascript")
    assert "this.sendQueue = [];" in _applied(content, found)
    assert all(c.kind != RENAME for c in found)


def test_a_method_switched_for_one_already_called_there_is_switched_on_alike_lines_only() -> None:
    code = (
        "def run(log, jobs):\n"
        '    log.info("start")\n'
        '    log.debug("work")\n'
        '    log.info("end")\n'
        '    log.info("finished %d jobs", len(jobs), extra={"elapsed": elapsed()})\n'
    )
    after = code.replace('log.info("start")', 'log.warning("start")')
    content, found = _ask(code, after, "python")
    # `log.warning` is new: `info` is renamed wherever it stands
    assert _applied(content, found) == code.replace("log.info", "log.warning")
    # `log.debug` is used already: one call switched, repeated where the line is alike only
    after = code.replace('log.info("start")', 'log.debug("start")')
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace('log.info("end")', 'log.debug("end")')


def test_a_variable_switched_for_one_already_there_is_switched_at_its_other_uses() -> None:
    code = (
        "def show(lines, code_lines, line1):\n"
        "    start = lines[line1]\n"
        "    width = len(lines[line1 - 1])\n"
        "    return start, width\n"
    )
    after = code.replace("start = lines[", "start = code_lines[")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("len(lines[", "len(code_lines[")
    assert "def show(lines, code_lines" in _applied(content, found)  # a whole word only


def test_a_variable_switched_in_a_line_repeated_elsewhere_is_switched_in_its_copies() -> None:
    code = (
        "def structure(obj, handler):\n"
        "    errors = []\n"
        "    for e in obj:\n"
        "        try:\n"
        "            handler(e)\n"
        "        except Exception as exc:\n"
        '            exc.__notes__ = [*getattr(e, "__notes__", []), "in a list"]\n'
        "            errors.append(exc)\n"
        "    for e in sorted(obj):\n"
        "        try:\n"
        "            handler(e)\n"
        "        except Exception as exc:\n"
        '            exc.__notes__ = [*getattr(e, "__notes__", []), "sorted"]\n'
        "            errors.append(exc)\n"
        "    return errors\n"
    )
    after = code.replace("getattr(e,", "getattr(exc,", 1)
    content, found = _ask(code, after, "python")
    # the copy of the line, not the loop's other uses of `e` (`handler(e)`)
    assert _applied(content, found) == code.replace("getattr(e,", "getattr(exc,")


def test_a_module_variable_renamed_to_a_name_functions_bind_for_themselves() -> None:
    code = (
        "_console_default: Optional[Console] = None\n"
        "\n"
        "\n"
        "def get_console():\n"
        "    global _console_default\n"
        "    if _console_default is None:\n"
        "        _console_default = Console()\n"
        "    return _console_default\n"
        "\n"
        "\n"
        "def reconfigure():\n"
        "    _console = get_console()\n"
        "    _console.reset()\n"
    )
    after = code.replace("_console_default: ", "_console: ")
    content, found = _ask(code, after, "python")
    # `reconfigure`'s own `_console` is another variable: no clash, and it is left as it is;
    # the function that declares the module's `global` follows the rename
    assert _applied(content, found) == after.replace("_console_default", "_console")
    # but a function whose own `_console` stands beside a use of the module's: the rename
    # would hand that use to the local
    swap = code + "\n\ndef swap(new):\n    _console = new\n    return _console_default\n"
    _, found = _ask(swap, swap.replace("_console_default: ", "_console: "), "python")
    assert found == []


def test_a_function_called_from_another_module_is_called_so_where_the_old_one_calls_it() -> None:
    code = (
        "import asyncio\n"
        "import inspect\n"
        "from asyncio import AbstractEventLoop\n"
        "\n"
        "\n"
        "def is_coroutine(obj):\n"
        "    return asyncio.iscoroutinefunction(obj)\n"
        "\n"
        "\n"
        "def collect(item):\n"
        "    loop = asyncio.new_event_loop()\n"
        "    if getattr(item, 'hypothesis', None) and asyncio.iscoroutinefunction(item.inner):\n"
        "        loop.close()\n"
    )
    after = code.replace(
        "return asyncio.iscoroutinefunction(obj)", "return inspect.iscoroutinefunction(obj)"
    )
    content, found = _ask(code, after, "python")
    # the same member only: `asyncio.new_event_loop` stays
    assert _applied(content, found) == after.replace(
        "asyncio.iscoroutinefunction", "inspect.iscoroutinefunction"
    )
    # a variable is no module: `rows.copy()` switched for `other.copy()` in one function
    local = (
        "def first(rows, other):\n"
        "    rows = list(rows)\n"
        "    return rows.copy()\n"
        "\n"
        "\n"
        "def second(rows):\n"
        "    rows = sorted(rows)\n"
        "    return rows.copy()\n"
    )
    switched = local.replace("return rows.copy()", "return other.copy()", 1)
    assert all(c.span.start_line < 6 for c in _ask(local, switched, "python")[1])
    # nor a module's variable, nor a module switched for a parameter
    cache = (
        "cache = {}\nfallback = {}\n\n\ndef get(k):\n    return cache.get(k)\n\n\n"
        "def peek(k):\n    value = cache.get(k)\n    return value\n"
    )
    switched = cache.replace("return cache.get(k)", "return fallback.get(k)")
    assert _ask(cache, switched, "python")[1] == []
    fetch = (
        "import requests\n\n\ndef fetch(session, url):\n    return requests.get(url)\n\n\n"
        "def health(url):\n    response = requests.get(url)\n    return response.ok\n"
    )
    switched = fetch.replace("return requests.get(url)", "return session.get(url)")
    assert _ask(fetch, switched, "python")[1] == []
    # modules bound by CommonJS's require, or named in a parenthesized import
    js = (
        'const util = require("util");\nconst types = require("util/types");\n'
        "function check(a) {\n  return util.isDate(a);\n}\n"
        "function describe(value, options) {\n"
        "  if (options.verbose && util.isDate(value)) {\n    return value.toISOString();\n  }\n}\n"
    )
    content, found = _ask(js, js.replace("return util.isDate", "return types.isDate"), "javascript")
    assert _applied(content, found) == js.replace("util.isDate", "types.isDate")
    py = (
        "import asyncio\nfrom . import (\n    compat,\n    utils,\n)\n\n\n"
        "def is_async(obj):\n    return asyncio.iscoroutinefunction(obj)\n\n\n"
        "def wrap(fn):\n"
        "    if asyncio.iscoroutinefunction(fn) and utils.ready():\n"
        "        return fn\n"
    )
    after = py.replace("return asyncio.iscoroutinefunction", "return compat.iscoroutinefunction")
    content, found = _ask(py, after, "python")
    assert _applied(content, found) == py.replace(
        "asyncio.iscoroutinefunction", "compat.iscoroutinefunction"
    )


def test_a_local_renamed_leaves_members_of_that_name_alone() -> None:
    code = "def run(job, total):\n    job.total = total\n    return job.total + total\n"
    after = code.replace("def run(job, total)", "def run(job, amount)")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("= total", "= amount").replace(
        "+ total", "+ amount"
    )


def test_a_local_that_shadowed_a_builtin_renamed_is_renamed_in_its_function_only() -> None:
    code = (
        "def size(value):\n"
        "    bytes = float(value)\n"
        "    if bytes < 1024:\n"
        '        return "%d B" % bytes\n'
        "    return bytes / 1024\n\n\n"
        "def raw(text):\n"
        "    return bytes(text, 'utf-8')\n"
    )
    after = code.replace("    bytes = float", "    bytes_ = float")
    content, found = _ask(code, after, "python")
    # the builtin called in another function is the builtin
    assert _applied(content, found) == after.replace("if bytes <", "if bytes_ <").replace(
        "% bytes\n", "% bytes_\n"
    ).replace("return bytes /", "return bytes_ /")
    # a builtin swapped for another (`bytes` to `str`) is no rename
    _, found = _ask(code, code.replace("    bytes = float", "    str = float"), "python")
    assert not found
    # nor one the changed line uses without binding it: `print` made `_print`, `this` made
    # `_this` in a callback (the method beside it has no `_this`)
    calls = "def a(x):\n    print(x)\n\n\ndef b(y):\n    print(y)\n"
    assert _ask(calls, calls.replace("    print(x)", "    _print(x)"), "python")[1] == []
    script = (
        "function Widget() {\n  var _this = this;\n"
        "  setTimeout(function () {\n    this.count += 1;\n  });\n}\n"
        "Widget.prototype.reset = function () {\n  this.count = 0;\n};\n"
    )
    after = script.replace("    this.count += 1", "    _this.count += 1")
    assert _ask(script, after, "javascript")[1] == []


def test_a_line_changed_under_a_line_is_changed_where_the_two_stand_together() -> None:
    code = (
        "class Dataset:\n"
        "    def stack(self, other):\n"
        "        if not isinstance(other, Dataset):\n"
        "            return\n"
        "        return self.rows + other.rows\n\n"
        "    def join(self, other):\n"
        "        if not isinstance(other, Dataset):\n\n"
        "            return\n"
        "        if other.empty:\n"
        "            return\n"
        "        return self.rows\n"
    )
    raised = "            raise TypeError('other must be a Dataset')\n"
    after = code.replace("Dataset):\n            return\n", f"Dataset):\n{raised}", 1)
    content, found = _ask(code, after, "python")
    # under the same line (a blank line between is no matter), not under another `if`
    assert _applied(content, found) == after.replace(
        "Dataset):\n\n            return\n", f"Dataset):\n\n{raised}"
    )
    # spaces taken out are the line's layout; the same two lines in a docstring, prose
    dedented = code.replace("Dataset):\n            return\n", "Dataset):\n        return\n", 1)
    assert not [c for c in _ask(code, dedented, "python")[1] if c.span.start_line == 9]
    # a line the same but for a trailing space: the user's edit would not stand at its place
    spaced = code.replace("Dataset):\n            return\n", "Dataset):\n            return  \n", 1)
    changed = spaced.replace("return  \n", "raise TypeError('x')  \n", 1)
    assert _ask(spaced, changed, "python")[1] == []
    prose = '"""\nUsage: the list is:\n    base64url\n\nUsage: the list is:\n    base64url\n"""\n'
    _, found = _ask(prose, prose.replace("base64url", "base64rawurl", 1), "python")
    assert not found


TYPESCRIPT = """import { get } from "./http";

// fetchUser loads one user
export function fetchUser(id: string, retries: number): Promise<User> {
  const url = `/users/${id}?retries=${retries}`;
  return get(url, { id, retries });
}

export class Users {
  count = 0;

  async load(id: string): Promise<User> {
    this.count += 1;
    return await fetchUser(id, 3);
  }
}

export const again = (id: string) => fetchUser(id, 1);
"""


def test_a_typescript_function_renamed_is_renamed_everywhere_but_in_comments() -> None:
    after = TYPESCRIPT.replace("export function fetchUser(", "export function loadUser(")
    content, found = _ask(TYPESCRIPT, after, "typescript")
    assert len(found) == 2
    expected = after.replace("fetchUser(id", "loadUser(id")
    assert _applied(content, found) == expected and "// fetchUser loads" in expected


def test_a_javascript_parameter_named_as_a_typescript_type_renamed_is_a_rename() -> None:
    code = (
        "var compiler = {\n"
        "  appendToBuffer: function(string, location) {\n"
        "    if (!isArray(string)) {\n"
        "      string = [string];\n"
        "    }\n"
        "    string = this.source.wrap(string, location);\n"
        "    return string;\n"
        "  }\n"
        "};\n"
    )
    after = code.replace("function(string, location)", "function(source, location)")
    content, found = _ask(code, after, "javascript")
    # `string` is a name in JavaScript (in TypeScript, a type: `x: string` made `x: number`)
    assert _applied(content, found) == after.replace("string", "source")


def test_a_member_switched_on_a_variable_follows_fields_of_that_name() -> None:
    code = (
        "form.on('file', function(name, file) {\n"
        "  file.on('progress', function(bytesReceived) {\n"
        "    assert.equal(bytesReceived, file.length);\n"
        "  });\n"
        "});\n"
        "form.on('end', function() {\n"
        "  assert.equal(uploads['a.flv'].progress.length, 3);\n"
        "  assert.equal(uploads['a.flv'].file.length, 1024);\n"
        "});\n"
    )
    after = code.replace("bytesReceived, file.length", "bytesReceived, file.size")
    content, found = _ask(code, after, "javascript")
    # `.file` is a file too; `.progress` is a list, whose length stays
    assert _applied(content, found) == after.replace(".file.length", ".file.size")


def test_an_all_entry_renamed_renames_the_definition_it_names() -> None:
    code = (
        "__all__ = ['walk', 'select', 'throw', 'zipdict']\n"
        "\n"
        "\n"
        "def throw(coll, keys):\n"
        "    return {k: v for k, v in coll.items() if k not in keys}\n"
        "\n"
        "\n"
        "def project(coll, keys):\n"
        "    return throw(coll, set(coll) - set(keys))\n"
    )
    after = code.replace("'throw'", "'omit'")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("throw(", "omit(")
    # not where the new name is taken already
    taken = code + "\n\nomit = None\n"
    assert _ask(taken, taken.replace("'throw'", "'omit'"), "python")[1] == []


def test_a_typescript_parameter_renamed_stays_in_its_function_and_keeps_object_keys() -> None:
    after = TYPESCRIPT.replace("fetchUser(id: string, retries", "fetchUser(userId: string, retries")
    content, found = _ask(TYPESCRIPT, after, "typescript")
    renamed = _applied(content, found)
    assert "`/users/${userId}?retries=${retries}`" in renamed
    assert "get(url, { id: userId, retries })" in renamed
    assert "async load(id: string)" in renamed and "fetchUser(id, 3)" in renamed


def test_a_typescript_class_field_renamed_follows_this() -> None:
    content, found = _ask(TYPESCRIPT, TYPESCRIPT.replace("  count = 0;", "  loads = 0;"), "ts")
    assert _applied(content, found) == TYPESCRIPT.replace("count", "loads")


GO = """package store

import "fmt"

// Store keeps items; Get reads one.
type Store struct {
	items map[string]int
	hits  int
}

func NewStore() *Store {
	return &Store{items: map[string]int{}, hits: 0}
}

func (s *Store) Get(key string) (int, bool) {
	s.hits++
	v, ok := s.items[key]
	fmt.Println("Get", key)
	return v, ok
}

func use(s *Store) {
	key := "a"
	s.Get(key)
	fmt.Println(s.hits)
}
"""


def test_a_go_method_renamed_is_renamed_at_its_calls_not_in_strings_or_comments() -> None:
    after = GO.replace("func (s *Store) Get(", "func (s *Store) Lookup(")
    content, found = _ask(GO, after, "go")
    assert _applied(content, found) == after.replace("s.Get(key)", "s.Lookup(key)")


def test_a_go_struct_field_renamed_is_renamed_in_literals_and_selectors() -> None:
    after = GO.replace("\thits  int", "\tlookups int")
    content, found = _ask(GO, after, "go")
    assert _applied(content, found) == after.replace("hits", "lookups")


def test_a_go_type_renamed_with_its_doc_comment_in_one_edit_is_renamed_at_its_uses() -> None:
    code = (
        "package dotenv\n"
        "\n"
        "// DOTENV implements a DOTENV parser.\n"
        "type DOTENV struct{}\n"
        "\n"
        "// Parser returns a DOTENV Parser.\n"
        "func Parser() *DOTENV {\n"
        "\treturn &DOTENV{}\n"
        "}\n"
    )
    after = code.replace(
        "// DOTENV implements a DOTENV parser.\ntype DOTENV",
        "// DotEnv implements a DotEnv parser.\ntype DotEnv",
    )
    content, found = _ask(code, after, "go")
    # the first place renamed is in the comment: the rename is the type's, whose uses follow
    assert _applied(content, found) == after.replace("*DOTENV {", "*DotEnv {").replace(
        "&DOTENV{", "&DotEnv{"
    )


def test_a_name_under_a_comment_that_ends_with_a_dot_is_no_member() -> None:
    code = (
        "class Resolver:\n"
        "    def lookup(self, uri, resource):\n"
        "        return self.with_resource(uri, resource)\n"
        "\n"
        "\n"
        "#: An anchor or resource.\n"
        'T = TypeVar("T", int, str)\n'
        "\n"
        "\n"
        "class Retrieved(Generic[T]):\n"
        "    value: T\n"
    )
    # (read as `resource.T`, a member assigned, the renamed TypeVar's uses were no rename's)
    after = code.replace('T = TypeVar("T"', 'Found = TypeVar("Found"')
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("[T]", "[Found]").replace(": T", ": Found")
    ruby = code.replace("#: An", "# An").replace('T = TypeVar("T", int, str)', "T = 1")
    ruby_after = ruby.replace("T = 1", "Found = 1")
    content, found = _ask(ruby, ruby_after, "ruby")  # (a language read without a grammar)
    assert _applied(content, found) == ruby_after.replace("[T]", "[Found]").replace(
        ": T", ": Found"
    )


def test_a_go_package_type_switched_in_one_type_is_switched_where_the_type_stands() -> None:
    code = (
        "package slog\n"
        "\n"
        'import "log/slog"\n'
        "\n"
        "type Options struct {\n"
        "\tLevelMapper func(logrus.Level) slog.Leveler\n"
        "}\n"
        "\n"
        "func NewHook(opts *Options) *Hook {\n"
        "\tvar fallback slog.Leveler = slog.LevelInfo\n"
        "\treturn &Hook{opts: opts, level: fallback}\n"
        "}\n"
    )
    after = code.replace("logrus.Level) slog.Leveler", "logrus.Level) slog.Level")
    content, found = _ask(code, after, "go")
    # (`slog.Leveler` as a type was read as a plain name, and `Level`, used already, a switch)
    assert _applied(content, found) == after.replace("slog.Leveler =", "slog.Level =")


def test_a_class_renamed_leaves_a_namespaces_type_of_that_name_alone() -> None:
    code = (
        'import * as ts from "typescript";\n'
        "\n"
        "class Node {\n"
        "  constructor(public source: ts.Node) {}\n"
        "}\n"
        "\n"
        "function wrap(source: ts.Node): Node {\n"
        "  return new Node(source);\n"
        "}\n"
    )
    after = code.replace("class Node {", "class TreeNode {")
    content, found = _ask(code, after, "typescript")
    assert _applied(content, found) == after.replace("): Node", "): TreeNode").replace(
        "new Node(", "new TreeNode("
    )


def test_a_go_method_named_as_a_builtin_renamed_is_renamed_at_its_calls() -> None:
    code = (
        "package toml\n"
        "\n"
        "func (p *parser) panic(format string, v ...interface{}) {\n"
        "\tpanic(parseError(fmt.Sprintf(format, v...)))\n"
        "}\n"
        "\n"
        "func (p *parser) topLevel(item item) {\n"
        "\tif item.typ != itemKey {\n"
        '\t\tp.panic("unexpected %s", item.typ)\n'
        "\t}\n"
        "}\n"
    )
    after = code.replace("func (p *parser) panic(", "func (p *parser) panicf(")
    content, found = _ask(code, after, "go")
    # the builtin `panic` it calls is left alone
    assert _applied(content, found) == after.replace("p.panic(", "p.panicf(")


def test_a_go_parameter_renamed_stays_in_its_function() -> None:
    after = GO.replace("Get(key string)", "Get(name string)")
    content, found = _ask(GO, after, "go")
    renamed = _applied(content, found)
    assert "s.items[name]" in renamed and 'fmt.Println("Get", name)' in renamed
    assert 'key := "a"' in renamed and "s.Get(key)" in renamed


def test_a_keyword_renamed_in_one_call_is_renamed_in_the_other_calls_of_that_function() -> None:
    code = (
        "a = Attribute(name='x', default_value=1)\n"
        "b = Attribute(name='y', default_value=2)\n"
        "c = Other(default_value=3)\n"
        "default_value = 4\n"
    )
    after = code.replace("default_value=1", "initial=1")
    content, found = _ask(code, after, "python")
    assert [(c.kind, c.span.start_line) for c in found] == [(RENAME, 2)]
    assert _applied(content, found) == after.replace("default_value=2", "initial=2")
    js = (
        "help.configure({ columns: 80 });\n"
        "other.configure({ columns: 60 });\n"
        "layout({ columns: 2 });\n"
    )
    after = js.replace("columns: 80", "width: 80")
    content, found = _ask(js, after, "javascript")
    assert _applied(content, found) == after.replace("columns: 60", "width: 60")


def test_a_keyword_on_a_line_of_a_wrapped_call_is_a_keyword() -> None:
    code = (
        "async def getaddrinfo(host, port):\n"
        "    return await trio.to_thread.run_sync(\n"
        "        _stdlib_socket.getaddrinfo, host, port,\n"
        "        cancellable=True,\n"
        "    )\n"
        "\n"
        "\n"
        "async def getnameinfo(sockaddr, flags):\n"
        "    return await trio.to_thread.run_sync(\n"
        "        _stdlib_socket.getnameinfo, sockaddr, flags, cancellable=True\n"
        "    )\n"
    )
    after = code.replace("        cancellable=True,", "        abandon_on_cancel=True,")
    content, found = _ask(code, after, "python")
    # (after `flags, ` on a line of its own it was read as a variable assigned)
    assert _applied(content, found) == after.replace("cancellable", "abandon_on_cancel")
    # a tuple assigned is no call's arguments, whatever brackets stand in strings above
    code = (
        "def scan(text):\n"
        "    for c in text:\n"
        '        if c == "(":\n'
        "            pass\n"
        "    start, end = 0, len(text)\n"
        "    return text[start:end]\n"
    )
    after = code.replace("start, end = 0", "start, stop = 0")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("[start:end]", "[start:stop]")
    # nor a tuple on the first line, whatever a comment below says; and a call's line above
    # is found past a comment line, its string's `#` no comment
    top = "lo, hi = 0, 10\nvalues = (lo,  # low\n          hi)\nprint(hi)\n"
    content, found = _ask(top, top.replace("lo, hi = 0", "lo, top = 0"), "python")
    assert _applied(content, found) == top.replace("hi", "top")
    wrapped = (
        "async def getaddrinfo(host, port):\n"
        "    return await run_sync(getaddrinfo, host, port, cancellable=True)\n"
        "\n"
        "\n"
        "async def getnameinfo(sockaddr, flags):\n"
        "    return await run_sync(\n"
        '        "#getnameinfo",\n'
        "        # flags as given\n"
        "        sockaddr, flags, cancellable=True\n"
        "    )\n"
    )
    after = wrapped.replace("port, cancellable=True", "port, abandon_on_cancel=True")
    content, found = _ask(wrapped, after, "python")
    assert _applied(content, found) == after.replace("cancellable", "abandon_on_cancel")


def test_parameters_put_in_another_order_reorder_the_calls_arguments() -> None:
    code = (
        "let nanoid3 = (getRandom, alphabet, size) => {\n"
        "  return getRandom(size).map((n) => alphabet[n]).join('')\n"
        "}\n"
        "\n"
        "let nanoid2 = (alphabet, size) => nanoid3(random, alphabet, size)\n"
    )
    after = code.replace("(getRandom, alphabet, size) =>", "(size, alphabet, getRandom) =>")
    content, found = _ask(code, after, "javascript")
    # (read as two parameters renamed, each its own way, the body's names were swapped)
    assert _applied(content, found) == after.replace(
        "nanoid3(random, alphabet, size)", "nanoid3(size, alphabet, random)"
    )


def test_a_parameter_put_last_is_handed_on_to_the_function_of_the_same_name() -> None:
    code = (
        "function render(str, ctx) {\n"
        "    var e = new env.Environment(loader, null, true);\n"
        "    var t = e.getTemplate(str);\n"
        "    return t.render(ctx);\n"
        "}\n"
    )
    after = code.replace("render(str, ctx) {", "render(str, ctx, cb) {")
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == after.replace("t.render(ctx)", "t.render(ctx, cb)")
    # by keyword where that call passes its arguments so
    python = (
        "def enable_fts(path, table, column, fts4):\n"
        '    fts_version = "FTS4" if fts4 else "FTS5"\n'
        "    db = Database(path)\n"
        "    db[table].enable_fts(column, fts_version=fts_version)\n"
    )
    after = python.replace("column, fts4):", "column, fts4, create_triggers):")
    content, found = _ask(python, after, "python")
    assert _applied(content, found) == after.replace(
        "fts_version=fts_version)", "fts_version=fts_version, create_triggers=create_triggers)"
    )
    # by keyword after another keyword, never by position
    render = (
        "def render(template, context):\n"
        "    engine = Engine(strict=True)\n"
        "    return engine.render(template, autoescape=True)\n"
    )
    after = render.replace("template, context):", "template, context, partials):")
    content, found = _ask(render, after, "python")
    assert _applied(content, found) == after.replace(
        "autoescape=True)", "autoescape=True, partials=partials)"
    )
    # after a mapping spread too; and an arrow function passed is no keyword
    spread = render.replace("autoescape=True)", "**DEFAULTS)")
    after = spread.replace("template, context):", "template, context, partials):")
    content, found = _ask(spread, after, "python")
    assert _applied(content, found) == after.replace(
        "**DEFAULTS)", "**DEFAULTS, partials=partials)"
    )
    js = "function load(url, retries) {\n  return client.load(url, err => console.error(err));\n}\n"
    after = js.replace("(url, retries)", "(url, retries, timeout)")
    content, found = _ask(js, after, "javascript")
    assert _applied(content, found) == after.replace("(err));", "(err), timeout);")
    # a call of that name that hands none of the parameters on is another function's
    close = (
        "class Conn:\n"
        "    def close(self, force=False):\n"
        "        if force:\n"
        "            self._abort()\n"
        "        self._sock.close()\n"
    )
    after = close.replace("force=False):", "force=False, timeout=None):")
    assert [c for c in _ask(close, after, "python")[1] if c.edit is not None] == []


def test_a_definition_renamed_is_renamed_where_other_open_documents_use_it() -> None:
    after = PYTHON.replace("def area(", "def surface(")
    others = {
        "/w/app.py": "from shapes import (\n    TOTAL,\n    area,\n)\n\nprint(area(1, 2))\n",
        "/w/own.py": "def area(x):\n    return x\n\n\nprint(area(1))\n",  # its own area
        "/w/taken.py": "from shapes import area\nsurface = area(1, 1)\n",  # has the new name
        "/w/ui.ts": "import { area } from './shapes';\nconst a = area(1, 2) + room.area;\n",
    }
    found = find_candidates(after, "python", diff_edits(PYTHON, after), (6, 12), others)
    here = [c for c in found if c.path is None]
    assert here and all(c.kind == RENAME for c in found)
    elsewhere = [(c.path, c.span.start_line) for c in found if c.path is not None]
    assert elsewhere == [("/w/app.py", 3), ("/w/app.py", 6), ("/w/ui.ts", 1), ("/w/ui.ts", 2)]
    for c in found:
        if c.path is not None:
            assert c.edit is not None and (c.edit.removed, c.edit.text) == ("area", "surface")
    # a parameter or local renamed stays in its document
    local = PYTHON.replace("def area(width,", "def area(w,")
    found = find_candidates(local, "python", diff_edits(PYTHON, local), (6, 11), others)
    assert found and {c.path for c in found} == {None}


def test_a_required_parameter_added_points_at_the_calls() -> None:
    after = PYTHON.replace("def area(width, height):", "def area(width, height, depth):")
    content, found = _ask(PYTHON, after, "python")
    lines = content.split("\n")
    # each call its own rewrite (the model rewrites a place's own lines), nearest the
    # definition first
    assert [(c.kind, c.edit, lines[c.span.start_line - 1].strip()) for c in found] == [
        (SIGNATURE, None, "return area(self.width, self.height)"),
        (SIGNATURE, None, 'print(area(2, 3), "area")'),
    ]


def test_a_change_to_use_a_variable_is_not_repeated_on_the_variable_s_definition() -> None:
    code = (
        "var slice = Array.prototype.slice;\n\n"
        "function a() {\n  return Array.prototype.slice.call(arguments);\n}\n\n"
        "function b() {\n  return Array.prototype.slice.call(arguments, 1);\n}\n"
    )
    after = code.replace("Array.prototype.slice.call(arguments);", "slice.call(arguments);")
    content, found = _ask(code, after, "javascript")
    # not `var slice = slice;`
    assert _applied(content, found) == after.replace("Array.prototype.slice.call", "slice.call")


def test_a_method_changed_points_at_its_calls_not_at_a_module_function_of_its_name() -> None:
    code = (
        "import time\n\n\n"
        "class Retry:\n"
        "    def sleep(self):\n"
        "        time.sleep(self.backoff)\n\n"
        "    def run(self):\n"
        "        self.sleep()\n"
    )
    after = code.replace("def sleep(self):", "def sleep(self, response):")
    found = _ask(code, after, "python")[1]
    # not `time.sleep(response, self.backoff)`
    assert [(c.kind, c.span.start_line) for c in found] == [(SIGNATURE, 9)]


def test_a_typescript_and_a_go_signature_change_point_at_their_calls() -> None:
    ts = TYPESCRIPT.replace("retries: number)", "retries: number, timeout: number)")
    content, found = _ask(TYPESCRIPT, ts, "typescript")
    lines = content.split("\n")
    assert [(c.kind, lines[c.span.start_line - 1].strip()) for c in found] == [
        (SIGNATURE, "return await fetchUser(id, 3);"),
        (SIGNATURE, "export const again = (id: string) => fetchUser(id, 1);"),
    ]
    go = GO.replace("Get(key string)", "Get(ctx context.Context, key string)")
    content, found = _ask(GO, go, "go")
    assert [(c.kind, content.split("\n")[c.span.start_line - 1]) for c in found] == [
        (SIGNATURE, "\ts.Get(key)")
    ]


GO_RESULTS = """package ipnet

func (s *ipSlice) fromString(val string) (net.IP, error) {
	return net.ParseIP(val), nil
}

func (s *ipSlice) Set(val string) error {
	i, err := s.fromString(val)
	if err != nil {
		return err
	}
	s.value = append(s.value, i)
	s.fromString(val)
	return nil
}

func (s *ipSlice) Replace(val string) (net.IP, error) {
	return s.fromString(val)
}
"""


def test_a_go_function_given_fewer_results_points_at_what_takes_its_values() -> None:
    after = GO_RESULTS.replace("(val string) (net.IP, error) {", "(val string) net.IP {", 1)
    found = _ask_in_one(GO_RESULTS, after, "go")
    lines = after.split("\n")
    assert [lines[c.span.start_line - 1] for c in found] == [
        "\treturn net.ParseIP(val), nil",  # its own return of two values
        "\ti, err := s.fromString(val)",
        "\treturn s.fromString(val)",
    ]  # not the call whose values no one takes, nor the returns of other functions
    assert all(c.edit is None for c in found)  # the model's to rewrite
    # its returns read to their end, without comments; not those of a literal inside it
    go = (
        "package p\n\nfunc open(name string) (*File, error) {\n\tsort.Slice(xs, func(i, j int) "
        '(bool, error) {\n\t\treturn xs[i] < xs[j], nil\n\t})\n\tif name == "" {\n'
        "\t\treturn nil, nil // no name, no file\n\t}\n"
        "\treturn &File{\n\t\tname: name,\n\t}, nil\n}\n"
    )
    after = go.replace("(name string) (*File, error) {", "(name string) *File {")
    lines = after.split("\n")
    assert [lines[c.span.start_line - 1] for c in _ask_in_one(go, after, "go")] == [
        "\t\treturn nil, nil // no name, no file",
        "\treturn &File{",
    ]
    # a result's type changed, as many as before: nothing to follow
    same = GO_RESULTS.replace("(val string) (net.IP, error) {", "(val string) (IP, error) {")
    assert _ask_in_one(GO_RESULTS, same, "go") == []


def test_a_go_function_given_a_result_points_at_its_calls_that_stand_alone() -> None:
    before = GO_RESULTS.replace(
        "(s *ipSlice) fromString(val string) (net.IP, error) {",
        "(s *ipSlice) fromString(val string) {",
    )
    after = before.replace(
        "(s *ipSlice) fromString(val string) {", "(s *ipSlice) fromString(val string) error {"
    )
    found = _ask_in_one(before, after, "go")
    lines = after.split("\n")
    assert [lines[c.span.start_line - 1] for c in found] == [
        "\ti, err := s.fromString(val)",
        "\ts.fromString(val)",  # its error is to be checked now
        "\treturn s.fromString(val)",
    ]


def test_a_generic_go_functions_signature_change_points_at_its_calls() -> None:
    go = (
        "package p\n\nfunc Map[T any, R any](xs []T) []R {\n\treturn nil\n}\n\n"
        "func f() {\n\tys := Map[int, int](nil)\n\tzs := Map(nil)\n}\n"
    )
    after = go.replace("(xs []T) []R {", "(xs []T, f func(T) R) []R {")
    content, found = _ask(go, after, "go")
    assert [(c.kind, content.split("\n")[c.span.start_line - 1]) for c in found] == [
        (SIGNATURE, "\tzs := Map(nil)")
    ]  # (a call that names the type arguments is not read as a call yet)
    more = go.replace("(xs []T) []R {", "(xs []T) ([]R, error) {")
    content, found = _ask(go, more, "go")
    assert [content.split("\n")[c.span.start_line - 1] for c in found] == [
        "\treturn nil",
        "\tzs := Map(nil)",
    ]


def test_self_added_to_a_javascript_function_is_a_parameter_its_calls_must_pass() -> None:
    js = (
        "function Cache () {\n  this.get = function (key) {\n    return get(key)\n  }\n"
        "  function get (key) {\n    return key\n  }\n}\n"
    )
    after = js.replace("function get (key)", "function get (self, key)")
    content, found = _ask(js, after, "javascript")
    assert [(c.kind, content.split("\n")[c.span.start_line - 1]) for c in found] == [
        (SIGNATURE, "    return get(key)")
    ]


def test_a_parameter_added_and_used_in_one_edit_points_at_the_calls() -> None:
    after = PYTHON.replace(
        'def area(width, height):\n    """The area of a width by a height."""\n'
        "    # area, in square units\n    return width * height",
        'def area(width, height, depth):\n    """The area of a width by a height."""\n'
        "    # area, in square units\n    return width * height * depth",
    )
    found = _ask_in_one(PYTHON, after, "python")
    lines = after.split("\n")
    assert [(c.kind, lines[c.span.start_line - 1].strip()) for c in found] == [
        (SIGNATURE, "return area(self.width, self.height)"),
        (SIGNATURE, 'print(area(2, 3), "area")'),
    ]
    go = GO.replace("Get(key string)", "Get(ctx context.Context, key string)").replace(
        "\ts.hits++", "\ts.hits += ctx.Value(hits).(int)"
    )
    found = _ask_in_one(GO, go, "go")
    assert [(c.kind, go.split("\n")[c.span.start_line - 1]) for c in found] == [
        (SIGNATURE, "\ts.Get(key)")
    ]


def test_a_parameter_added_then_used_a_line_below_points_at_the_calls() -> None:
    # two edits, as an editor sends them: the signature's, then the body's (which alone
    # repeats nowhere); read together, the signature's line is what the calls repeat
    after = PYTHON.replace("def area(width, height):", "def area(width, height, depth):")
    after = after.replace("    return width * height\n", "    return width * height * depth\n")
    content, found = _ask(PYTHON, after, "python")
    lines = content.split("\n")
    assert [(c.kind, lines[c.span.start_line - 1].strip()) for c in found] == [
        (SIGNATURE, "return area(self.width, self.height)"),
        (SIGNATURE, 'print(area(2, 3), "area")'),
    ]
    # an edit further away is another change, not read with the last
    elsewhere = after.replace("    return width * height * depth\n", "    return width * height\n")
    elsewhere = elsewhere.replace("2 * (width + height)", "2 * (width + height + 0)")
    assert _ask(PYTHON, elsewhere, "python")[1] == []


def test_an_edit_over_lines_that_change_alike_repeats_on_their_likes_unlike_lines_do_not() -> None:
    code = (
        "def test_none_of():\n"
        "    none_of([])([]) == []\n"
        "    none_of([4])([1, 2]) == [1, 2]\n"
        "\n\n"
        "def test_none_of_tuples():\n"
        "    none_of(())(()) == ()\n"
        "    none_of((4,))((1, 2)) == (1, 2)\n"
    )
    after = code.replace("    none_of([", "    assert none_of([")
    found = _ask_in_one(code, after, "python")
    assert {c.kind for c in found} == {SIMILAR}
    applied = _applied(after, found)  # "assert " before some of the likes, nothing else
    assert applied != after and applied.replace("assert ", "") == code
    # a comment moved to the next line: two lines, each changed once, nothing elsewhere
    code = "x = f(\n    1\n)  # type: ignore\ny = g(\n    2\n)  # type: ignore\n"
    after = code.replace("    1\n)  # type: ignore", "    1  # type: ignore\n)", 1)
    assert _ask_in_one(code, after, "python") == []


def test_an_optional_parameter_added_points_at_the_calls_below_a_required_one() -> None:
    optional = PYTHON.replace("def area(width, height):", "def area(width, height, depth=1):")
    required = PYTHON.replace("def area(width, height):", "def area(width, height, depth):")
    (may, *_) = _ask(PYTHON, optional, "python")[1]
    (must, *_) = _ask(PYTHON, required, "python")[1]
    assert may.kind == SIGNATURE and may.edit is None
    assert may.span == must.span and may.score < must.score
    lines = optional.split("\n")
    assert lines[may.span.start_line - 1].strip() == "return area(self.width, self.height)"


def test_a_default_changed_or_a_type_added_leaves_the_calls_alone() -> None:
    changes = [
        PYTHON.replace("def area(width, height):", "def area(width, height: int):"),
        PYTHON.replace("def area(width, height):", "def area(width, height=2):"),
    ]
    for after in changes:
        content, found = _ask(PYTHON, after, "python")
        lines = content.split("\n")
        # The like signatures may be offered the same (`width, height)` given `: int`)
        assert all(lines[c.span.start_line - 1].lstrip().startswith("def ") for c in found)


def test_a_comment_among_parameters_is_no_parameter() -> None:
    code = (
        "def cls(  # type: ignore[misc]\n"
        "    request: pytest.FixtureRequest,\n"
        "    module: ModuleType,\n"
        ") -> Callable[..., object]:\n"
        "    return chained(module, request.param)\n\n\n"
        "def test_one(request, module):\n    assert cls(request, module)\n\n\n"
        "def test_two(request, module):\n    assert cls(request, module)\n"
    )
    _, found = _ask(code, code.replace("  # type: ignore[misc]", "", 1), "python")
    assert not [c for c in found if c.kind == SIGNATURE]  # the calls pass what they did
    # a `#` in a string is no comment: a parameter after it is still one
    code = code.replace("    module: ModuleType,\n", '    module: ModuleType,\n    sep="#",\n')
    after = code.replace('    sep="#",\n', '    sep="#",\n    depth: int,\n')
    _, found = _ask(code, after, "python")
    assert [c.span.start_line for c in found if c.kind == SIGNATURE] == [11, 15]


def test_a_comment_deleted_where_it_recurs_is_deleted_there_too() -> None:
    code = (
        "client.base_url = 'https://a'  # type: ignore\n"
        "assert client.base_url == 'https://a'\n"
        "client.headers = {'a': 'b'}  # type: ignore\n"
        "assert client.headers['a'] == 'b'\n"
    )
    after = code.replace("'https://a'  # type: ignore", "'https://a'", 1)
    content, found = _ask(code, after, "python")
    assert {c.kind for c in found} == {SIMILAR}
    assert _applied(content, found) == code.replace("  # type: ignore", "")


def test_a_short_deletion_is_not_repeated() -> None:
    code = "x = compute(n)  # ok\nprint('done', file=sys.stderr)  # ok\n"
    after = code.replace("(n)  # ok", "(n)")
    assert _ask(code, after, "python")[1] == []


def test_a_line_like_the_changed_one_but_for_the_value_changed_is_the_models() -> None:
    code = (
        "def check(fg, bg):\n"
        "    if fg not in COLORS:\n"
        '        raise TypeError(f"Unknown color {fg!r}") from None\n'
        "    if bg not in COLORS:\n"
        '        raise TypeError(f"Unknown color {bg!r}") from None\n'
    )
    after = code.replace('f"Unknown color {fg!r}"', '_("Unknown color {c!r}").format(c=fg)')
    _, found = _ask(code, after, "python")
    assert [(c.kind, c.edit, c.span.start_line) for c in found] == [(SIMILAR, None, 5)]


def test_a_number_changed_is_not_the_models_where_a_like_line_has_its_own_number() -> None:
    code = (
        "parser.add_argument('--min-py-version', type=_ver_type, default=(3, 9))\n"
        "parser.add_argument('--max-py-version', type=_ver_type, default=(3, 14))\n"
    )
    after = code.replace("(3, 9)", "(3, 10)")
    assert _ask(code, after, "python")[1] == []  # (3, 14) is the other's own bound
    repeated = code.replace("(3, 14)", "(3, 9)")
    _, found = _ask(repeated, repeated.replace("(3, 9)", "(3, 10)", 1), "python")
    assert [c.span.start_line for c in found] == [2]  # the same number there: repeated


def test_a_forward_reference_unquoted_is_not_unquoted_where_it_must_stay_a_string() -> None:
    code = (
        "FilesSpec = Dict[str, Union[str, bytes, 'FilesSpec']]\n\n\n"
        "def build(spec: 'FilesSpec', prefix):\n    pass\n\n\n"
        "def create(content: Union[str, 'FilesSpec'], path):\n    pass\n"
    )
    after = code.replace("def build(spec: 'FilesSpec'", "def build(spec: FilesSpec")
    content, found = _ask(code, after, "python")  # not in the alias that defines the name
    assert _applied(content, found) == after.replace("str, 'FilesSpec'],", "str, FilesSpec],")
    code = (
        "class Context:\n    def __init__(\n        self,\n        environment: 'Environment',\n"
        "    ) -> None:\n        self.environment: 'Environment' = environment\n"
        "        if environment:\n            self.other: 'Environment' = environment\n\n"
        "    def get(self, env: 'Environment') -> None:\n        pass\n"
    )
    after = code.replace("self.environment: 'Environment'", "self.environment: Environment")
    content, found = _ask(code, after, "python")  # a local annotation's: locals only
    assert _applied(content, found) == after.replace(
        "self.other: 'Environment'", "self.other: Environment"
    )
    postponed = "from __future__ import annotations\n\n" + code
    after = postponed.replace("self.environment: 'Environment'", "self.environment: Environment")
    content, found = _ask(postponed, after, "python")  # annotations not evaluated: all
    assert _applied(content, found) == after.replace("'Environment'", "Environment")
    # not a `cast`'s argument, a value assigned, a one-line handler's statement (which run)
    code = (
        "def f(x):\n    env: 'Environment' = x\n    other: object = cast('Environment', x)\n"
        "    try:\n        pass\n    except: env = cast('Environment', x)\n"
        "    later: 'Environment' = x\n"
    )
    after = code.replace("env: 'Environment' = x", "env: Environment = x")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("later: 'Environment'", "later: Environment")
    # a signature's default, a comment at column 0 above the body: still a local's change
    code = (
        "class Context:\n    def __init__(\n        self,\n        env: 'Environment' = None,\n"
        "    ) -> None:\n# debug\n        self.env: 'Environment' = env\n"
        "        self.other: 'Environment' = env\n"
    )
    after = code.replace("self.env: 'Environment'", "self.env: Environment")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "self.other: 'Environment'", "self.other: Environment"
    )
    # an alias laid out over lines, the class's own methods, and (postponed or not) an alias
    code = (
        "FilesSpec = Dict[\n    str, Union[str, bytes, 'FilesSpec']\n]\n\n\n"
        "class Node:\n    def add(self, child: 'Node') -> 'Node':\n        pass\n\n\n"
        "def walk(node: 'Node', spec: 'FilesSpec'):\n    pass\n\n\n"
        "def build(spec: 'FilesSpec', node: 'Node'):\n    pass\n"
    )
    after = code.replace(
        "walk(node: 'Node', spec: 'FilesSpec')", "walk(node: Node, spec: FilesSpec)"
    )
    content, found = _ask(code, after.replace("spec: FilesSpec)", "spec: 'FilesSpec')"), "python")
    assert _applied(content, found) == after.replace(
        "spec: FilesSpec)", "spec: 'FilesSpec')"
    ).replace("build(spec: 'FilesSpec', node: 'Node')", "build(spec: 'FilesSpec', node: Node)")
    postponed = "from __future__ import annotations\n\n" + code
    after = postponed.replace(
        "def walk(node: 'Node', spec: 'FilesSpec')", "def walk(node: 'Node', spec: FilesSpec)"
    )
    content, found = _ask(postponed, after, "python")
    assert _applied(content, found) == after.replace(
        "build(spec: 'FilesSpec'", "build(spec: FilesSpec"
    )


def test_a_no_redef_ignore_goes_only_where_a_name_is_bound_again() -> None:
    code = (
        "try:\n    from execnet.gateway_base import Popen2IO, Message\n"
        "except ImportError:\n    from __main__ import Popen2IO, Message\n\n\n"
        "@create.register\ndef _(content: bytes, path):\n    pass\n\n\n"
        "@create.register\ndef _(content: str, path):\n    pass\n\n\n"
        "@create.register\ndef _(content: int, path):\n    pass\n"
    )
    after = code.replace(
        "from __main__ import Popen2IO, Message\n",
        "from __main__ import Popen2IO, Message  # type: ignore[no-redef]\n",
    )
    assert _ask(code, after, "python")[1] == []  # not on the first import
    after = code.replace(
        "@create.register\ndef _(content: str",
        "@create.register  # type: ignore[no-redef]\ndef _(content: str",
    )
    _, found = _ask(code, after, "python")  # the third `_`, not the first
    assert [c.span.start_line for c in found] == [17]


def test_a_slip_fixed_on_a_line_is_not_made_on_lines_that_agree_with_themselves() -> None:
    code = (
        "if (opts.borderColor && !chalk[opts.borderColor]) {\n"
        "\tthrow new Error(opts.borderColor + ' is not a valid borderColor');\n}\n"
        "if (opts.backgroundColor && !chalk[opts.backgroundColor]) {\n"
        "\tthrow new Error(opts.backgroundColor + ' is not a valid borderColor');\n}\n"
    )
    after = code.replace(
        "backgroundColor + ' is not a valid borderColor'",
        "backgroundColor + ' is not a valid backgroundColor'",
    )
    assert _ask(code, after, "javascript")[1] == []  # the first check names its own colour


def test_a_forward_reference_unquoted_stays_a_string_in_values_and_before_its_class() -> None:
    code = (
        "class Tree:\n    def root(self) -> 'Node':\n        pass\n\n\n"
        "class Node:\n    pass\n\n\n"
        "def walk(node: 'Node'):\n    return {key: 'Node'}\n\n\n"
        "def build(node: 'Node', kind: Literal['Node', 'Leaf']) -> 'Node':\n"
        "    if node: return 'Node'\n"
        "    label = lambda n: 'Node'\n    message = 'Type: ' + 'Node'\n"
        "    table = {\n        Kind.A: 'Node',\n    }\n"
        "    return sorted(xs, key=lambda n: 'Node')\n"
    )
    after = code.replace("def walk(node: 'Node')", "def walk(node: Node)")
    content, found = _ask(code, after, "python")
    # the later signature's annotations only: not the result above the class, a dict's
    # value, a Literal's string, a one-line if's, a lambda's, a string's, a key function's
    assert _applied(content, found) == after.replace(
        "def build(node: 'Node',", "def build(node: Node,"
    ).replace("]) -> 'Node':", "]) -> Node:")
    # a bracket in a string above the class does not hide the class's body
    code = (
        "OPENERS = \"([\"\n\n\nclass Node:\n    def add(self, child: 'Node') -> None:\n"
        "        pass\n\n\ndef walk(node: 'Node'):\n    pass\n\n\n"
        "def build(node: 'Node'):\n    pass\n"
    )
    after = code.replace("def walk(node: 'Node')", "def walk(node: Node)")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("build(node: 'Node')", "build(node: Node)")


def test_a_no_redef_ignore_reads_imports_over_lines_and_bindings_in_their_own_scope() -> None:
    code = (
        "try:\n    from fast import (\n        A,\n        B,\n    )\nexcept ImportError:\n"
        "    from slow import (\n        A,\n        B,\n    )\n\n\n"
        "try:\n    from fast import (\n        A,\n        B,\n    )\nexcept ImportError:\n"
        "    from slow import (\n        A,\n        B,\n    )\n"
    )
    after = code.replace("from slow import (", "from slow import (  # type: ignore[no-redef]", 1)
    _, found = _ask(code, after, "python")
    assert [c.span.start_line for c in found] == [19]  # the other fallback import
    code = (
        "def g(x):\n    _ = x\n\n\n"
        "@create.register\ndef _(content: bytes, path):\n    pass\n\n\n"
        "@create.register\ndef _(content: str, path):\n    pass\n\n\n"
        "@create.register\ndef _(content: int, path):\n    pass\n"
    )
    after = code.replace(
        "@create.register\ndef _(content: str",
        "@create.register  # type: ignore[no-redef]\ndef _(content: str",
    )
    _, found = _ask(code, after, "python")  # a function's own `_` binds nothing here
    assert [c.span.start_line for c in found] == [15]


def test_a_block_head_changed_at_its_colon_is_repeated_on_like_heads_only() -> None:
    code = (
        "def get(self, key):\n    if not self._match(key):\n        raise KeyError(key)\n"
        "    try:\n        return self.find(key)\n    except StopIteration:\n"
        "        raise KeyError(key)\n"
    )
    after = code.replace(
        "except StopIteration:\n        raise KeyError(key)",
        "except StopIteration as err:\n        raise KeyError(key) from err",
    )
    assert _ask(code, after, "python")[1] == []  # not `if not ... as err:`
    twice = (
        code
        + "    try:\n        return self.first(key)\n    except StopIteration:\n"
        + ("        raise KeyError(key)\n")
    )
    after = twice.replace(
        "except StopIteration:\n        raise KeyError(key)",
        "except StopIteration as err:\n        raise KeyError(key) from err",
        1,
    )
    _, found = _ask(twice, after, "python")  # another handler's head: repeated
    assert [c.span.start_line for c in found] == [10]


def test_one_place_changes_suggest_nothing() -> None:
    changes = [
        PYTHON.replace("TOTAL = 3", "TOTAL = 4"),
        PYTHON.replace("# area, in square units", "# area, in square metres"),
        PYTHON.replace("return 2 * (width + height)", "return 2 * width + 2 * height"),
        PYTHON.replace('"""The area of a width', '"""Area of a width'),
    ]
    for after in changes:
        content, found = _ask(PYTHON, after, "python")
        lines = content.split("\n")
        # The like signatures may be offered the same (`width, height)` given `: int`)
        assert all(lines[c.span.start_line - 1].lstrip().startswith("def ") for c in found)


def test_a_line_changed_like_its_siblings_repeats_the_change_on_them() -> None:
    code = (
        "def handle(request):\n"
        "    user = load_user(request.user_id, cache=True)\n"
        "    order = load_order(request.order_id, cache=True)\n"
        "    items = load_items(request.order_id, cache=True)\n"
        "    return render(user, order, items)\n"
    )
    after = code.replace("user_id, cache=True", "user_id, cache=False")
    content, found = _ask(code, after, "python")
    assert {c.kind for c in found} == {SIMILAR}
    assert _applied(content, found) == code.replace("cache=True", "cache=False")


def test_no_candidate_undoes_the_users_recent_edit() -> None:
    # Two changes of their own, further apart than edits read together as one change.
    code = "a = limit(1)\n\n\n\n\nb = limit(2)\nc = limit(2)\nd = 4\n"
    first = TextEdit(Span(1, 11, 1, 12), "1", "2")  # line 1 now reads like lines 6 and 7
    middle = apply_edits(code, [first])
    second = TextEdit(Span(6, 11, 6, 12), "2", "1")  # and line 6 like line 1 was
    content = apply_edits(middle, [second])
    found = find_candidates(content, "python", [first, second], (6, 12))
    assert all(c.edit is None or c.span.start_line != 1 for c in found)
    assert [c.span.start_line for c in found if c.edit is not None] == [7]


def test_two_different_changes_on_adjacent_lines_are_one_change() -> None:
    # A statement rewritten over two lines, sent one edit per line as editors send them:
    # the second line alone (`TrimSuffix(...)` to `before`) looks like the line above the
    # `if`, which the change has nothing to do with; read as one change it repeats nowhere.
    before = (
        "func match(t string) bool {\n"
        '\tif strings.Contains(strings.TrimSuffix(t, "/*"), "*") {\n'
        "\t\treturn false\n"
        "\t}\n"
        '\tif strings.HasSuffix(t, "/*") {\n'
        '\t\treturn strings.TrimSuffix(t, "/*") == t\n'
        "\t}\n"
        "\treturn true\n"
        "}\n"
    )
    after = before.replace(
        'strings.HasSuffix(t, "/*") {', 'before, ok := strings.CutSuffix(t, "/*"); ok {'
    ).replace('return strings.TrimSuffix(t, "/*") == t', "return before == t")
    _, found = _ask(before, after, "go")
    assert found == []


def test_the_same_change_on_adjacent_lines_is_followed_further() -> None:
    # `bbc` made `bcc` on two lines in a row, one edit each: the user is repeating one
    # change, so the lines below that still hold it are where it goes next. (Read as one
    # change over both lines, a statement and the `if` below it, it repeats nowhere.)
    before = (
        "def load(environment, name):\n"
        "    bbc = environment.bytecode_cache\n"
        "    if bbc is not None:\n"
        "        bucket = bcc.get_bucket(environment, name)\n"
        "    code = environment.compile(name)\n"
        "    if bbc is not None and bucket.code is None:\n"
        "        bbc.set_bucket(bucket)\n"
        "    return code\n"
    )
    after = before.replace("    bbc = env", "    bcc = env").replace(
        "if bbc is not None:", "if bcc is not None:"
    )
    _, found = _ask(before, after, "python")
    assert {6, 7} <= {c.span.start_line for c in found}
    # The same from one edit over both lines (an editor's snapshot diff, a patch's hunk).
    assert {6, 7} <= {c.span.start_line for c in _ask_in_one(before, after, "python")}


def test_a_block_re_indented_is_not_a_change_repeated() -> None:
    before = (
        "def lengths(request):\n"
        "    return any(\n"
        "        [\n"
        '            k.lower() == b"content-length"\n'
        "            for k, v in request.headers\n"
        "        ]\n"
        "    )\n"
        "\n"
        "\n"
        "def names(event):\n"
        "    found = set()\n"
        "    for k, v in event.headers:\n"
        "        found.add(k)\n"
        "    return found\n"
    )
    after = before.replace(
        '        [\n            k.lower() == b"content-length"\n'
        "            for k, v in request.headers\n        ]\n",
        '        k.lower() == b"content-length"\n        for k, v in request.headers\n',
    )
    assert _ask_in_one(before, after, "python") == []


def test_nothing_on_the_cursors_line() -> None:
    code = "def f(x):\n    return x + g(x)\n\n\ny = f(1)\n"
    after = code.replace("def f(x)", "def f(value)")
    edit = diff_edits(code, after)[0]
    everywhere = find_candidates(after, "python", [edit], None)
    # the line's two renames are one suggestion: a Tab takes them together
    [both] = everywhere
    assert both.edit is not None and both.span.start_line == 2
    assert _applied(after, everywhere) == after.replace("x + g(x)", "value + g(value)")
    assert find_candidates(after, "python", [edit], (2, 5)) == []


def test_a_name_typed_a_character_at_a_time_is_one_rename() -> None:
    content = PYTHON
    history = [TextEdit(Span(6, 5, 6, 9), "area", "s")]
    column = 6
    for character in "urface":
        history.append(TextEdit(Span(6, column, 6, column), "", character))
        column += 1
    for edit in history:
        content = apply_edits(content, [edit])
    found = find_candidates(content, "python", history, (6, column))
    assert _applied(content, found) == PYTHON.replace("area(", "surface(")


def test_a_history_from_another_version_of_the_document_finds_nothing() -> None:
    stale = TextEdit(Span(6, 5, 6, 9), "area", "surface")
    assert find_candidates(PYTHON, "python", [stale], (6, 12)) == []
    assert find_candidates(PYTHON, "python", [], (6, 12)) == []


def test_the_limit_and_the_order() -> None:
    code = "def f(n):\n" + "".join(f"    n{i} = n + {i}\n" for i in range(20))
    after = code.replace("def f(n)", "def f(count)")
    content, found = _ask(code, after, "python")
    assert len(found) == 8 and all(0 < c.score <= 1 for c in found)
    assert [c.span.start_line for c in found] == list(range(2, 10))  # nearest first
    history = diff_edits(code, after)
    assert len(find_candidates(content, "python", history, None, limit=3)) == 3


def test_a_language_without_a_grammar_is_read_by_its_words() -> None:
    code = 'local function area(w, h)\n  return w * h\nend\nprint(area(2, 3), "area")\n'
    after = code.replace("function area(", "function surface(")
    content, found = _ask(code, after, "lua")
    assert _applied(content, found) == after.replace("print(area(", "print(surface(")


def test_python_f_string_fields_are_code_and_a_file_mid_edit_is_still_read() -> None:
    code = (
        "def total(items):\n"
        "    return sum(items)\n\n"
        "def show(items):\n"
        '    print(f"{total(items)} in total")\n'
        "    if items:  # total of nothing is 0\n"
        "        return total(items) +\n"  # being typed: the file does not parse
    )
    after = code.replace("def total(", "def grand_total(")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("{total(", "{grand_total(").replace(
        "return total(", "return grand_total("
    )


def test_a_python_parameter_renamed_is_renamed_as_a_keyword_in_its_calls() -> None:
    code = (
        "def scale(value, factor=2):\n"
        "    return value * factor\n\n\n"
        "print(scale(3, factor=4), dict(factor=1))\n"
        "factor = scale(value=1)\n"
    )
    after = code.replace("def scale(value, factor=2)", "def scale(value, ratio=2)")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("* factor", "* ratio").replace(
        "scale(3, factor=4)", "scale(3, ratio=4)"
    )


def test_a_parameter_renamed_with_its_use_in_one_edit_is_renamed_as_a_keyword_in_its_calls() -> (
    None
):
    code = (
        "class Callpoint:\n"
        "    @classmethod\n"
        "    def from_current(cls, depth=1):\n"
        "        frame = sys._getframe(max(depth, 1))\n"
        "        return cls(frame)\n\n\n"
        "def caller():\n"
        "    return Callpoint.from_current(depth=2)\n"
    )
    after = code.replace("depth=1", "level=1").replace("max(depth, 1)", "level")
    found = _ask_in_one(code, after, "python")  # the header and the body's use in one edit
    assert _applied(after, found) == after.replace("(depth=2)", "(level=2)")


def test_a_type_changed_as_a_formatter_wraps_the_signature_is_changed_in_the_others() -> None:
    code = (
        "class Serializer:\n"
        "    def dump(self, obj: _t.Any, f: _t.IO, salt: _t_opt_str_bytes = None) -> None:\n"
        "        f.write(self.dumps(obj, salt))\n\n"
        "    def load(self, f: _t.IO, salt: _t_opt_str_bytes = None) -> _t.Any:\n"
        "        return self.loads(f.read(), salt)\n"
    )
    # one edit: the parameters put on a line of their own, `_t.IO` made `_t.IO[_t.Any]`
    after = code.replace(
        "dump(self, obj: _t.Any, f: _t.IO, salt: _t_opt_str_bytes = None) -> None:",
        "dump(\n        self, obj: _t.Any, f: _t.IO[_t.Any], salt: _t_opt_str_bytes = None\n"
        "    ) -> None:",
    )
    found = _ask_in_one(code, after, "python")
    assert _applied(after, found) == after.replace(
        "load(self, f: _t.IO,", "load(self, f: _t.IO[_t.Any],"
    )


def test_lines_replaced_where_the_same_lines_stand_are_replaced_there_too() -> None:
    code = (
        "def convert(\n"
        "    value,\n"
        "    param: typing.Optional[click.Parameter],\n"
        "    ctx: typing.Optional[click.Context],\n"
        "):\n"
        "    return value\n"
        "\n"
        "\n"
        "def shell_complete(\n"
        "    param: typing.Optional[click.Parameter],\n"
        "    ctx: typing.Optional[click.Context],\n"
        "):\n"
        "    return []\n"
    )
    old = "typing.Optional[click.Parameter],\n    ctx: typing.Optional[click.Context]"
    new = "click.Parameter | None,\n    ctx: click.Context | None"
    after = code.replace(old, new, 1)
    found = _ask_in_one(code, after, "python")
    assert [(c.kind, c.span.start_line) for c in found] == [(SIMILAR, 10)]
    assert _applied(after, found) == code.replace(old, new)


def test_lines_deleted_are_deleted_where_the_same_lines_or_one_value_apart_stand() -> None:
    block = "    with pytest.raises(AttributeError):\n        getattr({}, '__slots__')\n"
    code = (
        f"def test_a():\n{block.format('Undefined')}    assert True\n\n\n"
        f"def test_b():\n{block.format('Undefined')}    assert True\n\n\n"
        f"def test_c():\n{block.format('StrictUndefined')}    assert True\n\n\n"
        "def test_d():\n    with pytest.raises(KeyError):\n        getattr(Other, 'x')\n"
    )
    after = code.replace(block.format("Undefined"), "", 1)
    found = _ask_in_one(code, after, "python")
    # test_b's copy and test_c's, one name apart; not test_d's, more than one value apart
    expected = code.replace(block.format("Undefined"), "").replace(
        block.format("StrictUndefined"), ""
    )
    assert _applied(after, found) == expected


def test_lines_deleted_with_their_blank_line_are_deleted_so_where_they_stand() -> None:
    guard = "    # not on 3.5\n    if sys.version_info[0:2] == (3, 5):\n        return\n\n"
    code = f"def test_a():\n{guard}    run()\n\n\ndef test_b():\n{guard}    stop()\n"
    after = code.replace(guard, "", 1)
    assert _applied(after, _ask_in_one(code, after, "python")) == code.replace(guard, "")
    # at a body's end, not the blank lines that part it from the next definition
    last = "    stop()\n" + guard.removesuffix("\n")
    code = (
        f"def test_a():\n{guard}    run()\n\n\ndef test_b():\n{last}\n\ndef test_c():\n    pass\n"
    )
    after = code.replace(guard, "", 1)
    expected = after.replace(last, "    stop()\n")
    assert _applied(after, _ask_in_one(code, after, "python")) == expected


def test_lines_deleted_with_the_blank_line_above_them_are_deleted_alone_where_they_stand() -> None:
    # commented-out lines and the blank line that parted them from the code above: their
    # copies go, and the lines around the copies stay
    dead = "\t\t// ctx = NewContext(ctx, token, err)\n\t\t// next.ServeHTTP(w, r)\n"
    code = (
        f"func A() error {{\n\tif err != nil {{\n\t\treturn err\n\t}}\n\n{dead}"
        f"\tif token == nil {{\n\t\terr = ErrUnauthorized\n{dead}\t\treturn err\n\t}}\n"
        "\treturn nil\n}\n"
    )
    after = code.replace("\n" + dead, "", 1)
    assert _applied(after, _ask_in_one(code, after, "go")) == after.replace(dead, "")
    # a copy with a blank line above it loses that line too, as the user's block did
    skip = "\n    if sys.version_info < (3, 8):\n        pytest.skip('old')\n"
    code = "".join(f"def test_{n}():\n    x = make_{n}()\n{skip}    assert x\n\n\n" for n in "abc")
    after = code.replace(skip, "", 1)
    assert _applied(after, _ask_in_one(code, after, "python")) == code.replace(skip, "")


def test_lines_deleted_as_diffed_from_a_closing_brace_are_deleted_as_a_block() -> None:
    # the diff took `}` and the next block's lines: the block and the `}` after it went
    check = "\tif cfg.Sampler == nil {\n\t\tcfg.Sampler = trace.AlwaysSample()\n\t}\n"
    code = (
        f'func A(cfg *Config) {{\n\tif cfg.Name == "" {{\n\t\tcfg.Name = "a"\n\t}}\n{check}'
        f"\trun(cfg)\n}}\n\nfunc B(cfg *Config) {{\n{check}\tstop(cfg)\n}}\n"
    )
    closing = "\t}\n"
    at = code.index(check) - len(closing)  # where the diff's deletion starts
    diffed = closing + check.removesuffix(closing)
    assert code[at : at + len(diffed)] == diffed  # the same deletion, diffed a line higher
    index = LineIndex(code)
    edit = TextEdit(Span(*index.position(at), *index.position(at + len(diffed))), diffed, "")
    after = code.replace(check, "", 1)
    found = find_candidates(after, "go", [edit], index.position(at))
    assert _applied(after, found) == code.replace(check, "")


@pytest.mark.parametrize(
    ("code", "block"),
    [
        # the copy just below: one of two duplicates removed, the other stays, and so do
        # the same lines in another function
        (
            "def f():\n    a = load(path, mode)\n    check(a, strict=True)\n"
            "    a = load(path, mode)\n    check(a, strict=True)\n    return a\n\n\n"
            "def g():\n    a = load(path, mode)\n    check(a, strict=True)\n    return a\n",
            "    a = load(path, mode)\n    check(a, strict=True)\n",
        ),
        # another version's guard: a number apart
        (
            "def test_a():\n    if sys.version_info < (3, 8):\n        pytest.skip('too old')\n"
            "    run()\n\n\ndef test_b():\n    if sys.version_info < (3, 10):\n"
            "        pytest.skip('too old')\n    walrus()\n",
            "    if sys.version_info < (3, 8):\n        pytest.skip('too old')\n",
        ),
        # a definition deleted: a test pasted twice, the copy the one kept
        (
            "it('reads an unknown object', function (done) {\n  onFinished({}, done)\n})\n\n"
            "it('writes', function (done) {\n  write(done)\n})\n\n"
            "it('reads an unknown object', function (done) {\n  onFinished({}, done)\n})\n",
            "it('reads an unknown object', function (done) {\n  onFinished({}, done)\n})\n\n",
        ),
        # the copy says something else: another message
        (
            "def f(self):\n    if self.debug:\n        self.logger.debug('< EOF')\n    read()\n\n\n"
            "def g(self):\n    if self.debug:\n        self.logger.debug('> EOF')\n    write()\n",
            "    if self.debug:\n        self.logger.debug('< EOF')\n",
        ),
        # prose alike: a sibling's own documentation
        (
            "// A Value has a String method\n// and a Set method.\ntype Value interface{}\n\n"
            "// A Text has a String method\n// and a Set method.\ntype Text interface{}\n",
            "// A Value has a String method\n// and a Set method.\n",
        ),
        # the opposite test: an operator apart, or `not` put in
        (
            "def test_a():\n    if sys.version_info == (3, 8):\n        pytest.skip('old')\n"
            "    run()\n\n\ndef test_b():\n    if sys.version_info != (3, 8):\n"
            "        pytest.skip('old')\n    run()\n\n\ndef test_c(stream):\n"
            "    if stream.closed:\n        raise ValueError('I/O on a closed file')\n\n\n"
            "def test_d(stream):\n    if not stream.closed:\n"
            "        raise ValueError('I/O on a closed file')\n",
            "    if sys.version_info == (3, 8):\n        pytest.skip('old')\n",
        ),
        # prose in a docstring alike: a sibling's own documentation
        (
            'def load():\n    """Load the config.\n\n    The result is cached for the process,\n'
            '    so call reset() after changing the config.\n    """\n\n\n'
            'def read():\n    """Read the settings.\n\n    The result is cached for the process,\n'
            '    so call reset() after changing the settings.\n    """\n',
            "    The result is cached for the process,\n"
            "    so call reset() after changing the config.\n",
        ),
    ],
    ids=[
        "the copy beside it",
        "another version",
        "a definition",
        "another message",
        "prose",
        "opposite",
        "doc",
    ],
)
def test_lines_deleted_stay_deleted_once(code: str, block: str) -> None:
    language = "go" if block.startswith("//") else "javascript" if "it(" in block else "python"
    assert _ask(code, code.replace(block, "", 1), language)[1] == []


def test_one_line_deleted_is_deleted_where_the_same_line_stands() -> None:
    code = (
        "func TestRead(t *testing.T) {\n\tt.Parallel()\n\tread(t)\n}\n\n"
        "func TestWrite(t *testing.T) {\n\tt.Parallel()\n\twrite(t)\n}\n"
    )
    content, found = _ask(code, code.replace("\tt.Parallel()\n", "", 1), "go")
    assert _applied(content, found) == code.replace("\tt.Parallel()\n", "")
    apart = code.replace("\tt.Parallel()\n", "\tt.Parallel()\n\n")  # a blank line after it
    removed = apart.replace("\tt.Parallel()\n\n", "", 1)
    found = _ask_in_one(apart, removed, "go")  # the line and its blank line, one edit
    assert _applied(removed, found) == apart.replace("\tt.Parallel()\n\n", "")


@pytest.mark.parametrize(
    ("code", "line"),
    [
        # one entry of a list among alike ones
        (
            'FILES = [\n    "test.log.1",\n    "test.log",\n    "test.log.gz",\n]\n\n'
            'KEPT = [\n    "test.log",\n    "other.log",\n]\n',
            '    "test.log",\n',
        ),
        # a block's opening: its body changes with it, in its own way
        (
            "def a(version):\n    if version >= (11, 0):\n        yield 11\n\n\n"
            "def b(version):\n    if version >= (11, 0):\n        yield 12\n",
            "    if version >= (11, 0):\n",
        ),
    ],
    ids=["an entry among alike lines", "a block's opening"],
)
def test_one_line_deleted_stays_deleted_once_when_it_is_an_entry_or_an_opening(
    code: str, line: str
) -> None:
    assert _ask(code, code.replace(line, "", 1), "python")[1] == []


def test_one_of_alike_lines_deleted_is_deleted_where_it_stands_between_the_same_lines() -> None:
    setup = '\tos.Setenv("E", "1")\n\tdefer os.Unsetenv("E")\n\tapp := newApp()\n'
    code = (
        f"func TestA(t *testing.T) {{\n{setup}\trun(app)\n}}\n\n"
        f"func TestB(t *testing.T) {{\n{setup}\tstop(app)\n}}\n\n"
        'func TestC(t *testing.T) {\n\tos.Setenv("F", "2")\n\tdefer os.Unsetenv("E")\n}\n'
    )
    line = '\tdefer os.Unsetenv("E")\n'
    content, found = _ask(code, code.replace(line, "", 1), "go")
    # TestB's copy, between the same setup lines; not TestC's, after another line
    assert _applied(content, found) == code.replace(setup, setup.replace(line, ""))


def test_one_of_alike_lines_deleted_is_not_deleted_where_only_a_plain_line_is_the_same() -> None:
    code = (
        "def f(x):\n    log.debug(x)\n    log.info(x)\n    return x\n\n\n"
        "def g(y):\n    y = y + 1\n    log.info(x)\n    return x\n"
    )
    # `return x` stands anywhere: the copy in g is g's own
    assert _ask(code, code.replace("    log.info(x)\n", "", 1), "python")[1] == []


def test_one_of_alike_lines_deleted_stays_where_only_a_return_of_values_is_the_same() -> None:
    code = (
        "func a() (*T, error) {\n\tlog.Debug(x)\n\tlog.Info(x)\n\treturn nil, err\n}\n\n"
        "func b() (*T, error) {\n\ty := 1\n\tlog.Info(x)\n\treturn nil, err\n}\n"
    )
    assert _ask(code, code.replace("\tlog.Info(x)\n", "", 1), "go")[1] == []


def test_one_copy_of_a_duplicated_line_deleted_leaves_the_other() -> None:
    code = "import os\nimport sys\nimport sys\nimport re\n\nwg.Add(1)\n"
    assert _ask(code, code.replace("import sys\n", "", 1), "python")[1] == []


def test_a_line_deleted_is_deleted_whole_where_its_copy_is_indented_deeper() -> None:
    code = (
        "func TestA(t *testing.T) {\n\tif bad {\n\t\tt.Fail()\n\t}\n}\n\n"
        "func TestB(t *testing.T) {\n\tfor _, p := range ps {\n\t\tif bad {\n"
        "\t\t\tt.Fail()\n\t\t}\n\t}\n}\n"
    )
    content, found = _ask(code, code.replace("\t\tt.Fail()\n", "", 1), "go")
    # its own indentation goes with it, not the user's line's worth of it
    assert _applied(content, found) == code.replace("\t\tt.Fail()\n", "").replace(
        "\t\t\t", "\t\t"
    ).replace("\tt.Fail()\n", "")


def test_a_go_field_exported_as_its_type_is_named_is_renamed_where_it_is_used() -> None:
    code = (
        'package heap\n\nimport "example.com/utils"\n\n'
        "type Heap struct {\n\tcomparator utils.Comparator\n}\n\n"
        "func New(c utils.Comparator) *Heap {\n\treturn &Heap{comparator: c}\n}\n\n"
        "func (h *Heap) Less(a, b int) bool {\n\treturn h.comparator(a, b) < 0\n}\n"
    )
    after = code.replace("\tcomparator utils", "\tComparator utils", 1)
    content, found = _ask(code, after, "go")
    # `utils.Comparator`, the package's type, is not the field of that name already there
    assert _applied(content, found) == code.replace("comparator", "Comparator")


def test_a_deprecated_unittest_alias_switched_is_switched_where_it_stands_again() -> None:
    code = (
        "class T(unittest.TestCase):\n"
        "    def test_a(self):\n        self.assertEquals(f(1), 2)\n"
        "        self.assertEqual(f(2), 3)\n\n"
        "    def test_b(self):\n"
        "        response = self.app.get('/')\n"
        "        self.assertEquals(response.status, '200 OK')\n"
    )
    content, found = _ask(code, code.replace("assertEquals", "assertEqual", 1), "python")
    # though `assertEqual` is used already (as `log.debug` is where one `log.info` is
    # switched to it: that is followed only where the lines read alike)
    assert _applied(content, found) == code.replace("assertEquals", "assertEqual")


def test_a_statement_wrapped_is_wrapped_where_it_stands_alone_again() -> None:
    code = (
        "def parse(self, body, key, value):\n"
        "    if key:\n        body.append(key, value)\n"
        "    body.append(key, value)\n"
        "    result = body.append(key, value)\n"
    )
    wrap = (
        "try:\n            body.append(key, value)\n"
        "        except Exception as e:\n            raise self.error(e) from e"
    )
    after = code.replace("body.append(key, value)", wrap, 1)
    found = _ask_in_one(code, after, "python")
    # wrapped the same way at its own indentation; not inside a longer statement
    assert _applied(after, found) == after.replace(
        "\n    body.append(key, value)\n",
        "\n    try:\n        body.append(key, value)\n"
        "    except Exception as e:\n        raise self.error(e) from e\n",
    )
    # a statement made a piece of new code many lines long is that place's own
    logs = "".join(f"            log({i})\n" for i in range(8))
    long = (
        "try:\n            body.append(key, value)\n        except Exception:\n"
        f"{logs}            raise"
    )
    assert _ask_in_one(code, code.replace("body.append(key, value)", long, 1), "python") == []


def test_a_call_wrapped_in_a_check_of_its_receiver_is_checked_at_its_other_calls() -> None:
    code = (
        "func (c *Client) Do(req *Request) {\n"
        '\tc.Logger.Printf("[DEBUG] %s", req.URL)\n'
        "\tif err != nil {\n"
        '\t\tc.Logger.Printf("[ERR] %v", err)\n'
        "\t}\n"
        "\tif c.Logger != nil {\n"
        '\t\tc.Logger.Printf("[INFO] done")\n'
        "\t}\n"
        '\tc.Logger.Printf("a %s",\n\t\treq.URL)\n'
        '\tc.Other.Printf("[ERR] %v", err)\n'
        "}\n"
    )
    check = 'if c.Logger != nil {\n\t\tc.Logger.Printf("[DEBUG] %s", req.URL)\n\t}'
    after = code.replace('c.Logger.Printf("[DEBUG] %s", req.URL)', check, 1)
    found = _ask_in_one(code, after, "go")
    # the other call on one line, checked at its own indentation; not one checked already,
    # one that goes on below, nor a call on another receiver
    assert _applied(after, found) == after.replace(
        '\t\tc.Logger.Printf("[ERR] %v", err)\n',
        '\t\tif c.Logger != nil {\n\t\t\tc.Logger.Printf("[ERR] %v", err)\n\t\t}\n',
    )
    # a wrapping that does not check the receiver is repeated only where the same call is
    tried = "try:\n        log.info(name)\n    except OSError:\n        pass"
    python = "def f(name):\n    log.info(name)\n    log.info(other)\n"
    assert _ask_in_one(python, python.replace("log.info(name)", tried, 1), "python") == []


def test_a_line_changed_has_its_twin_that_names_the_counterpart_changed_alike() -> None:
    go = (
        "type subSchema struct {\n"
        "\tmaximum          *big.Float\n"
        "\texclusiveMaximum bool\n"
        "\tminimum          *big.Float\n"
        "\texclusiveMinimum bool\n"
        "\texclusive        bool\n"
        "}\n"
    )
    after = go.replace("exclusiveMaximum bool", "exclusiveMaximum *big.Float")
    content, found = _ask(go, after, "go")
    # the twin line; not the line that is only like it
    assert _applied(content, found) == after.replace(
        "exclusiveMinimum bool", "exclusiveMinimum *big.Float"
    )
    python = (
        "RequestExtensions = Dict[str, Any]\n"
        "ResponseExtensions = Dict[str, Any]\n"
        "OtherExtensions = Dict[str, Any]\n"
        "MAX_SIZE = limit(request_max)\n"
        "MIN_SIZE = limit(request_min)\n"
    )
    after = python.replace("RequestExtensions = Dict", "RequestExtensions = Mapping")
    content, found = _ask(python, after, "python")
    assert _applied(content, found) == after.replace(
        "ResponseExtensions = Dict", "ResponseExtensions = Mapping"
    )
    # a counterpart in what the user wrote is written as its twin's
    after = python.replace("limit(request_max)", "limit(request_max, max_default)")
    content, found = _ask(python, after, "python")
    assert _applied(content, found) == after.replace(
        "limit(request_min)", "limit(request_min, min_default)"
    )
    # a value changed is that line's own (`max_value = 0` to `100`)
    ranged = "class Range:\n    min_value: int = 0\n    max_value: int = 0\n"
    assert (
        _ask(ranged, ranged.replace("max_value: int = 0", "max_value: int = 100"), "python")[1]
        == []
    )
    # a word alone is no name: `return max(a)` is not the twin of `return min(a)`
    code = "def f(a, b):\n    if b:\n        return min(a)\n    return max(a)\n"
    after = code.replace("max(a)", "max(a) + b")
    index = LineIndex(after)
    change = recent_change(after, [narrowed_edit(code, 0, len(code), after)], index)
    assert change is not None and counterpart_candidates(index, change) == []


def test_a_version_bumped_is_bumped_wherever_it_is_named() -> None:
    code = (
        "//     Underscore.js 1.13.4\n"
        'var VERSION="1.13.4",root=this;\n'
        'var deps={"a":"1.13.45","b":"21.13.4","c":"1.13"};\n'
        "// 1.5 and 1.5 stay\n"
    )
    after = code.replace("Underscore.js 1.13.4", "Underscore.js 1.13.5")
    content, found = _ask(code, after, "javascript")
    # the same version; not a longer one, nor one that only ends alike
    assert _applied(content, found) == after.replace('"1.13.4"', '"1.13.5"')
    # a requirement on another package's version, and a line reading as the user's did (the
    # release before, its entry copied), are no places for it
    deps = '{\n  "version": "1.0.0",\n  "dependencies": {"my-lib": "^1.0.0"}\n}\n'
    bumped = _ask(deps, deps.replace('"^1.0.0"', '"^1.0.1"'), "javascript")[1]
    assert [c for c in bumped if c.span.start_line == 2] == []
    log = "const CHANGES = `\n## 1.13.4\n- Fixed.\n## 1.13.4\n- Added.\n`;\n"
    assert _ask(log, log.replace("## 1.13.4", "## 1.13.5", 1), "javascript")[1] == []
    # two numbers are a number as often as a version
    assert _ask(code, code.replace("// 1.5", "// 1.6", 1), "javascript")[1] == []


def test_a_misspelt_word_fixed_in_a_string_is_fixed_where_it_stands_again() -> None:
    code = (
        "func Example() {\n"
        '\tlevel.Debug(logger).Log("msg", "this message is at thte debug level")\n'
        '\tlevel.Info(logger).Log("msg", "this message is at the info level")\n'
        "\t// Output:\n"
        '\t// level=debug msg="this message is at thte debug level"\n'
        '\t// level=info msg="an element here"\n'
        "}\n"
    )
    after = code.replace("at thte debug", "at the debug", 1)
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == code.replace("thte", "the")
    # a word made another word (`were` to `where`) is the user's choice of word
    were = (
        'def f():\n    """Stop at the one were it failed."""\n'
        "    # were any calls made?\n"
        '    log.info("calls were made")\n'
    )
    assert _ask(were, were.replace("one were it", "one where it"), "python")[1] == []
    # a letter put at a word's end makes another word (`element` to `elements`)
    plural = code.replace("an element", "an elements")
    assert _ask(code, plural, "go")[1] == []


def test_a_misspelt_word_fixed_in_a_docstring_is_fixed_where_it_stands_again() -> None:
    code = (
        "def connect(receiver):\n"
        '    """Connect ``receiver``.\n\n'
        "    Connecting leaves behind a small amount of bookeeping\n"
        "    for the receiver; the bookeeping is dropped on disconnect.\n"
        "    Clears ``state.bookeeping`` and ``state['bookeeping']``.\n"
        '    """\n'
        "    bookeeping = {}\n"
    )
    after = code.replace("amount of bookeeping", "amount of bookkeeping", 1)
    content, found = _ask(code, after, "python")
    # the docstring's other line: a string over several lines, the word in prose (not
    # where it names the program's member or key, nor the code's variable)
    assert _applied(content, found) == after.replace("the bookeeping is", "the bookkeeping is")


def test_a_go_parameter_made_a_pointer_has_its_calls_pass_the_address() -> None:
    code = (
        "func isExported(field reflect.StructField, deep bool) bool {\n"
        '\treturn field.PkgPath == ""\n'
        "}\n"
        "\n"
        "func walk(t reflect.Type, fields []reflect.StructField) {\n"
        "\tfor _, field := range fields {\n"
        "\t\tif isExported(field, true) {\n"
        "\t\t}\n"
        "\t}\n"
        "\tif isExported(t.Field(0), false) {\n"
        "\t}\n"
        "\tok := isExported(fields[1], false)\n"
        '\tok = isExported(Field{Name: "x"}, true)\n'
        "}\n"
    )
    after = code.replace("isExported(field reflect", "isExported(field *reflect")
    content, found = _ask(code, after, "go")
    # each call; a variable's or a literal's address computed, a call's result and an element
    # (a map's has no address) the model's
    assert [(c.span.start_line, c.edit is not None) for c in found] == [
        (7, True),
        (10, False),
        (12, False),
        (13, True),
    ]
    assert _applied(content, found) == after.replace(
        "isExported(field, true)", "isExported(&field, true)"
    ).replace("isExported(Field{", "isExported(&Field{")
    # a constant has no address; the function passing its own parameter on passes it as is
    flags = (
        "func walk(field Field, verbose bool) {\n"
        "\tif field.Parent != nil {\n"
        "\t\twalk(field, true)\n"
        "\t}\n"
        "}\n"
    )
    pointed = flags.replace("walk(field Field", "walk(field *Field")
    assert [c.edit for c in _ask(flags, pointed, "go")[1]] == [None]
    toggled = flags.replace("verbose bool", "verbose *bool")
    assert [c.edit for c in _ask(flags, toggled, "go")[1]] == [None]
    # and back: the calls drop their `&`
    pointers = _applied(content, found)
    values = pointers.replace("isExported(field *reflect", "isExported(field reflect")
    content, found = _ask(pointers, values, "go")
    assert _applied(content, found) == code


def test_a_type_quoted_is_quoted_in_an_annotation_before_a_value_not_an_assigned_name() -> None:
    code = (
        "async def queue_factory() -> asyncio.Queue[str]:\n"
        "    return asyncio.Queue()\n"
        "\n"
        "inputs: asyncio.Queue[str] = loop.run_until_complete(queue_factory())\n"
        "asyncio.Queue[str] = other\n"
    )
    after = code.replace("-> asyncio.Queue[str]", '-> "asyncio.Queue[str]"')
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "inputs: asyncio.Queue[str]", 'inputs: "asyncio.Queue[str]"'
    )


def test_a_tool_s_directive_goes_on_the_sibling_lines_shaped_alike() -> None:
    code = (
        "try:\n"
        "    from math import sumprod\n"
        "except ImportError:\n"
        "    sumprod = None\n"
        "try:\n"
        "    from math import batched\n"
        "except TypeError:\n"
        "    batched = None\n"
        "except ValueError:  # not ours\n"
        "    pass\n"
        "def f():\n"
        "    try:\n"
        "        pass\n"
        "    except OSError:\n"
        "        pass\n"
    )
    after = code.replace("except ImportError:", "except ImportError:  # pragma: no cover")
    content, found = _ask(code, after, "python")
    # as indented, shaped alike, with no comment of its own; not one inside a function
    assert _applied(content, found) == after.replace(
        "except TypeError:", "except TypeError:  # pragma: no cover"
    )
    # an import's directive is that module's own
    imports = "import json\nimport os\nimport yaml\nimport requests\n"
    ignored = imports.replace("import yaml\n", "import yaml  # type: ignore\n")
    assert _ask(imports, ignored, "python")[1] == []
    # and so is a linter's word on an import's place (below code)
    late = imports.replace("import yaml\n", "import yaml  # noqa: E402\n")
    assert _ask(imports, late, "python")[1] == []
    # an ordinary comment is no tool's: it goes only where the same line stands
    said = code.replace("except ImportError:", "except ImportError:  # old Pythons")
    assert _ask(code, said, "python")[1] == []


@pytest.mark.parametrize("noqa", ["  # noqa", "  # noqa: F401", "  # noqa: F401, F403"])
def test_a_linter_told_an_import_is_used_is_told_so_of_the_imports_of_its_form(noqa: str) -> None:
    # a package's re-exports: its other relative imports at the top (on the first line of
    # one over several, where the linter reads it), not an absolute one or one in a function
    code = (
        "import os\nfrom .tokenizer import parse_list\nfrom .bytes import parse_bytes\n"
        "from .serializer import serialize, serialize_name\n"
        "from .parser import (\n    parse_one, parse_rule)\n\n\ndef f():\n"
        "    from .color import parse_color\n    return parse_color\n"
    )
    line = "from .tokenizer import parse_list"
    after = code.replace(line, line + noqa)
    content, found = _ask(code, after, "python")
    expected = after.replace("parse_bytes\n", "parse_bytes" + noqa + "\n").replace(
        "serialize_name\n", "serialize_name" + noqa + "\n"
    )
    expected = expected.replace("import (\n", "import (" + noqa + "\n")
    assert _applied(content, found) == expected
    # a name in a comment is no use
    said = code.replace("import os\n", "import os\n# parse_bytes is kept for old callers\n")
    content, found = _ask(said, said.replace(line, line + noqa), "python")
    assert any("parse_bytes" + noqa in _applied(content, [c]) for c in found)
    # not an import whose names the code uses: no linter says it is unused
    used = code + "\n\ndef g(text):\n    return serialize(parse_bytes(text))\n"
    content, found = _ask(used, used.replace(line, line + noqa), "python")
    assert [c.span.start_line for c in found] == [5]  # `from .parser import (` alone


def test_an_import_in_a_function_told_a_linter_is_told_so_in_the_like_functions() -> None:
    code = "".join(
        f"def _{name}_parser(value):\n    try:\n        import {name}\n"
        f"    except ImportError as error:\n        raise RuntimeError(error)\n"
        f"    return {name}.parse(value)\n\n\n"
        for name in ("dj_database_url", "dj_email_url", "django_cache_url")
    )
    after = code.replace("import dj_database_url", "import dj_database_url  # noqa: PLC0415")
    content, found = _ask(code, after, "python")
    expected = after.replace("import dj_email_url", "import dj_email_url  # noqa: PLC0415")
    expected = expected.replace(
        "import django_cache_url", "import django_cache_url  # noqa: PLC0415"
    )
    assert _applied(content, found) == expected


def test_a_call_wrapped_in_another_check_is_wrapped_only_where_it_stands_again() -> None:
    # a check of something else than the receiver (`this.listenerCount(…)`, `len(s.buf)`)
    js = (
        "class Conn {\n  onData(chunk) {\n    this.emit('data', chunk);\n  }\n"
        "  onEnd() {\n    this.emit('end');\n  }\n}\n"
    )
    counted = js.replace(
        "    this.emit('data', chunk);\n",
        "    if (this.listenerCount('data') > 0) {\n      this.emit('data', chunk);\n    }\n",
    )
    assert _ask(js, counted, "javascript")[1] == []
    go = (
        "func (c *Client) Do(x, y string) {\n"
        '\tc.Logger.Printf("[DEBUG] sending %s", x)\n'
        '\tc.Logger.Printf("[DEBUG] received %s", y)\n'
        "}\n"
        "func (c *Client) Close() {\n"
        "\tif c.Logger != nil {\n"
        '\t\tc.Logger.Printf("[DEBUG] closing")\n'
        '\t\tc.Logger.Printf("[DEBUG] closed %d", c.n)\n'
        "\t}\n"
        "}\n"
    )
    sending = '\tc.Logger.Printf("[DEBUG] sending %s", x)\n'
    # an `else` branch is that statement's own
    branched = go.replace(
        sending,
        "\tif c.Logger != nil {\n" + sending.replace("\t", "\t\t") + "\t} else {\n"
        '\t\tlog.Printf("[DEBUG] sending %s", x)\n\t}\n',
    )
    assert _ask(go, branched, "go")[1] == []
    # a call in the checked block already, not on its first line, is checked already
    checked = go.replace(
        sending, "\tif c.Logger != nil {\n" + sending.replace("\t", "\t\t") + "\t}\n"
    )
    content, found = _ask(go, checked, "go")
    assert _applied(content, found) == checked.replace(
        '\tc.Logger.Printf("[DEBUG] received %s", y)\n',
        '\tif c.Logger != nil {\n\t\tc.Logger.Printf("[DEBUG] received %s", y)\n\t}\n',
    )
    # wrapped at the indentation of the line, whatever the statement begins with
    items = "function f(items, x, y) {\n  items.push(x);\n  if (ok) {\n    items.push(y);\n  }\n}\n"
    guarded = items.replace("  items.push(x);\n", "  if (items) {\n    items.push(x);\n  }\n")
    content, found = _ask(items, guarded, "javascript")
    assert _applied(content, found) == guarded.replace(
        "    items.push(y);\n", "    if (items) {\n      items.push(y);\n    }\n"
    )


def test_what_an_assignment_after_a_colon_assigns_to_is_not_wrapped() -> None:
    code = (
        "def configure(self, timeout):\n"
        "    if timeout is None: self.timeout = 30\n"
        "    else: self.timeout = timeout\n"
        "    time.sleep(self.timeout)\n"
        "    return self.sock.send(data, self.timeout)\n"
    )
    after = code.replace("sleep(self.timeout)", "sleep(float(self.timeout))")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "data, self.timeout)", "data, float(self.timeout))"
    )


def test_a_name_wrapped_or_a_line_split_repeats_where_the_whole_line_reads_the_same() -> None:
    code = (
        "def text(body, encoding):\n"
        "    try:\n        return body.decode(encoding)\n"
        "    except LookupError:\n        raise Unsupported()\n"
        "\n"
        "def json(body, encoding):\n"
        "    try:\n        return loads(body, encoding)\n"
        "    except LookupError:\n        raise Unsupported()\n"
        "    except (LookupError, KeyError) as e:\n        raise Unsupported() from e\n"
        "    return sorted(LookupError.args)\n"
    )
    after = code.replace("except LookupError:", "except (LookupError, UnicodeDecodeError):", 1)
    content, found = _ask(code, after, "python")
    # the same line; not the name where its line reads otherwise
    assert _applied(content, found) == code.replace(
        "except LookupError:", "except (LookupError, UnicodeDecodeError):"
    )
    js = (
        "function get(cb) {\n  if (err) {\n    return cb(err);\n  }\n"
        "  pool.get(function (err) {\n    if (err) {\n      return cb(err);\n    }\n"
        "    return cb(null, conn);\n  });\n}\n"
    )
    split = js.replace("    return cb(err);\n", "    cb(err);\n    return;\n", 1)
    content, found = _ask(js, split, "javascript")
    assert _applied(content, found) == split.replace(
        "      return cb(err);\n", "      cb(err);\n      return;\n"
    )


def test_a_function_made_to_give_back_a_value_points_at_the_calls_that_drop_it() -> None:
    code = (
        "def wrap(fixturedef: FixtureDef) -> None:\n"
        "    fixturedef.func = wrapper\n"
        "\n"
        "def setup(fixturedef):\n"
        "    wrap(fixturedef)\n"
        "    other = wrap(fixturedef)\n"
        "    wrap(fixturedef).name\n"
        "    await wrap(fixturedef)\n"
    )
    after = code.replace("-> None:", "-> Callable:")
    found = _ask(code, after, "python")[1]
    # each call standing alone; not one whose value is taken or used
    assert [(c.kind, c.span.start_line, c.edit) for c in found] == [
        (SIGNATURE, 5, None),
        (SIGNATURE, 8, None),
    ]
    ts = "function flush(): void {\n  buf = []\n}\nflush();\nconst n = flush();\n"
    found = _ask(ts, ts.replace("flush(): void", "flush(): number"), "typescript")[1]
    assert [(c.span.start_line, c.edit) for c in found] == [(4, None)]
    # a header that said nothing of its value says nothing of the calls
    plain = code.replace(" -> None:", ":")
    assert _ask(plain, plain.replace("FixtureDef):", "FixtureDef) -> Callable:"), "python")[1] == []


def test_a_word_renamed_in_code_is_renamed_where_it_stands_in_strings() -> None:
    code = (
        "from docs import tutorial_py39 as mod\n"
        "\n"
        "\n"
        "def test_completion():\n"
        '    result = run(["coverage", "run", "-m", "docs.tutorial_py39"])\n'
        '    assert "tutorial_py39 done" in result\n'
    )
    after = code.replace("import tutorial_py39", "import tutorial_py310")
    content, found = _ask(code, after, "python")
    assert [(c.kind, c.span.start_line) for c in found] == [(RENAME, 5), (RENAME, 6)]
    assert _applied(content, found) == code.replace("tutorial_py39", "tutorial_py310")


def test_a_member_of_an_expression_renamed_is_renamed_where_it_stands_again() -> None:
    code = (
        "const lines = text.split('\\n').reverse();\n"
        "const frames = error.stack.split('\\n').reverse();\n"
        "const rest = frames.slice(lines.length).reverse();\n"
    )
    after = code.replace("text.split('\\n').reverse()", "text.split('\\n').toReversed()")
    content, found = _ask(code, after, "typescript")
    assert {c.kind for c in found} == {RENAME}
    assert _applied(content, found) == code.replace(".reverse()", ".toReversed()")
    # a member switched for one used already is one call changed (`log.info` to `log.debug`),
    # repeated on the lines alike to it only
    unlike = "const labels = [...items].sort(byName).reverse().map(toLabel).join(', ');\n"
    used = code + unlike + "const copy = rest.toReversed();\n"
    switched = used.replace("text.split('\\n').reverse()", "text.split('\\n').toReversed()")
    content, found = _ask(used, switched, "typescript")
    assert (
        _applied(content, found) == code.replace(".reverse()", ".toReversed()") + used[len(code) :]
    )


def test_a_local_renamed_everywhere_leaves_the_same_word_as_another_name_alone() -> None:
    code = (
        "package cobra\n"
        "\n"
        'import "text/template"\n'
        "\n"
        "func rpad(s string, padding int) string {\n"
        '\ttemplate := fmt.Sprintf("%%-%ds", padding)\n'
        "\treturn fmt.Sprintf(template, s)\n"
        "}\n"
        "\n"
        "func tmpl(text string) *template.Template {\n"
        '\treturn template.Must(template.New("top").Parse(text))\n'
        "}\n"
    )
    after = code.replace("\ttemplate :=", "\tformatted :=").replace(
        "Sprintf(template, s)", "Sprintf(formatted, s)"
    )
    assert _ask_in_one(code, after, "go") == []


def test_type_arguments_added_to_a_type_are_added_where_it_is_named_again() -> None:
    code = (
        "export type Body = {\n"
        "\tbuffer(): Promise<Uint8Array>;\n"
        "\tstream(): ReadableStream<Uint8Array>;\n"
        "\tbytes: Uint8Array;\n"
        "};\n"
    )
    after = code.replace("Promise<Uint8Array>", "Promise<Uint8Array<ArrayBuffer>>")
    content, found = _ask(code, after, "typescript")
    assert _applied(content, found) == code.replace("Uint8Array", "Uint8Array<ArrayBuffer>")
    # an annotated variable is not an assignment to the type (as `sorted(x) = ...` would be)
    code = "function b(y: Uint8Array): void {}\nfunction c(z: Uint8Array): void {}\n"
    code += "const x: Uint8Array = make();\n"
    after = code.replace("b(y: Uint8Array)", "b(y: Uint8Array<ArrayBuffer>)")
    content, found = _ask(code, after, "typescript")
    assert _applied(content, found) == code.replace("Uint8Array", "Uint8Array<ArrayBuffer>")
    # an index is not a type's arguments: `items[*]`, `items[i]`
    code = "a = items\nb = len(items)\nc = items\n"
    assert _ask(code, code.replace("a = items", "a = items[i]"), "python")[1] == []


def test_a_rename_over_lines_that_stand_again_elsewhere_is_repeated_there() -> None:
    lines = (
        "\t\t(RequestOptions | ((res: IncomingMessage) => void))?,\n"
        "\t\t((res: IncomingMessage) => void)?,\n"
    )
    code = (
        f"const request = (...args: [\n\t\tstring,\n{lines}\t]) => send(args);\n"
        f"\nconst fallback = (...args: [\n\t\tstring,\n{lines}\t]) => send(args);\n"
    )
    renamed = lines.replace("(res:", "(response:")
    after = code.replace(lines, renamed, 1)
    found = _ask_in_one(code, after, "typescript")
    assert _applied(after, found) == code.replace(lines, renamed)


def test_lines_changed_like_a_sibling_block_point_the_model_at_it() -> None:
    code = (
        "def setup(cmd):\n"
        "    if cmd.reader is None:\n"
        '        trace("setting default reader (cmd=%s)", cmd.name)\n'
        "        cmd.reader = sys.stdin\n"
        "    if cmd.writer is None:\n"
        '        trace("setting default writer (cmd=%s)", cmd.name)\n'
        "        cmd.writer = sys.stdout\n"
    )
    old = (
        '        trace("setting default reader (cmd=%s)", cmd.name)\n'
        "        cmd.reader = sys.stdin\n"
    )
    new = (
        "        if cmd.parent is not None and cmd.parent.reader is not None:\n"
        '            trace("inheriting reader from parent (cmd=%s)", cmd.name)\n'
        "            cmd.reader = cmd.parent.reader\n"
        "        else:\n"
        '            trace("setting default reader (cmd=%s)", cmd.name)\n'
        "            cmd.reader = sys.stdin\n"
    )
    after = code.replace(old, new)
    found = _ask_in_one(code, after, "python")
    assert [(c.kind, c.edit, c.span.start_line, c.span.end_line) for c in found] == [
        (SIMILAR, None, 10, 11)
    ]
    # lines deleted where a like block stands: most often one place only
    assert _ask_in_one(code, code.replace(old, ""), "python") == []


def test_a_word_changed_in_a_string_among_other_lines_is_changed_where_it_stands_again() -> None:
    code = (
        "def __getattr__(name):\n"
        "    warnings.warn(\n"
        "        \"The '__version__' attribute is deprecated and will be removed in\"\n"
        '        " Werkzeug 3.3. Use feature detection or"\n'
        "        ' `importlib.metadata.version(\"werkzeug\")` instead.',\n"
        "    )\n"
        '    return importlib.metadata.version("werkzeug")\n'
    )
    after = code.replace(" Werkzeug 3.3", " Jinja 3.3").replace(
        '("werkzeug")` instead', '("jinja2")` instead'
    )
    found = _ask_in_one(code, after, "python")
    assert _applied(after, found) == after.replace('version("werkzeug")', 'version("jinja2")')


def test_a_short_word_fixed_in_a_string_is_fixed_where_the_same_string_stands() -> None:
    message = 'r"make sure you did not misspell it"'
    code = (
        f"def test_a():\n    check({message})\n\n\n"
        f"def test_b():\n    check({message}, strict=True)\n\n\n"
        'def test_c():\n    check(r"you did it")\n'
    )
    after = code.replace("you did not", "you have not", 1)
    content, found = _ask(code, after, "python")
    # the same string only: `did` stands in another string too
    assert _applied(content, found) == code.replace("you did not", "you have not")


def test_a_code_of_digits_and_letters_fixed_in_a_string_is_fixed_where_it_stands() -> None:
    code = (
        "@pytest.mark.parametrize('dt_str', [\n"
        "    '2014-04-11T00',\n"
        "    '2014-04-11T24',\n"
        "    '2014-04-11T00:00',\n"
        "    '2014-04-11T24:00',\n"
        "])\n"
    )
    after = code.replace("11T24'", "10T24'", 1)
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == code.replace("11T24", "10T24")
    # a number however written is no such code (`0x7fff` in another function's mask)
    go = (
        "package wire\n\nfunc encodeLen(n int) byte {\n\treturn byte(n & 0x7fff)\n}\n\n"
        "func low(v int) int {\n\treturn v & 0x7fff\n}\n"
    )
    assert _ask(go, go.replace("byte(n & 0x7fff)", "byte(n & 0x3fff)"), "go")[1] == []
    # but a colour is a code, though its digits come first (`0000ff`)
    theme = (
        'const theme = {\n  link: "#0000ff",\n  linkHover: "#0000ff",\n  focus: "#0000ff",\n};\n'
    )
    after = theme.replace('link: "#0000ff"', 'link: "#1a1aff"')
    content, found = _ask(theme, after, "javascript")
    assert _applied(content, found) == theme.replace("0000ff", "1a1aff")


def test_a_line_changed_whole_offers_its_like_line_for_the_model() -> None:
    code = (
        "def xpath(self, query):\n"
        "    if self.type not in ('html', 'xml'):\n"
        "        raise ValueError(\n"
        "            'Cannot use xpath on a Selector of type {}'.format(repr(self.type))\n"
        "        )\n\n\n"
        "def css(self, query):\n"
        "    if self.type not in ('html', 'xml'):\n"
        "        raise ValueError(\n"
        "            'Cannot use css on a Selector of type {}'.format(repr(self.type))\n"
        "        )\n"
    )
    old = "'Cannot use xpath on a Selector of type {}'.format(repr(self.type))"
    after = code.replace(old, "f'Cannot use xpath on a Selector of type {self.type!r}'")
    # no name of the line is left as it was: the like line shares the removed ones (made an
    # f-string, it is computed since: next_edit_fstrings)
    assert [c.span.start_line for c in _ask(code, after, "python")[1]] == [11]
    code = (
        "function xpath(query) {\n"
        "  if (!['html', 'xml'].includes(this.type)) {\n"
        "    throw new Error(\n"
        "      util.format('Cannot use xpath on a Selector of type %s', inspect(this.type))\n"
        "    );\n  }\n}\n\n"
        "function css(query) {\n"
        "  if (!['html', 'xml'].includes(this.type)) {\n"
        "    throw new Error(\n"
        "      util.format('Cannot use css on a Selector of type %s', inspect(this.type))\n"
        "    );\n  }\n}\n"
    )
    old = "util.format('Cannot use xpath on a Selector of type %s', inspect(this.type))"
    after = code.replace(old, "`Cannot use xpath on a Selector of type ${this.type}`")
    assert [(c.span.start_line, c.edit) for c in _ask(code, after, "javascript")[1]] == [(12, None)]


def test_a_spelling_fixed_in_a_string_offers_no_alike_line_for_the_model() -> None:
    code = (
        "function check(input, init) {\n"
        "\tif (init.method === 'GET') {\n"
        "\t\tthrow new TypeError('Request with GET/HEAD method cannot have body');\n"
        "\t}\n"
        "\tif (init.signal === 'x') {\n"
        "\t\tthrow new TypeError('Expected signal to be an instance of AbortSignal');\n"
        "\t}\n"
        "\tif (init.mode === 'y') {\n"
        "\t\tthrow new TypeError('Reqeust mode must be one of cors or same-origin');\n"
        "\t}\n"
        "}\n"
    )
    after = code.replace("Reqeust", "Request")
    content, found = _ask(code, after, "javascript")
    assert found == []  # a typo is fixed where it is: the other messages are not rewritten
    misspelt = code.replace("Request with", "Reqeust with")
    content, found = _ask(misspelt, misspelt.replace("Reqeust mode", "Request mode"), "javascript")
    assert _applied(content, found) == after  # where the same misspelling stands, computed


def test_a_signature_changed_points_at_its_declarations_without_a_body() -> None:
    code = (
        "package encoding\n"
        "\n"
        "type Decoder interface {\n"
        "\tDecode(b []byte, v map[string]interface{}) error\n"
        "}\n"
        "\n"
        "type Encoder interface {\n"
        "\tEncode(v map[string]interface{}) ([]byte, error)\n"
        "}\n"
        "\n"
        "func (d *YAMLDecoder) Decode(b []byte, v map[string]interface{}) error {\n"
        "\treturn yaml.Unmarshal(b, &v)\n"
        "}\n"
    )
    after = code.replace(
        "Decode(b []byte, v map[string]interface{}) error {",
        "Decode(b []byte, v map[string]any) error {",
    )
    content, found = _ask(code, after, "go")
    # and, as text the user replaced, the other interface's `interface{}`
    assert [(c.kind, c.span.start_line) for c in found] == [(SIGNATURE, 4), (SIMILAR, 8)]
    assert _applied(content, found) == code.replace("interface{}", "any")
    # a declaration with other parameter names is the model's to rewrite
    ts = (
        "interface Renderer {\n"
        "  render(out: Writer, name: string, data: unknown): void;\n"
        "}\n"
        "\n"
        "class Page implements Renderer {\n"
        "  render(w: Writer, name: string, data: unknown): void {\n"
        "    w.write(name);\n"
        "  }\n"
        "}\n"
    )
    after = ts.replace(
        "render(w: Writer, name: string, data: unknown)",
        "render(c: Context, w: Writer, name: string, data: unknown)",
    )
    _, found = _ask(ts, after, "typescript")
    assert [(c.kind, c.edit, c.span.start_line) for c in found] == [(SIGNATURE, None, 2)]


def test_a_parameter_taken_from_a_method_is_taken_from_its_twin_in_another_class() -> None:
    code = (
        "class Table:\n"
        "    def update(self, fields, cond=None, transform=update_fields):\n"
        "        return self.process(fields, cond, transform)\n"
        "\n"
        "\n"
        "class Cached(Table):\n"
        "    def update(self, fields, cond=None, transform=update_fields):\n"
        "        self.clear()\n"
        "        return self.process(fields, cond, transform)\n"
        "\n"
        "\n"
        "class Other:\n"
        "    def update(self, fields, transform=update_fields):\n"
        "        pass\n"
    )
    after = code.replace(
        "cond=None, transform=update_fields):\n        return", "cond=None):\n        return", 1
    )
    _, found = _ask(code, after, "python")
    twins = [c for c in found if c.edit is not None and c.edit.text.startswith("(self")]
    assert [(c.span.start_line, c.edit.text) for c in twins] == [
        (7, "(self, fields, cond=None)")  # the same words only: `Other.update` differs
    ]
    # a result annotation alone is each class's own
    hashes = (
        "class Query:\n"
        "    def __hash__(self):\n"
        "        return hash(self.key)\n"
        "\n"
        "\n"
        "class Where(Query):\n"
        "    def __hash__(self):\n"
        "        return super().__hash__()\n"
    )
    annotated = hashes.replace("__hash__(self):", "__hash__(self) -> int:", 1)
    _, found = _ask(hashes, annotated, "python")
    assert [c for c in found if c.kind == SIGNATURE] == []
    # nor a signature two unrelated classes share by chance, with one parameter or none
    models = (
        "class Model(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return self.net(x)\n"
        "\n"
        "\n"
        "class Head(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return self.proj(x)\n"
    )
    masked = models.replace("forward(self, x):", "forward(self, x, mask=None):", 1)
    _, found = _ask(models, masked, "python")
    assert [c for c in found if c.span.start_line == 7] == []  # (line 3 hands it on)
    views = (
        "class ArticleList(View):\n"
        "    def get(self, request, *args, **kwargs):\n"
        "        return render(request, 'list.html')\n"
        "\n"
        "\n"
        "class ArticleDetail(View):\n"
        "    def get(self, request, *args, **kwargs):\n"
        "        return render(request, 'detail.html')\n"
    )
    paged = views.replace("request, *args", "request, page=1, *args", 1)
    _, found = _ask(views, paged, "python")
    assert [c for c in found if c.span.start_line == 7] == []  # `*args, **kwargs`: any's


def test_a_declaration_that_reads_as_the_new_signature_already_is_left() -> None:
    code = (
        "class QueryLike(Protocol):\n"
        "    def __call__(self, value: Mapping) -> bool: ...\n"
        "\n"
        "    def __hash__(self) -> int: ...\n"
        "\n"
        "\n"
        "class QueryInstance:\n"
        "    def __hash__(self):\n"
        "        return hash(self._hash)\n"
    )
    after = code.replace("__hash__(self):", "__hash__(self) -> int:")
    _, found = _ask(code, after, "python")
    assert [c for c in found if c.kind == SIGNATURE] == []
    stale = code.replace("__hash__(self) -> int: ...", "__hash__(self): ...")
    content, found = _ask(
        stale, stale.replace("__hash__(self):\n", "__hash__(self) -> int:\n"), "python"
    )
    assert _applied(content, found) == after  # one that does not, given the new one


def test_a_declaration_whose_parameters_end_as_the_users_now_do_is_left() -> None:
    code = (
        "class Owned:\n"
        "    @overload\n"
        "    def __get__(\n        self,\n        obj: None,\n"
        "        objtype: type[object] | None = None,\n    ) -> Self: ...\n"
        "    @overload\n"
        "    def __get__(self, obj: object, objtype: type[Any] | None = None) -> _T: ...\n"
        "    @overload\n"
        "    def __get__(self, obj: object, objtype: type[Any]) -> object: ...\n"
        "\n"
        "    def __get__(self, instance: object, owner: type[object]) -> _T:\n"
        "        return self.fget(owner)\n"
    )
    after = code.replace("owner: type[object])", "owner: type[object] | None = None)", 1)
    _, found = _ask(code, after, "python")
    # the overloads given a default already, whatever their names and types: left; the one
    # without it is the model's to rewrite
    assert [(c.kind, c.span.start_line, c.edit) for c in found if c.kind == SIGNATURE] == [
        (SIGNATURE, 11, None)
    ]
    # the result changed too: the declaration is the model's to rewrite, and nothing writes
    # the user's text after a default it has already
    code = (
        "class Store(Protocol):\n"
        "    def get(self, key: str, default: int | None = None) -> int: ...\n\n\n"
        "class Impl:\n    def get(self, name: str, fallback: int) -> int:\n"
        "        return self.d.get(name, fallback)\n"
    )
    after = code.replace("fallback: int) -> int:", "fallback: int | None = None) -> int | None:")
    found = _ask(code, after, "python")[1]
    assert [(c.kind, c.span.start_line, c.edit) for c in found] == [(SIGNATURE, 2, None)]


def test_a_symbol_put_in_between_names_is_put_in_where_the_same_names_stand() -> None:
    code = (
        "package ini\n"
        "\n"
        "func (c Codec) Encode(v map[string]any) ([]byte, error) {\n"
        "\treturn nil, nil\n"
        "}\n"
        "\n"
        "func (c Codec) Decode(b []byte, v map[string]any) error {\n"
        "\treturn nil\n"
        "}\n"
        "\n"
        "func (c Codec) keyDelimiter() string {\n"
        '\treturn "."\n'
        "}\n"
    )
    after = code.replace("func (c Codec) Encode", "func (c *Codec) Encode")
    content, found = _ask(code, after, "go")
    assert [(c.kind, c.edit and c.edit.text) for c in found] == [(SIMILAR, "*"), (SIMILAR, "*")]
    assert _applied(content, found) == code.replace("(c Codec)", "(c *Codec)")
    # between numbers and symbols only, a symbol is too often right in one place only
    numbers = "data = [1, 2, 3, 1, 2, 3]\n"
    assert _ask(numbers, numbers.replace("[1, 2", "[1, -2"), "python")[1] == []


def test_words_put_in_between_names_are_put_in_where_the_same_names_stand() -> None:
    code = (
        "def test_client(client):\n"
        '    expected = {"accept-encoding": "gzip, deflate, br", "connection": "keep-alive"}\n'
        "\n"
        "\n"
        "def test_close(client):\n"
        '    sent = {"accept-encoding": "gzip, deflate, br", "connection": "close"}\n'
    )
    after = code.replace('"gzip, deflate, br", "conn', '"gzip, deflate, br, zstd", "conn', 1)
    content, found = _ask(code, after, "python")
    assert [(c.kind, c.edit and c.edit.text) for c in found] == [(SIMILAR, ", zstd")]
    assert _applied(content, found) == code.replace("deflate, br", "deflate, br, zstd")
    # A piece of a longer change, cut where it opens a bracket it does not close: not one
    half = after.replace("br, zstd", "br, zstd[")
    assert _ask(code, half, "python")[1] == []


def test_a_formatting_call_made_plain_is_made_plain_where_its_strings_format_nothing() -> None:
    code = (
        'package main\n\nfunc show(w io.Writer, e *Err) {\n\tfmt.Fprintf(w, "done")\n}\n\n'
        "func (e *Err) write(w io.Writer) {\n"
        '\tfmt.Fprintf(w, "failed: %v", e.Key)\n\tfmt.Fprintf(w, "100%% sure")\n'
        '\tfmt.Fprintf(w, "plain")\n}\n'
    )
    after = code.replace('fmt.Fprintf(w, "done")', 'fmt.Fprint(w, "done")', 1)
    content, found = _ask(code, after, "go")
    # not where a string has a directive, nor a `%%` (a plain call prints it as it stands)
    assert _applied(content, found) == after.replace(
        'fmt.Fprintf(w, "plain")', 'fmt.Fprint(w, "plain")'
    )
    # its own strings, over several lines; not another call's (`check`'s "50%")
    code = (
        'package main\n\nfunc W(t *testing.T, w io.Writer, n int) {\n\tfmt.Fprintf(w, "done")\n'
        '\tfmt.Fprintf(w,\n\t\t"%d items", n)\n\tcheck(t, fmt.Sprintf("half"), "50%")\n}\n'
    )
    after = code.replace('fmt.Fprintf(w, "done")', 'fmt.Fprint(w, "done")', 1)
    content, found = _ask(code, after, "go")
    assert "fmt.Fprintf(w,\n" in _applied(content, found)
    code = code.replace("Fprintf", "Sprintf")
    after = code.replace('fmt.Sprintf(w, "done")', 'fmt.Sprint(w, "done")', 1)
    content, found = _ask(code, after, "go")
    assert 'fmt.Sprint("half")' in _applied(content, found)
    # a function of the file's own renamed: every call follows, formatting or not
    code = (
        "package main\n\nfunc debugf(format string, args ...any) {\n}\n\n"
        'func f(n int) {\n\tdebugf("start")\n\tdebugf("%d items", n)\n}\n'
    )
    after = code.replace("func debugf(", "func debug(", 1)
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == code.replace("debugf", "debug")


def test_words_taken_out_are_taken_out_where_the_same_text_stands_around_them() -> None:
    code = (
        "def test_bad_max_time(testdir):\n"
        "    result.stdout.fnmatch_lines([\n"
        '        "*py*: error: argument --max-time: Invalid decimal value",\n'
        "    ])\n"
        "\n"
        "\n"
        "def test_bad_save(testdir):\n"
        "    result.stdout.fnmatch_lines([\n"
        '        "*py*: error: argument --save: Must not contain these",\n'
        "    ])\n"
    )
    after = code.replace('"*py*: error', '"*: error', 1)
    content, found = _ask(code, after, "python")
    assert [(c.kind, c.edit and c.edit.text) for c in found] == [(SIMILAR, "")]
    assert _applied(content, found) == code.replace('"*py*: error', '"*: error')
    # Not an item of a list: an argument taken from one call leaves the other calls be
    calls = (
        "const handle = ({stdio, options, isSync, state}) => {\n"
        "\treturn check({stdio, options, isSync, state}, 1);\n"
        "};\n"
    )
    dropped = calls.replace("isSync, ", "", 1)
    assert _ask(calls, dropped, "javascript")[1] == []
    # nor a word of a sentence: what one test's title says is said of that test
    titles = (
        "test('Aborting stdout should not make it exit', testAbort, 1);\n"
        "test('Destroying stdout should not make it exit', testDestroy, 1);\n"
    )
    assert _ask(titles, titles.replace("not ", "", 1), "javascript")[1] == []
    # (read wherever the diff aligns what was taken: `not ` from `not need` comes as `ot n`)
    needs = titles.replace("make", "need")
    assert _ask(needs, needs.replace("not ", "", 1), "javascript")[1] == []
    # a string is an item too (`"y", ` comes as `y", "`)
    lists = 'const a = ["x", "y", "z"];\nfor (const s of ["x", "y", "z", "w"]) {}\n'
    assert _ask(lists, lists.replace('"y", ', "", 1), "javascript")[1] == []


def test_text_with_no_name_is_replaced_where_it_stands_whole_when_it_is_long_enough() -> None:
    code = (
        "def test_teardown(app):\n"
        "    def index():\n"
        "        1 // 0\n"
        "\n"
        "\n"
        "def test_request_exception(app):\n"
        "    def index():\n"
        "        1 // 0\n"
    )
    after = code.replace("        1 // 0\n", "        raise ZeroDivisionError\n", 1)
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == code.replace("1 // 0", "raise ZeroDivisionError")
    # numbers for others: too often right in one place only
    limits = "MAX = 10\nretries = 10\n"
    assert _ask(limits, limits.replace("MAX = 10", "MAX = 20"), "python")[1] == []
    origins = "start = (0, 0)\nhome = (0, 0)\n"
    assert _ask(origins, origins.replace("start = (0, 0)", "start = (1, 1)"), "python")[1] == []


CALLS = """def sync(client, paths):
    for path in paths:
        client.upload(path, overwrite=True)
    print(len(paths), "synced")
    client.notify({"count": len(paths), "mode": "sync"})


def restore(client, archive, name):
    target = archive.extract(name)
    client.upload(os.path.join(target, name + ".bak"), overwrite=False)
    print(target, "restored")
    client.notify({"count": 1, "mode": "restore"})
"""


def test_an_argument_added_to_one_call_points_the_model_at_the_other_calls() -> None:
    after = CALLS.replace(
        "client.upload(path, overwrite=True)", "client.upload(path, overwrite=True, retries=3)"
    )
    content, found = _ask(CALLS, after, "python")
    lines = content.split("\n")
    assert [(c.kind, c.edit, lines[c.span.start_line - 1].strip()) for c in found] == [
        (SIMILAR, None, 'client.upload(os.path.join(target, name + ".bak"), overwrite=False)')
    ]
    # An object argument's key too; typed in TypeScript
    ts = "function a(api) {\n  api.send({ id: 1, tag: 'a' });\n}\n\n" + "\n" * 30
    ts += "function b(api, user) {\n  api.send({ id: user.id, at: Date.now() });\n}\n"
    after = ts.replace("tag: 'a' }", "tag: 'a', retry: true }")
    content, found = _ask(ts, after, "typescript")
    assert [content.split("\n")[c.span.start_line - 1].strip() for c in found] == [
        "api.send({ id: user.id, at: Date.now() });"
    ]


def test_a_call_changed_without_an_argument_more_or_less_points_nowhere() -> None:
    changes = [
        CALLS.replace('print(target, "restored")', 'print(target, "restored", sep="")'),
        CALLS.replace('"mode": "sync"', '"mode": "sync, all"'),  # a comma in a string
        CALLS.replace('"synced")', '"synced", ", ".join(paths))'),  # in a builtin's call
    ]
    for after in changes:
        assert _ask(CALLS, after, "python")[1] == [], after
    go = "func f(n int) {\n\tm := make(map[string]int)\n\ts := make([]int, 0)\n}\n"
    assert _ask(go, go.replace("int)\n\ts", "int, n)\n\ts"), "go")[1] == []  # a builtin's
    js = "t.deepEqual(keys, [\n\t'a',\n\t'b',\n]);\nt.deepEqual(other, ['c']);\n"
    assert _ask(js, js.replace("\t'b',\n", ""), "javascript")[1] == []  # an item of a list


def test_a_parameter_removed_is_removed_from_the_calls_arguments() -> None:
    go = GO + "\nfunc log(s *Store, level int, template string, args ...any) {}\n\n"
    go += (
        'func warn(s *Store) {\n\tlog(s, 2, "", "late")\n\tlog(\n\t\ts,\n\t\t3,\n\t\t"",\n\t)\n}\n'
    )
    after = go.replace("level int, template string, args", "level int, args")
    content, found = _ask(go, after, "go")
    assert all(c.kind == SIGNATURE and c.edit is not None for c in found)
    assert _applied(content, found).endswith(
        'func warn(s *Store) {\n\tlog(s, 2, "late")\n\tlog(\n\t\ts,\n\t\t3,\n\t)\n}\n'
    )
    # Python: by position, or by name wherever it stands; the first argument, in TypeScript
    py = "def send(host, port, data):\n    pass\n\n\nsend(h, 80, b'x')\nsend(h, data=b'', port=1)\n"
    content, found = _ask(
        py, py.replace("def send(host, port, data)", "def send(host, data)"), "py"
    )
    assert _applied(content, found).endswith("send(h, b'x')\nsend(h, data=b'')\n")
    ts = "function put(key: string, value: number) {}\n\nput('a, b', 1);\nput(\n  k,\n  2,\n);\n"
    content, found = _ask(ts, ts.replace("key: string, value", "value"), "typescript")
    assert _applied(content, found).endswith("put(1);\nput(\n  2,\n);\n")
    # a call that passes fewer arguments than the old header required passes the new
    # ones already (it was changed first): left as it is
    go = (
        "func strictParse(r io.Reader, env Env, override bool) (Env, error) {\n"
        "\treturn env, nil\n}\n\nfunc Parse(r io.Reader) Env {\n"
        "\tenv, _ := strictParse(r, false)\n\treturn env\n}\n\n"
        "func Load(r io.Reader) Env {\n\tenv, _ := strictParse(r, nil, true)\n\treturn env\n}\n"
    )
    after = go.replace("r io.Reader, env Env, override bool", "r io.Reader, override bool", 1)
    content, found = _ask(go, after, "go")
    assert _applied(content, found) == after.replace(
        "strictParse(r, nil, true)", "strictParse(r, true)"
    )


def test_a_parameter_removed_where_a_call_spreads_its_arguments_is_the_models() -> None:
    py = "def send(host, port, data):\n    pass\n\n\nsend(*address, b'x')\n"
    _, found = _ask(py, py.replace("send(host, port, data)", "send(host, data)"), "py")
    assert [(c.kind, c.edit) for c in found] == [(SIGNATURE, None)]
    # An optional parameter taken out: its argument goes by position (a call cannot leave
    # out one before it), unless it is variadic (`*rest`: any number of arguments)
    py = py.replace("port, data", "port=80, data=None").replace("*address, b'x'", "h, 81")
    content, found = _ask(py, py.replace("host, port=80, data=None", "host, data=None"), "py")
    assert _applied(content, found).endswith("send(h)\n")
    py = py.replace("port=80", "*rest").replace("h, 81", "h, 81, 82")
    _, found = _ask(py, py.replace("host, *rest, data=None", "host, data=None"), "py")
    assert [(c.kind, c.edit) for c in found] == [(SIGNATURE, None)]


def test_a_parameter_added_is_passed_where_the_caller_has_a_variable_of_its_name() -> None:
    go = (
        "package p\n\nfunc get(key string) int { return 0 }\n\n"
        "func handle(ctx context.Context, key string) int {\n\treturn get(key)\n}\n\n"
        'func main() {\n\tget("a")\n}\n'
    )
    after = go.replace("func get(key string)", "func get(ctx context.Context, key string)")
    content, found = _ask(go, after, "go")
    lines = content.split("\n")
    assert [(c.kind, c.edit is not None, lines[c.span.start_line - 1]) for c in found] == [
        (SIGNATURE, True, "\treturn get(key)"),  # ctx is handle's parameter: passed
        (SIGNATURE, False, '\tget("a")'),  # main has none: the model's
    ]
    assert "\treturn get(ctx, key)\n" in _applied(content, found)
    py = "def run(job):\n    pass\n\n\ndef loop(jobs, log):\n    for job in jobs:\n"
    py += "        run(\n            job,\n        )\n"
    after = py.replace("def run(job)", "def run(job, log)")
    content, found = _ask(py, after, "python")
    assert _applied(content, found).endswith(
        "run(\n            job,\n            log,\n        )\n"
    )
    # `cls` renamed `mcs` adds no parameter: nothing is passed for it
    py = "class M(type):\n    def make(cls, a):\n        pass\n\n    def go(self, mcs):\n"
    py += "        self.make(1)\n"
    after = py.replace("def make(cls, a)", "def make(mcs, a)")
    assert [c.edit for c in _ask(py, after, "python")[1] if c.edit is not None] == []


def test_a_parameter_added_is_passed_where_a_closure_sees_a_variable_of_its_name() -> None:
    # a function typed parameter before it (`=>` in its type) is no default: the calls'
    # positions still say where it goes
    ts = (
        "class Ky {\n"
        "  async race(read: () => Promise<unknown>, response: Response): Promise<unknown> {\n"
        "    return read();\n  }\n\n"
        "  expose() {\n"
        "    for (const [type, mime] of Object.entries(types)) {\n"
        "      result[type] = async () => {\n"
        "        return this.race(async () => response.text(), response);\n"
        "      };\n    }\n  }\n}\n"
    )
    after = ts.replace("response: Response)", "response: Response, mime: string)")
    content, found = _ask(ts, after, "typescript")
    assert _applied(content, found) == after.replace(
        "response.text(), response)", "response.text(), response, mime)"
    )


def test_a_comment_corrected_to_name_a_definition_is_not_repeated() -> None:
    go = (
        "package p\n\n// GetName returns the name.\nfunc (e *A) GetName() string { return e.n }\n\n"
        "// GetName returns the flag.\nfunc (e *B) GetFlag() string { return e.f }\n"
    )
    after = go.replace("// GetName returns the flag", "// GetFlag returns the flag")
    assert _ask(go, after, "go")[1] == []
    # The old name names nothing (the function was renamed before): its other mentions in
    # comments and strings are stale too, not its use in code
    go = (
        "package p\n\n// RenderFloat renders n.\nfunc FormatFloat(n float64) string {\n"
        '\tif n < 0 {\n\t\tpanic("RenderFloat(): negative")\n\t}\n\treturn ""\n}\n'
    )
    after = go.replace("// RenderFloat renders", "// FormatFloat renders")
    content, found = _ask(go, after, "go")
    assert _applied(content, found) == after.replace('"RenderFloat()', '"FormatFloat()')
    # a word of prose made a name (golint's capital) leaves the prose alone
    go = (
        "package p\n\n// load reads the config.\nfunc Load(path string) error {\n"
        '\treturn errors.New("cannot load config") // load it later\n}\n'
    )
    assert _ask(go, go.replace("// load reads", "// Load reads"), "go")[1] == []
    # A word made a parameter's name is no definition: repeated where the word stands
    py = 'def create(username):\n    """Create USERNAME."""\n\n\ndef delete(username):\n'
    py += '    """Delete USERNAME."""\n'
    content, found = _ask(py, py.replace("Create USERNAME", "Create username"), "python")
    assert _applied(content, found).endswith('"""Delete username."""\n')


def test_a_mention_made_to_name_a_renamed_definition_renames_its_uses_left_in_code() -> None:
    # the definition was renamed first; the old name, used in code and bound nowhere, is as
    # stale in its recursive call as in its doctests
    py = (
        "def iter_subclasses(cls, _seen=None):\n"
        '    """Each subclass.\n\n    >>> bool in list(itersubclasses(int))\n    True\n'
        "    >>> for c in itersubclasses(A):\n    ...     print(c)\n"
        '    """\n    for sub in cls.__subclasses__():\n'
        "        yield from itersubclasses(sub, _seen)\n"
    )
    after = py.replace("list(itersubclasses(int))", "list(iter_subclasses(int))")
    content, found = _ask(py, after, "python")
    assert _applied(content, found) == after.replace("itersubclasses", "iter_subclasses")
    # a builtin a docstring now names otherwise: no stale name, its use stands
    code = (
        "class ConvertError(ValueError):\n    pass\n\n\n"
        'def convert(v):\n    """Raise a ``TypeError``."""\n    raise TypeError(v)\n'
    )
    after = code.replace("``TypeError``", "``ConvertError``")
    assert [c for c in _ask(code, after, "python")[1] if c.edit is not None] == []
    # not a builtin a name is respelled after, a plural made in prose, a name its reader
    # sees bound nowhere that is a lambda's (not called), nor prose that names it
    for code, old, new in (
        (
            "def sums(rows):\n    # the sum of each row\n    return [sum(row) for row in rows]\n",
            "# the sum of",
            "# the sums of",
        ),
        (
            'def iter_(obj):\n    """Each.\n\n    >>> list(iter([1]))\n    [1]\n    """\n'
            "    return iter(obj or ())\n",
            "list(iter([1]))",
            "list(iter_([1]))",
        ),
        (
            "def items(table):\n    return sorted(table.rows)\n\n\n"
            "def top(rows):\n    # the item with the highest score\n"
            "    return max(rows, key=lambda item: item.score)\n",
            "# the item with",
            "# the items with",
        ),
        (
            "def _open(path):\n    # like open, but logged\n    LOG.info('open %s', path)\n"
            "    return open(path)\n",
            "# like open,",
            "# like _open,",
        ),
    ):
        after = code.replace(old, new, 1)
        assert [c for c in _ask(code, after, "python")[1] if c.edit is not None] == []
    # outside Python a global (`fetch`) or a name another file of the package defines is
    # bound nowhere here: not stale
    js = "function refetch(url) {\n  // fetch the data again\n  return fetch(url)\n}\n"
    after = js.replace("// fetch the data", "// refetch the data")
    assert [c for c in _ask(js, after, "javascript")[1] if c.edit is not None] == []
    # a name a `*` import may bind, or one assigned: no stale use
    for bound in ("from helpers import *\n", "itersubclasses = iter_subclasses\n"):
        code = bound + py
        after = code.replace("list(itersubclasses(int))", "list(iter_subclasses(int))")
        assert _ask(code, after, "python")[1] == []


def test_a_go_function_made_a_method_is_called_on_each_methods_receiver() -> None:
    go = (
        "package p\n\ntype F struct{ q bool }\n\nfunc needsQuoting(text string) bool {\n"
        '\treturn text == ""\n}\n\n'
        "func (f *F) format(key string) string {\n\tif needsQuoting(key) {\n\t\treturn key\n"
        '\t}\n\treturn "" // needsQuoting(key) said no\n}\n\n'
        "func (g F) other(v string) bool {\n\treturn needsQuoting(v)\n}\n\n"
        "func (o *Other) valid(v string) bool {\n\treturn needsQuoting(v)\n}\n\n"
        'func main() {\n\tneedsQuoting("a")\n}\n'
    )
    header = "func needsQuoting(text string) bool {\n"
    method = "func (f *F) needsQuoting(text string) bool {\n\tif f.q {\n\t\treturn true\n\t}\n"
    qualified = []
    for after in (go.replace(header, "func (f *F) " + header[5:]), go.replace(header, method)):
        content, found = _ask(go, after, "go")
        assert [c.kind for c in found] == [SIGNATURE, SIGNATURE]
        # on F's methods' own receivers; not in a comment, another type's method or a
        # function, which have no F to call it on
        applied = _applied(content, found)
        assert "\tif f.needsQuoting(key) {\n" in applied
        assert "\treturn g.needsQuoting(v)\n" in applied
        assert applied.count("needsQuoting(") == after.count("needsQuoting(")
        qualified.append(applied)
    # and back: a method made a function loses the receiver its calls were made on
    unmade = qualified[0].replace("func (f *F) needsQuoting(", "func needsQuoting(")
    content, found = _ask(qualified[0], unmade, "go")
    assert [c.kind for c in found] == [SIGNATURE, SIGNATURE]
    assert _applied(content, found) == go


def test_like_blocks_are_each_offered_once_however_many() -> None:
    # A file of 400 like functions (the overlap of each block with those taken was checked
    # against each of them: seconds on a 1 MB file of like blocks).
    from codesaga.domain.next_edit_locations import LineIndex, recent_change
    from codesaga.domain.next_edit_similar import similar_blocks

    body = "    value = request.get('key')\n    if value is None:\n"
    before = "".join(f"def handler_{i}(request):\n{body}        return 0\n" for i in range(400))
    start = before.index(body)
    new = "    value = request.get('name')\n    if value is not None:\n"
    edit = narrowed_edit(before, start, start + len(body), new)
    after = apply_edits(before, [edit])
    index = LineIndex(after)
    change = recent_change(after, [edit], index)
    assert change is not None
    found = similar_blocks(index, change)
    starts = sorted(c.span.start_line for c in found)
    assert starts == [2 + 4 * i for i in range(1, 400)]  # every other function's two lines
    assert all(c.span.end_line == c.span.start_line + 1 for c in found)


GO_TESTS = """package order

import "testing"

func TestIsIncreasing(t *testing.T) {
\tmockT := new(testing.T)
\tif !IsIncreasing(mockT, []int{1, 2}) {
\t\tt.Error("should be increasing")
\t}
}

func TestIsDecreasing(t *testing.T) {
\tmockT := new(testing.T)
\tif !IsDecreasing(mockT, []int{2, 1}) {
\t\tt.Error("should be decreasing")
\t}
}

func TestIsNonDecreasing(t *testing.T) {
\tmockT := new(testing.T)
\tif !IsNonDecreasing(mockT, []int{1, 1}) {
\t\tt.Error("should be non-decreasing")
\t}
}
"""


def test_lines_added_between_two_lines_go_where_alike_neighbours_stand() -> None:
    header = "func TestIsIncreasing(t *testing.T) {\n"
    after = GO_TESTS.replace(header, header + "\tt.Parallel()\n")
    content, found = _ask(GO_TESTS, after, "go")
    assert {c.kind for c in found} == {SIMILAR}
    assert _applied(content, found) == GO_TESTS.replace("{\n\tmockT", "{\n\tt.Parallel()\n\tmockT")
    # typed as a newline at the end of the header, then the line: the same places
    at = header.rstrip("\n")
    line = GO_TESTS.split("\n").index(at) + 1
    edit = TextEdit(Span(line, len(at) + 1, line, len(at) + 1), "", "\n\tt.Parallel()")
    typed = find_candidates(after, "go", [edit], (line + 1, 14))
    assert [c.edit for c in typed] == [c.edit for c in found]


def test_lines_added_between_two_lines_go_where_they_stand_at_another_depth() -> None:
    # the same two lines a level out (the retry loop's last try): the line goes between them
    # at their depth
    code = (
        "func (r *Request) Execute() (*Response, error) {\n"
        "\tfor i := 0; i < r.retries; i++ {\n"
        "\t\tresp, err := r.client.execute(r)\n"
        "\t\tr.client.onErrorHooks(r, resp, unwrap(err))\n"
        "\t\treturn resp, unwrap(err)\n"
        "\t}\n"
        "\tresp, err := r.client.execute(r)\n"
        "\tr.client.onErrorHooks(r, resp, unwrap(err))\n"
        "\treturn resp, unwrap(err)\n"
        "}\n"
    )
    hooks = "r.client.onErrorHooks(r, resp, unwrap(err))\n"
    after = code.replace("\t\t" + hooks, "\t\t" + hooks + "\t\tbackToBufPool(r.bodyBuf)\n")
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == after.replace(
        "\t" + hooks + "\treturn", "\t" + hooks + "\tbackToBufPool(r.bodyBuf)\n\treturn"
    )
    # more than two levels apart, the same lines are another piece of code's
    deep = code.replace("\t\tresp, err", "\t\t\t\tresp, err").replace(
        "\t\tr.client", "\t\t\t\tr.client"
    )
    deep = deep.replace("\t\treturn resp", "\t\t\t\treturn resp")
    hooked = deep.replace("\t\t\t\t" + hooks, "\t\t\t\t" + hooks + "\t\t\t\tfree(r)\n")
    assert not _ask(deep, hooked, "go")[1]


def test_a_statement_put_first_in_a_test_goes_first_in_its_subtests_too() -> None:
    code = (
        "func TestCore(t *testing.T) {\n"
        '\ttests := []string{"a", "b"}\n'
        "\tfor _, tt := range tests {\n"
        "\t\tt.Run(tt, func(t *testing.T) {\n"
        "\t\t\tcheck(t, tt)\n"
        "\t\t})\n"
        "\t}\n"
        "}\n"
    )
    header = "func TestCore(t *testing.T) {\n"
    after = code.replace(header, header + "\tt.Parallel()\n")
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == after.replace(
        "func(t *testing.T) {\n", "func(t *testing.T) {\n\t\t\tt.Parallel()\n"
    )


def test_lines_added_beside_a_long_line_go_beside_the_same_line_elsewhere() -> None:
    # a blank line on one side (nothing to match), the same long line on the other
    code = (
        "def test_format(capsys):\n"
        "    rv = make_logger(level=logging.INFO)\n\n"
        "    assert capsys.readouterr().out == ''\n\n\n"
        "def test_format_bytes(capsys):\n"
        "    rv = make_logger(level=logging.INFO)\n\n"
        "    assert capsys.readouterr().out == ''\n"
    )
    made = "    rv = make_logger(level=logging.INFO)\n"
    after = code.replace(made, made + "    emit('hello')\n", 1)
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == code.replace(made, made + "    emit('hello')\n")
    # a short line is everywhere
    short = code.replace("make_logger(level=logging.INFO)", "make()")
    assert not _ask(short, short.replace("make()\n", "make()\n    emit('hello')\n", 1), "python")[1]
    # more than three lines are a piece of code of its own; lines that open what they do not
    # close are a piece of a longer change
    for put in ("    a()\n    b()\n    c()\n    d()\n", "    x = f(\n"):
        assert not _ask(code, code.replace(made, made + put, 1), "python")[1]


def test_a_statement_put_first_in_a_body_goes_first_under_alike_headers() -> None:
    # each test's first line is its own: the headers alone say where `t.Parallel()` goes
    code = (
        "package order\n\n"
        "func TestIsIncreasing(t *testing.T) {\n\tmockT := new(testing.T)\n\tcheck(t, mockT)\n}\n\n"
        "func TestIsDecreasing(t *testing.T) {\n\tvalues := []int{2, 1}\n\tcheck(t, values)\n}\n\n"
        "func TestIsSorted(t *testing.T) {\n\tif !sorted() {\n\t\tt.Fail()\n\t}\n}\n"
    )
    header = "func TestIsIncreasing(t *testing.T) {\n"
    content, found = _ask(code, code.replace(header, header + "\tt.Parallel()\n"), "go")
    assert _applied(content, found) == code.replace("T) {\n", "T) {\n\tt.Parallel()\n")
    # a header with more parameters is still alike; a loop inside a body is no such header
    code = (
        "func recoverAndFail(t *testing.T) {\n\tr := recover()\n\tfail(t, r)\n}\n\n"
        "func failOnPanic(t *testing.T, r interface{}) {\n\tif r != nil {\n\t\tt.Fail()\n\t}\n}\n\n"
        "func runAll(t *testing.T) {\n\tfor _, c := range cases(t) {\n\t\trun(c)\n\t}\n}\n"
    )
    header = "func recoverAndFail(t *testing.T) {\n"
    content, found = _ask(code, code.replace(header, header + "\tt.Helper()\n"), "go")
    assert _applied(content, found) == code.replace(
        "interface{}) {\n", "interface{}) {\n\tt.Helper()\n"
    ).replace("T) {\n", "T) {\n\tt.Helper()\n")
    # a statement that uses no parameter, or two lines put there, stay where they were put
    for added in ("\tcount++\n", "\tt.Parallel()\n\tt.Helper()\n"):
        _, found = _ask(code, code.replace(header, header + added), "go")
        assert found == []


def test_a_directive_put_above_a_line_goes_above_the_alike_lines() -> None:
    code = (
        "package zap\n\n"
        "func TestLevelFlag(t *testing.T) {\n\tcheck(t)\n}\n\n"
        "func TestLevelFlagSet(t *testing.T) {\n\tcheck(t)\n}\n\n"
        "func TestLevelFlagIndependent(t *testing.T) {\n\tcheck(t)\n}\n"
    )
    header = "func TestLevelFlag(t *testing.T) {\n"
    directive = "//nolint:paralleltest // modifies global state\n"
    content, found = _ask(code, code.replace(header, directive + header), "go")
    assert _applied(content, found) == code.replace("\nfunc", "\n" + directive + "func")
    # a doc comment names what it stands above: it is that function's own
    doc = "// TestLevelFlag parses a level.\n"
    _, found = _ask(code, code.replace(header, doc + header), "go")
    assert found == []


def test_a_check_added_after_an_assignment_is_added_where_the_same_one_stands() -> None:
    code = (
        "package gcs\n\n"
        "func walk(dir *File) error {\n\tfor more {\n\t\tinfos, err = dir.Readdir(0)\n"
        "\t\tvisit(infos)\n\t}\n\tinfos, err = dir.Readdir(0)\n\tshow(infos)\n"
        "\treturn nil\n}\n"
    )
    check = "\t\tif err != nil {\n\t\t\treturn err\n\t\t}\n"
    line = "\t\tinfos, err = dir.Readdir(0)\n"
    content, found = _ask(code, code.replace(line, line + check, 1), "go")
    # at that line's own indentation, whatever follows it
    assert _applied(content, found) == code.replace(line, line + check, 1).replace(
        "\tinfos, err = dir.Readdir(0)\n\tshow",
        "\tinfos, err = dir.Readdir(0)\n\tif err != nil {\n\t\treturn err\n\t}\n\tshow",
    )
    # lines that use nothing the statement assigned are that place's own (where the line
    # after it differs: between the same two lines, they go as any lines do)
    _, found = _ask(code, code.replace(line, line + "\t\tcount++\n", 1), "go")
    assert found == []


def test_a_dropped_error_assigned_and_checked_is_so_where_that_call_stands_alone() -> None:
    code = (
        "package mdns\n\n"
        "func (c *Client) send(buf []byte) error {\n\tvar err error\n"
        "\tif c.v4 != nil {\n\t\tc.v4.WriteToUDP(buf, addr4)\n\t}\n"
        "\tif c.v6 != nil {\n\t\tc.v6.WriteToUDP(buf, addr6)\n\t}\n\treturn err\n}\n\n"
        "func (c *Client) log(buf []byte) {\n\tc.out.WriteToUDP(buf, logs)\n}\n\n"
        "func (c *Client) other(buf []byte) error {\n\tc.out.WriteToUDP(buf, logs)\n"
        "\treturn nil\n}\n"
    )
    check = "\n\t\tif err != nil {\n\t\t\treturn err\n\t\t}"
    checked = code.replace(
        "\t\tc.v4.WriteToUDP(buf, addr4)", "\t\t_, err = c.v4.WriteToUDP(buf, addr4)" + check
    )
    content, found = _ask(code, checked, "go")
    # the same call on another receiver, in that function: not in one that returns
    # nothing, nor in one where `err` is not declared for `err =`
    assert _applied(content, found) == checked.replace(
        "\t\tc.v6.WriteToUDP(buf, addr6)", "\t\t_, err = c.v6.WriteToUDP(buf, addr6)" + check
    )


def test_a_dropped_error_checked_is_not_checked_where_the_copy_would_not_compile() -> None:
    code = (
        "package p\n\n"
        "func send(c *C) error {\n\tc.w.Write(a)\n\tc.w.Write(b)\n"
        "\tgo func() {\n\t\tc.w.Write(d)\n\t}()\n\twg.Write(e)\n"
        "\tc.w.Write(f).Flush()\n\treturn nil\n}\n\n"
        "func other(c *C) error {\n\tif err := c.open(); err != nil {\n\t\treturn err\n\t}\n"
        "\t// err is ignored here\n\tc.w.Write(g)\n\treturn nil\n}\n\n"
        "func quiet(c *C) {\n\tc.w.Write(a)\n}\n"
    )
    check = "\n\tif err != nil {\n\t\treturn err\n\t}"
    checked = code.replace("\tc.w.Write(a)", "\t_, err := c.w.Write(a)" + check, 1)
    content, found = _ask(code, checked, "go")
    # not `:=` again in that block (no new variable), nor in the closure or in `quiet`
    # (they return nothing; not even the same call), nor on another receiver, nor a chain's
    # first call; in `other` (its `err` is the `if`'s own), declared there
    assert _applied(content, found) == checked.replace(
        "\tc.w.Write(g)", "\t_, err := c.w.Write(g)" + check
    )
    declared = code.replace("\tc.w.Write(a)", "\tvar err error\n\tc.w.Write(a)", 1)
    assigned = declared.replace("\tc.w.Write(a)", "\t_, err = c.w.Write(a)" + check, 1)
    content, found = _ask(declared, assigned, "go")
    # `err =` where `err` is declared around the call: not in `other`
    assert _applied(content, found) == assigned.replace(
        "\tc.w.Write(b)", "\t_, err = c.w.Write(b)" + check
    )


def test_a_dropped_error_checked_reads_blocks_raw_strings_and_parameters() -> None:
    check = "\n\tif err != nil {\n\t\treturn err\n\t}"
    code = (
        "package p\n\n"
        "func run(db *DB) error {\n\tvar err error\n\tdb.Exec(a)\n\tgo func() {\n"
        "\t\tq := `\nSELECT 1\n`\n\t\tdb.Exec(q)\n\t}()\n\treturn err\n}\n\n"
        "func other(db *DB) error {\n\tif ok {\n\t\terr := db.Open()\n\t\tuse(err)\n\t}\n"
        "\tif more {\n\t\tdb.Exec(g)\n\t}\n\treturn nil\n}\n\n"
        "func onErr(db *DB, err error) error {\n\tdb.Exec(b)\n\treturn err\n}\n"
    )
    checked = code.replace("\tdb.Exec(a)", "\t_, err = db.Exec(a)" + check, 1)
    content, found = _ask(code, checked, "go")
    # the closure's call, behind a raw string's flush-left line: no; `other`'s, where `err`
    # is a closed block's own: no; `onErr`'s, which takes `err`: yes
    assert _applied(content, found) == checked.replace(
        "\tdb.Exec(b)", "\t_, err = db.Exec(b)" + check
    )


def test_a_parameter_typed_anew_is_typed_so_where_its_docstring_gives_its_type() -> None:
    code = (
        "def render(text: str, context: Mapping[str, Any], *, extra: Any = None) -> str:\n"
        '    """Render.\n\n    Args:\n        text (str): The text.\n'
        "        context (Mapping[str, Any]): The context.\n"
        "        extra (Any): Anything else.\n\n"
        "    :type context: Mapping[str, Any]\n"
        '    """\n    return text.format(**context)\n'
    )
    after = code.replace("Mapping[str, Any]", "Mapping[str, object]", 1)
    content, found = _ask(code, after, "python")
    # that parameter's type only: not `extra`'s, though it reads `Any` too
    assert _applied(content, found) == code.replace("Mapping[str, Any]", "Mapping[str, object]")


@pytest.mark.parametrize(
    ("old", "new"),
    [("List[int]", "list[int]"), ("Dict[str, str]", "Dict[str, bytes]")],
    ids=["a word diffed to its first letter", "the second of a word twice"],
)
def test_a_parameter_typed_anew_is_typed_so_in_its_docstring_the_word_the_user_changed(
    old: str, new: str
) -> None:
    code = (
        f'def get(sep: str = "(", items: {old} = None, other: {old} = None):\n'
        f'    """Get.\n\n    Args:\n        sep (str): Opens.\n'
        f"        items ({old}): The items.\n        other ({old}): Others.\n"
        '    """\n'
    )
    after = code.replace(f"items: {old}", f"items: {new}", 1)
    content, found = _ask(code, after, "python")
    # that parameter's (not the one after a default's bracket), that word of its type
    assert _applied(content, found) == after.replace(f"items ({old})", f"items ({new})")


def test_a_name_put_in_a_list_of_quoted_names_goes_in_the_list_of_them_unquoted() -> None:
    code = (
        '__all__ = [\n    "PluginManager",\n    "HookimplOpts",\n    "HookRelay",\n]\n\n'
        "from ._hooks import (\n    HookRelay,\n    PluginManager,\n    HookimplOpts,\n)\n"
    )
    exported = code.replace('"HookimplOpts",\n', '"HookimplOpts",\n    "HookImpl",\n')
    content, found = _ask(code, exported, "python")
    # after the same neighbour, though the import's order is its own
    assert _applied(content, found) == exported.replace(
        "HookimplOpts,\n)", "HookimplOpts,\n    HookImpl,\n)"
    )
    # and the other way round, quoted as that list quotes
    imported = code.replace("    HookRelay,\n", "    HookRelay,\n    HookImpl,\n")
    content, found = _ask(code, imported, "python")
    assert _applied(content, found) == imported.replace(
        '"HookRelay",\n', '"HookRelay",\n    "HookImpl",\n'
    )


def test_lines_added_are_not_offered_where_they_already_are() -> None:
    done = GO_TESTS.replace(
        "func TestIsDecreasing(t *testing.T) {\n",
        "func TestIsDecreasing(t *testing.T) {\n\tt.Parallel()\n",
    )
    header = "func TestIsIncreasing(t *testing.T) {\n"
    content, found = _ask(done, done.replace(header, header + "\tt.Parallel()\n"), "go")
    assert [content.split("\n")[c.span.start_line - 2] for c in found] == [
        "func TestIsNonDecreasing(t *testing.T) {"
    ]


def test_a_name_added_to_one_of_two_alike_lists_is_added_to_the_other() -> None:
    code = (
        "export {\n  AxiosHeaders,\n  formToJSON,\n  mergeConfig\n};\n\n"
        "const {\n  Axios,\n  AxiosHeaders,\n  formToJSON,\n  mergeConfig\n} = axios;\n"
    )
    after = code.replace(
        "AxiosHeaders,\n  formToJSON", "AxiosHeaders,\n  HttpStatusCode,\n  formToJSON", 1
    )
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == code.replace(
        "AxiosHeaders,\n  formToJSON", "AxiosHeaders,\n  HttpStatusCode,\n  formToJSON"
    )


@pytest.mark.parametrize(
    ("code", "old", "new"),
    [
        # one more entry like its neighbours: it belongs in one place (a list of other
        # entries is no copy of it)
        (
            'urls = [\n    path("echo", views.echo),\n    path("form", views.form),\n]\n\n'
            'more = [\n    path("about", views.about),\n    path("help", views.help),\n]\n',
            '    path("echo", views.echo),\n',
            '    path("echo", views.echo),\n    path("json", views.json),\n',
        ),
        # between a closing brace and a blank line: such a slot is everywhere
        (
            GO_TESTS,
            "\t}\n}\n\nfunc TestIsDecreasing",
            "\t}\n}\n\nvar order = 1\n\nfunc TestIsDecreasing",
        ),
    ],
    ids=["an entry like its neighbours", "between a closing brace and a blank line"],
)
def test_lines_added_like_their_neighbours_or_between_nameless_ones_stay_put(
    code: str, old: str, new: str
) -> None:
    _, found = _ask(code, code.replace(old, new, 1), "python" if "urls" in code else "go")
    assert not [c for c in found if c.edit is not None and not c.edit.removed]


def test_an_entry_added_to_a_list_goes_in_the_list_parallel_to_it() -> None:
    code = (
        "const result = await run('a');\n"
        "expectType<boolean>(result.isMaxBuffer);\n"
        "expectType<string>(result.signal);\n\n"
        "const resultSync = runSync('a');\n"
        "expectType<boolean>(resultSync.isMaxBuffer);\n"
        "expectType<string>(resultSync.signal);\n"
    )
    entry = "expectType<boolean>(result.isMaxBuffer);\n"
    after = code.replace(entry, entry + "expectType<boolean>(result.isTerminated);\n")
    content, found = _ask(code, after, "typescript")
    synced = "expectType<boolean>(resultSync.isMaxBuffer);\n"
    assert _applied(content, found) == after.replace(
        synced, synced + "expectType<boolean>(resultSync.isTerminated);\n"
    )
    # lines of the same list with other names next to them are other entries, not a list
    # parallel to it: their names are swapped above and below alike only by chance
    imports = (
        "from tomlkit.api import document\n"
        "from tomlkit.exceptions import ParseError\n"
        "from tomlkit.items import StringType\n"
    )
    after = imports.replace("ParseError\n", "ParseError\nfrom tomlkit.exceptions import Missing\n")
    assert not _ask(imports, after, "python")[1]


def test_an_entry_added_to_a_list_goes_in_its_copies() -> None:
    # the switch's branches set the same headers but for a literal the entry does not use
    code = (
        "switch enc {\n"
        'case "gzip":\n'
        '\tw.Header().Set("Content-Encoding", "gzip")\n'
        '\tw.Header().Add("Vary", "Accept-Encoding")\n'
        "\treturn gzip.NewWriter(w)\n"
        'case "deflate":\n'
        '\tw.Header().Set("Content-Encoding", "deflate")\n'
        '\tw.Header().Add("Vary", "Accept-Encoding")\n'
        "\treturn flate.NewWriter(w)\n"
        "}\n"
    )
    entry = '\tw.Header().Set("Content-Encoding", "gzip")\n'
    added = '\tw.Header().Del("Content-Length")\n'
    after = code.replace(entry, entry + added)
    content, found = _ask(code, after, "go")
    deflate = '\tw.Header().Set("Content-Encoding", "deflate")\n'
    assert _applied(content, found) == after.replace(deflate, deflate + added)
    # a list copied word for word gets it too
    urls = 'urls = [\n    path("echo", views.echo),\n    path("form", views.form),\n]\n'
    copies = urls + "\n" + urls.replace("urls", "more")
    first = '    path("echo", views.echo),\n'
    json = '    path("json", views.json),\n'
    after = copies.replace(first, first + json, 1)
    content, found = _ask(copies, after, "python")
    assert _applied(content, found) == copies.replace(first, first + json)
    # an entry that uses what differs there is that branch's own: not copied as it is (a
    # copy of the line above it with another header is, with that branch's value)
    own = '\tw.Header().Set("X-Encoding", "gzip")\n'
    content, found = _ask(code, code.replace(entry, entry + own), "go")
    theirs = own.replace("gzip", "deflate")
    assert _applied(content, found) == content.replace(deflate, deflate + theirs)
    # nor is a piece of code put in the list (a line unlike its entries) copied
    block = added + '\tlog.Printf("compressing %d bytes", n)\n'
    assert not _ask(code, code.replace(entry, entry + block), "go")[1]


def test_an_entry_added_to_a_mapping_goes_in_the_mappings_keyed_alike() -> None:
    code = (
        "THOUSANDS = {\n"
        '    "de_DE": ".",\n    "fr_FR": " ",\n    "it_IT": ".",\n    "hu_HU": " ",\n}\n\n'
        "DECIMALS = {\n"
        '    "de_DE": ",",\n    "fr_FR": ".",\n    "it_IT": ",",\n    "hu_HU": ",",\n}\n\n'
        "CURRENCY = {\n"
        '    "de_DE": "EUR",\n    "fr_FR": "EUR",\n    "hu_HU": "HUF",\n}\n'
    )
    after = code.replace('"it_IT": ".",\n', '"it_IT": ".",\n    "lv": " ",\n', 1)
    content, found = _ask(code, after, "python")
    # in each mapping that has most of its keys, before the entry it comes before (`hu_HU`;
    # with none after it, after the last it follows): the value is the user's to check
    assert _applied(content, found) == after.replace(
        '"it_IT": ",",\n', '"it_IT": ",",\n    "lv": " ",\n'
    ).replace('"fr_FR": "EUR",\n', '"fr_FR": "EUR",\n    "lv": " ",\n')
    appended = code.replace('"hu_HU": " ",\n', '"hu_HU": " ",\n    "lv": " ",\n', 1)
    content, found = _ask(code, appended, "python")
    assert _applied(content, found) == appended.replace(
        '"hu_HU": ",",\n', '"hu_HU": ",",\n    "lv": " ",\n'
    ).replace('"hu_HU": "HUF",\n', '"hu_HU": "HUF",\n    "lv": " ",\n')
    # a mapping of other keys is left alone, as is one that has the new key already
    other = code.replace('"de_DE": "EUR"', '"en_US": "USD"')
    other = other.replace('"fr_FR": "EUR"', '"ja_JP": "JPY"')
    other = other.replace('"hu_HU": ",",\n', '"hu_HU": ",",\n    "lv": ",",\n')
    typed = other.replace('"it_IT": ".",\n', '"it_IT": ".",\n    "lv": " ",\n', 1)
    assert not _ask(other, typed, "python")[1]
    # a name put in an import's list goes in the list that exports most of its names, before
    # the name it comes before in the import's
    module = (
        "import Schema, {\n  AnySchema,\n  CastOptions as BaseCastOptions,\n"
        "  SchemaDescription,\n  SchemaMetadata,\n} from './schema';\n\n"
        "export type {\n  AnyObject,\n  AnySchema,\n  MixedOptions,\n  SchemaDescription,\n"
        "  SchemaMetadata,\n};\n"
    )
    exported = module.replace("BaseCastOptions,\n", "BaseCastOptions,\n  SchemaSpec,\n")
    content, found = _ask(module, exported, "typescript")
    assert _applied(content, found) == exported.replace(
        "MixedOptions,\n", "MixedOptions,\n  SchemaSpec,\n"
    )
    # keyword arguments are not the parameters of the same names
    call = (
        "def connect(host: str, port: int, user: str, timeout: float) -> None:\n"
        "    open_socket(\n        host=host,\n        port=port,\n        user=user,\n    )\n"
    )
    typed = call.replace("user=user,\n", "user=user,\n        timeout=timeout,\n")
    assert not _ask(call, typed, "python")[1]


def test_a_string_given_a_constants_name_is_named_wherever_it_stands() -> None:
    code = (
        "package proxy\n\n"
        "func route(r *http.Request) string {\n"
        '\tif r.Method == "CONNECT" {\n\t\treturn "tunnel"\n\t}\n'
        '\treturn "plain"\n}\n\n'
        'func allowed(r *http.Request) bool {\n\treturn r.Method == "CONNECT" && open\n}\n'
    )
    after = code.replace('"CONNECT" {', "http.MethodConnect {")
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == code.replace('"CONNECT"', "http.MethodConnect")
    # a string made a value (`undefined`, `nil`) is one place's choice
    _, found = _ask(code, code.replace('"CONNECT" {', "nil {"), "go")
    assert found == []


def test_a_short_name_given_its_modules_constant_is_replaced_where_it_stands() -> None:
    code = (
        "package echo\n\n"
        'func TestBindQuery(t *testing.T) {\n\treq := httptest.NewRequest(GET, "/?a=1", nil)\n}\n\n'
        "func handle(w http.ResponseWriter, r *http.Request) {\n"
        "\tif r.Method != GET {\n\t\treturn\n\t}\n}\n"
    )
    content, found = _ask(code, code.replace("(GET", "(http.MethodGet", 1), "go")
    assert _applied(content, found) == code.replace("GET", "http.MethodGet")


def test_a_name_switched_for_one_used_already_repeats_where_the_line_is_alike() -> None:
    code = (
        "def test_debug(logger):\n"
        "    with pytest.raises(TypeError):\n"
        '        logger.level("DEBUG", 100)\n\n\n'
        "def test_empty(logger):\n"
        "    with pytest.raises(ValueError):\n"
        '        logger.level("", 1)\n\n\n'
        "def test_foobar(logger):\n"
        "    with pytest.raises(TypeError):\n"
        '        logger.level("foobar", 100)\n\n\n'
        "def test_type():\n"
        "    assert isinstance(TypeError(), Exception)\n"
    )
    after = code.replace("TypeError", "ValueError", 1)
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == code.replace("raises(TypeError)", "raises(ValueError)")


def test_an_expression_rewritten_is_rewritten_where_it_stands_with_other_names() -> None:
    code = (
        "export const checks = {\n"
        "\taliasIsSet: {\n"
        "\t\tfilter: ([, flag]) => flag.alias !== undefined,\n"
        "\t},\n"
        "\tchoicesNotAnArray: {\n"
        "\t\tfilter: ([, flag]) => flag.choices !== undefined && !Array.isArray(flag.choices),\n"
        "\t},\n"
        "\tdefaultIsSet: {\n"
        "\t\tfilter: ([, other]) => other.default !== undefined,\n"
        "\t},\n"
        "\tnested: {\n"
        "\t\tfilter: ([, flag]) => flag.meta.alias !== undefined,\n"
        "\t},\n"
        "};\n"
    )
    after = code.replace("flag.alias !== undefined", "Object.hasOwn(flag, 'alias')")
    content, found = _ask(code, after, "javascript")
    # the same object's other key is rewritten with its own name, in the key's string too;
    # another object with another key has nothing in common with the user's, and a member
    # of a member (`flag.meta.alias`) is a longer expression
    assert _applied(content, found) == after.replace(
        "flag.choices !== undefined", "Object.hasOwn(flag, 'choices')"
    )
    assert all(c.kind == SIMILAR for c in found)


def test_a_loop_rewritten_is_rewritten_where_only_its_bound_differs() -> None:
    code = (
        "package w\n\n"
        "func TestWriter(t *testing.T) {\n"
        "\tfor i := 0; i < logNum; i++ {\n\t\twrite(i)\n\t}\n"
        "\tfor i := 0; i < bigWriteLen; i++ {\n\t\twrite(i)\n\t}\n"
        "\tfor j := 0; j < logNum; j++ {\n\t\twrite(j)\n\t}\n}\n"
    )
    after = code.replace("i := 0; i < logNum; i++", "range logNum", 1)
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == after.replace(
        "i := 0; i < bigWriteLen; i++", "range bigWriteLen"
    )


def test_an_item_added_to_a_list_goes_into_the_list_that_repeats_it() -> None:
    code = (
        "import { toFormData, formToJSON, isCancel } from './helpers';\n\n"
        "export {\n  toFormData,\n  isCancel,\n  formToJSON\n};\n\n"
        "export default {\n  toFormData,\n  isCancel,\n  formToJSON,\n  VERSION\n};\n\n"
        "const pair = [toFormData, isCancel];\n"
    )
    after = code.replace("  formToJSON\n};", "  formToJSON,\n  mergeConfig\n};", 1)
    content, found = _ask(code, after, "javascript")
    # after the item it follows in the user's list, as typed there, or in the list's own
    # layout (the import, on one line); the pair holds too few of the list's items
    assert _applied(content, found) == after.replace(
        "  formToJSON,\n  VERSION", "  formToJSON,\n  mergeConfig,\n  VERSION"
    ).replace("formToJSON, isCancel }", "formToJSON, mergeConfig, isCancel }")


def test_an_item_added_to_a_list_of_other_values_is_the_models_to_write_there() -> None:
    code = (
        "const fromLocale = {\n  weekdays: this.$locale().weekdays,\n"
        "  months: this.$locale().months,\n  meridiem: this.$locale().meridiem\n};\n"
        "const fromObject = {\n  weekdays: locale.weekdays,\n  months: locale.months,\n"
        "  meridiem: locale.meridiem\n};\n"
    )
    after = code.replace(
        "  meridiem: this.$locale().meridiem\n",
        "  meridiem: this.$locale().meridiem,\n  ordinal: this.$locale().ordinal\n",
    )
    _, found = _ask(code, after, "javascript")
    # the item it follows reads otherwise there: the model writes it, after that item
    assert [(c.span.start_line, c.edit) for c in found] == [(10, None)]
    # a list with only two of the keys is another list
    two = code.replace("  months: locale.months,\n", "")
    _, found = _ask(two, two.replace("  months: this.$locale().months,\n", ""), "javascript")
    assert not found


def test_an_index_by_a_string_rewritten_is_rewritten_with_the_other_strings() -> None:
    code = (
        "function corsHeaders(req, options) {\n"
        "  var origin = options.origin === true\n"
        "        ? req.headers['Origin']\n"
        "        : options.origin,\n"
        "      headers = options.headers ||\n"
        "        req.headers['Access-Control-Request-Headers'], // reflect the request's\n"
        "      other = res.headers['Vary'];\n"
        "  return [origin, headers, other];\n"
        "}\n"
    )
    after = code.replace("req.headers['Origin']", "req.header('Origin')")
    content, found = _ask(code, after, "javascript")
    # the string is a hole like the names: any string where it stands, each kept; the
    # expression ended the user's line but not the other's (a comma and a comment follow);
    # another receiver is another object
    assert _applied(content, found) == after.replace(
        "req.headers['Access-Control-Request-Headers']",
        "req.header('Access-Control-Request-Headers')",
    )


@pytest.mark.parametrize(
    ("code", "old", "new", "language"),
    [
        (
            "function validate(flags, received) {\n"
            "  if (typeof received[name] === 'undefined') {\n    return;\n  }\n"
            "  if (typeof flags === 'undefined') {\n    return;\n  }\n}\n",
            "typeof received[name] === 'undefined'",
            "received[name] === undefined",
            "javascript",
        ),
        (
            "def error(messages, error):\n"
            '    raise Bad(body=json.dumps(error.messages).encode("utf-8"))\n\n\n'
            "def invalid():\n"
            '    raise Bad(body=json.dumps(messages).encode("utf-8"), kind=1)\n',
            'body=json.dumps(error.messages).encode("utf-8")',
            "text=json.dumps(error.messages)",
            "python",
        ),
    ],
    ids=["an index made a name", "a call's result made a member"],
)
def test_an_expression_rewritten_is_rewritten_where_it_stands_with_other_operands(
    code: str, old: str, new: str, language: str
) -> None:
    # the names make no template that matches: whole operands are the holes
    content, found = _ask(code, code.replace(old, new, 1), language)
    assert _applied(content, found) == code.replace(old, new, 1).replace(
        "typeof flags === 'undefined'", "flags === undefined"
    ).replace('body=json.dumps(messages).encode("utf-8")', "text=json.dumps(messages)")


def test_an_expression_put_in_a_list_is_not_put_in_one_where_a_list_holds_it() -> None:
    code = (
        "def test_catch():\n"
        '    for exc in [ValueError("foo"), TypeError("bar")]:\n        check(exc)\n'
        '    raise ExceptionGroup("message", TypeError("uh-oh"))\n'
        '    raise ExceptionGroup("other", TypeError("again"))\n'
    )
    after = code.replace('TypeError("uh-oh")', '[TypeError("uh-oh")]', 1)
    content, found = _ask(code, after, "python")
    # the other group given one error alone, not the error that is a list's item already
    expected = after.replace('TypeError("again")', '[TypeError("again")]')
    assert _applied(content, found) == expected
    # an item of a list laid out over lines, of a tuple: held as an item already
    for held in (
        '    for exc in [\n        ValueError("'
        + "x" * 90
        + '"),\n        KeyError("'
        + "y" * 90
        + '"),\n        TypeError("bar"),\n    ]:\n        check(exc)\n',
        '    for exc in (ValueError("foo"), TypeError("bar")):\n        check(exc)\n',
    ):
        code = "def test_catch():\n" + held + '    raise ExceptionGroup("m", TypeError("uh-oh"))\n'
        after = code.replace('TypeError("uh-oh")', '[TypeError("uh-oh")]', 1)
        assert _ask(code, after, "python")[1] == []


def test_a_call_rewritten_is_rewritten_with_the_other_calls_own_arguments() -> None:
    code = (
        "package cli\n\n"
        "func help(t *Template, v string, pad string) {\n"
        '\tt.Parse(strings.Replace(template, "OPTIONS", "GLOBAL OPTIONS", -1))\n'
        '\tindented := strings.Replace(v, "\\n", "\\n"+pad, -1)\n'
        "\tother := bytes.Replace(b, old, new, -1)\n}\n"
    )
    old = 'strings.Replace(template, "OPTIONS", "GLOBAL OPTIONS", -1)'
    new = 'strings.ReplaceAll(template, "OPTIONS", "GLOBAL OPTIONS")'
    content, found = _ask(code, code.replace(old, new), "go")
    # every argument another's, even an expression; another function's call left alone
    assert _applied(content, found) == code.replace(old, new).replace(
        'strings.Replace(v, "\\n", "\\n"+pad, -1)', 'strings.ReplaceAll(v, "\\n", "\\n"+pad)'
    )


def test_a_member_called_made_a_function_of_its_receiver_is_made_so_on_any_receiver() -> None:
    js = (
        "function hook(self) {\n  self.oldEmit.apply(this, [a, b]);\n}\n\n"
        "function other(that) {\n  that.emitter.apply(this, args);\n  x.apply(this, args);\n"
        "  x.call(this, args);\n  f(x.apply);\n}\n"
    )
    old, new = "self.oldEmit.apply(this", "Reflect.apply(self.oldEmit, this"
    content, found = _ask(js, js.replace(old, new), "javascript")
    # each receiver, a name with members or a name; not another member called, nor one
    # that is not called
    assert _applied(content, found) == js.replace(old, new).replace(
        "  that.emitter.apply(this", "  Reflect.apply(that.emitter, this"
    ).replace("  x.apply(this", "  Reflect.apply(x, this")


@pytest.mark.parametrize(
    ("code", "old", "new", "language"),
    [
        # a whole statement rewritten is not rewritten inside an expression
        (
            "def test_panics(l):\n    l.MarshalText()\n\n\n"
            "def test_ok(lvl):\n    assert lvl.MarshalText() == b'info'\n",
            "    l.MarshalText()",
            "    _, _ = l.MarshalText()  # should panic",
            "python",
        ),
        # another function called is another operation (`tee.Check` kept its error)
        (
            "def test_tee(tee, ent):\n    tee.Write(ent, None)\n    tee.Check(ent, None)\n",
            "tee.Write(ent, None)",
            "assert_ok(tee.Write(ent, None))",
            "python",
        ),
        # the change is inside a string literal: the whole literal is the template
        (
            'PATTERNS = {\n    "a": r"^\\d+$",\n    "b": r"^\\w+$",\n}\n',
            r'r"^\d+$"',
            r'r"^(\*|\d+)$"',
            "python",
        ),
        # a piece of an expression (its left operand kept) is no expression of its own
        (
            "def add(self, part, existing):\n"
            "    if part == existing:\n        return\n"
            "    if self.part == other:\n        return\n",
            "part == existing",
            "part.is_duplicate(existing)",
            "python",
        ),
        # an operand's hole takes a whole operand, not the start of a longer one
        (
            "if ('undefined' === typeof opts.a) {}\n"
            "if ('undefined' === typeof load(read(path))) {}\n",
            "'undefined' === typeof opts.a",
            "opts.a === undefined",
            "javascript",
        ),
        # names switched (fields exported) are the rename rules', not an operand's template
        (
            "func open(b, l File) *Union {\n\treturn &Union{base: b, layer: l}\n}\n\n"
            "func wrap(f File) *Union {\n\treturn &Union{base: f.Base(), layer: nil}\n}\n",
            "base: b, layer",
            "Base: b, Layer",
            "go",
        ),
        # a member of a member is a longer expression (`annotations.missing.keys`)
        (
            "for (const key in annotations.errors) {}\n"
            "for (const key in annotations.missing.keys) {}\n",
            "in annotations.errors",
            "of Object.keys(annotations.errors)",
            "javascript",
        ),
    ],
)
def test_an_expression_rewritten_is_not_repeated_where_it_is_not_alike(
    code: str, old: str, new: str, language: str
) -> None:
    _, found = _ask(code, code.replace(old, new, 1), language)
    assert not [
        c for c in found if c.edit is not None and c.kind == SIMILAR and c.edit.removed != old
    ]


@pytest.mark.parametrize(
    ("code", "language"),
    [
        (
            "package sftpfs\n\n"
            "type Fs struct {\n\tclient *sftp.Client\n}\n\n"
            "func (s Fs) Rename(oldname, newname string) error {\n"
            "\treturn s.client.Rename(oldname, newname)\n}\n\n"
            "func (s Fs) Remove(name string) error {\n\treturn s.client.Remove(name)\n}\n",
            "go",
        ),
        (
            "class Fs:\n"
            "    def __init__(self, client):\n        self.client = client\n\n"
            "    def Rename(self, old, new):\n        return self.client.Rename(old, new)\n",
            "python",
        ),
    ],
)
def test_a_wrapper_handing_its_work_on_keeps_its_name_when_the_call_it_makes_changes(
    code: str, language: str
) -> None:
    # the wrapper's own name is its interface's, not the client's
    after = code.replace("client.Rename", "client.PosixRename")
    _, found = _ask(code, after, language)
    assert found == []
    # a method called on its own receiver is the method itself: renamed where it is defined
    calls = code.replace("s.client.Remove(name)", "s.Rename(name, name)").replace(
        "self.client = client", "self.Rename(client, client)"
    )
    content, found = _ask(
        calls,
        calls.replace("s.Rename(name", "s.PosixRename(name").replace(
            "self.Rename(client", "self.PosixRename(client"
        ),
        language,
    )
    applied = _applied(content, found)
    assert applied.count("PosixRename(") == 2 and "client.Rename(" in applied


def test_a_member_spelled_like_a_keyword_is_renamed_like_any_member() -> None:
    code = (
        "const schemas = [\n"
        "    Joi.date(),\n"
        "    Joi.func(),\n"
        "    Joi.number(),\n"
        "    Joi.func().default(() => null, { literal: true }),\n"
        "];\n"
    )
    after = code.replace("Joi.func(),", "Joi.function(),")
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == code.replace("Joi.func()", "Joi.function()")
    # the dots of a spread are no member access: `args` stays a word no rename reads
    code = "type Fn = (...args: any[]) => void;\n\ntype Listener = {\n\tfn: Fn;\n};\n"
    after = code.replace("Fn = (...args", "AnyFunction = (...arguments_")
    content, found = _ask(code, after, "typescript")
    assert _applied(content, found) == after.replace("fn: Fn", "fn: AnyFunction")


def test_a_python_class_renamed_is_renamed_in_return_annotations() -> None:
    code = (
        "class Requirement(NamedTuple):\n    name: str\n\n\n"
        "def parse(source: str) -> Requirement:\n    return _parse(source)\n\n\n"
        "def _parse(source: str) -> Requirement:\n    return Requirement(source)\n"
    )
    after = code.replace("class Requirement", "class ParsedRequirement")
    content, found = _ask(code, after, "python")
    # `-> Requirement` is a return type in Python, not a member access as in C
    assert _applied(content, found) == code.replace("Requirement", "ParsedRequirement")


def test_an_optional_parameter_taken_out_points_at_the_calls_that_pass_it_only() -> None:
    code = (
        "def area(width, height, scale=1):\n    return width * height * scale\n\n\n"
        "def plain():\n    return area(2, 3)\n\n\n"
        "def scaled():\n    return area(2, 3, 4)\n\n\n"
        "def named():\n    return area(2, 3, scale=2)\n"
    )
    after = code.replace("height, scale=1):", "height):")
    content, found = _ask(code, after, "python")
    # `area(2, 3)` passes no `scale`: as right as it was; the others lose what they pass
    assert _applied(content, found) == after.replace("area(2, 3, 4)", "area(2, 3)").replace(
        "area(2, 3, scale=2)", "area(2, 3)"
    )


def test_a_type_comment_after_a_python_def_leaves_it_a_def_with_a_body() -> None:
    code = (
        "class Key:\n"
        "    def as_string(self, prefix=None):  # type: () -> str\n"
        "        return self._value.as_string(prefix=prefix)\n\n\n"
        "class Table:\n"
        "    def as_string(self):  # type: () -> str\n"
        "        return ''.join(t.as_string(prefix=self.name) for t in self._body)\n"
    )
    content, found = _ask(code, code.replace("self, prefix=None", "self"), "python")
    lines = content.split("\n")
    # the calls passing `prefix`, not the other class's `def as_string(self):`, taken for a
    # declaration without a body because of the comment after its colon
    assert found and not [c for c in found if "def " in lines[c.span.start_line - 1]]


def test_a_function_assigned_to_a_member_points_at_its_calls_through_the_member() -> None:
    code = (
        "function Command (yargs) {\n"
        "  const self = {}\n"
        "  self.addHandler = function addHandler (cmd, description) {\n"
        "    handlers[cmd] = description\n"
        "  }\n"
        "  self.addDirectory = function addDirectory (dir) {\n"
        "    self.addHandler(dir.name, dir.description)\n"
        "  }\n"
        "  return self\n"
        "}\n"
    )
    after = code.replace("addHandler (cmd, description)", "addHandler (cmd, description, flag)")
    content, found = _ask(code, after, "javascript")
    lines = content.split("\n")
    assert [(c.kind, lines[c.span.start_line - 1].strip()) for c in found] == [
        (SIGNATURE, "self.addHandler(dir.name, dir.description)")
    ]


@pytest.mark.parametrize("fallback", ["||", "??"])
def test_a_default_function_after_a_fallback_points_at_the_variables_calls(fallback: str) -> None:
    code = (
        "function storage (options) {\n"
        f"  var rename = options.rename {fallback} function (fieldname, filename) {{\n"
        "    return fieldname + filename\n"
        "  }\n"
        "  function save (file) {\n"
        "    var name = rename(file.fieldname, file.originalname)\n"
        "    return name\n"
        "  }\n"
        "  return save\n"
        "}\n"
    )
    after = code.replace("(fieldname, filename) {", "(fieldname, filename, req, res) {")
    content, found = _ask(code, after, "javascript")
    lines = content.split("\n")
    assert [(c.kind, lines[c.span.start_line - 1].strip()) for c in found] == [
        (SIGNATURE, "var name = rename(file.fieldname, file.originalname)")
    ]


def test_a_name_imported_from_another_module_is_renamed_where_it_is_used() -> None:
    code = (
        "import { CommandInstance, isFunctionCommandBuilder } from './command-types'\n\n"
        "export function complete(handlers: Handlers, name: string) {\n"
        "  const builder = handlers[name].builder\n"
        "  if (isFunctionCommandBuilder(builder)) {\n"
        "    return builder\n"
        "  }\n"
        "}\n"
    )
    after = code.replace(
        "isFunctionCommandBuilder } from './command-types'",
        "isCommandBuilderCallback } from './command'",
    )
    content, found = _ask(code, after, "typescript")
    assert _applied(content, found) == after.replace(
        "if (isFunctionCommandBuilder(", "if (isCommandBuilderCallback("
    )


def test_a_name_destructured_from_a_require_is_renamed_where_it_is_used() -> None:
    # `{ levels }` in a declaration binds `levels` too: its uses follow the new name
    code = (
        "const { levels } = require('./levels')\n\n"
        "const DEFAULT_INFO_LEVEL = levels.info\n"
        "function multistream(streams) {\n"
        "  const streamLevels = Object.create(levels)\n"
        "  return { streamLevels, DEFAULT_INFO_LEVEL }\n"
        "}\n"
    )
    after = code.replace("{ levels } = require('./levels')", "{ LEVELS } = require('./constants')")
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == after.replace("levels.info", "LEVELS.info").replace(
        "create(levels)", "create(LEVELS)"
    )
    # a parameter destructured (`function f({ levels })`) binds it as well
    code = "function f({ levels }) {\n  return levels.info + levels.warn\n}\n"
    content, found = _ask(code, code.replace("{ levels }", "{ lv }", 1), "javascript")
    assert _applied(content, found) == "function f({ lv }) {\n  return lv.info + lv.warn\n}\n"


def test_a_builtin_type_switched_in_an_import_is_switched_where_it_is_used() -> None:
    # `Union` is a type a one-place change swaps, but not in the import that names it
    code = (
        "from typing import TypeVar, Union\n\nT = TypeVar('T')\n\n\n"
        "def foo(a: int, b: Union[str, float]) -> T:\n    return a\n"
    )
    after = code.replace("TypeVar, Union", "TypeVar, Tuple")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("Union[", "Tuple[")
    # an import's own words are no names: the module imported another way still points at
    # the uses of the name it no longer imports
    code = "from collections.abc import Collection\n\n\nclass ETags(Collection):\n    pass\n"
    after = code.replace("from collections.abc import Collection", "import collections.abc as cabc")
    _, found = _ask(code, after, "python")
    assert [c.span.start_line for c in found] == [4]


def test_names_renamed_alike_on_one_line_are_each_renamed_where_they_stand() -> None:
    code = (
        "if (platform.isBrowserEnv || platform.isWorkerEnv) {\n  setType(false);\n}\n"
        "if (platform.isBrowserEnv) {\n  addXsrf();\n}\n"
        "const worker = platform.isWorkerEnv;\n"
    )
    old, new = "isBrowserEnv || platform.isWorkerEnv", "hasBrowserEnv || platform.hasWorkerEnv"
    after = code.replace(old, new)
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == after.replace("isBrowserEnv", "hasBrowserEnv").replace(
        "isWorkerEnv", "hasWorkerEnv"
    )
    # two names renamed each its own way are two changes: nothing says where either goes
    _, found = _ask(code, code.replace(old, "hasBrowserEnv || platform.inWorker"), "javascript")
    assert not [c for c in found if c.kind == RENAME]


def test_an_objects_key_renamed_is_renamed_in_the_other_objects() -> None:
    code = (
        "const result = {\n  type: 'object',\n  children: {\n    sub: {\n"
        "      type: 'object',\n      children: {\n        email: { type: 'string' },\n"
        "      },\n    },\n  },\n};\n"
    )
    after = code.replace("  children: {", "  keys: {", 1)
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == code.replace("children: {", "keys: {")
    # a key most objects have is one object's to rename (lines alike may still repeat it)
    many = "".join(f"const o{i} = {{ name: 'n{i}', size: {i} }};\n" for i in range(16))
    _, found = _ask(many, many.replace("name: 'n0'", "title: 'n0'"), "javascript")
    assert not [c for c in found if c.kind == RENAME]


def _handed_on(code: str, after: str, language: str) -> str:
    """``after`` with the computed edits a signature change hands on to calls applied."""
    content, found = _ask(code, after, language)
    return _applied(content, [c for c in found if c.kind == SIGNATURE and c.edit is not None])


@pytest.mark.parametrize(
    ("code", "old", "new", "forwarded", "language"),
    [
        (
            "class Source:\n"
            "    def parse_error(self, exception=ParseError, *args):\n"
            "        line, col = self._to_linecol()\n"
            "        return exception(line, col, *args)\n",
            "*args):",
            "*args, **kwargs):",
            ("col, *args)", "col, *args, **kwargs)"),
            "python",
        ),
        (
            "export const standard = {\n"
            "  validate: (value) => {\n"
            "    const result = Validator.standard(value, this);\n"
            "    return result;\n"
            "  },\n};\n",
            "(value) =>",
            "(value, options) =>",
            ("(value, this)", "(value, this, options)"),
            "javascript",
        ),
    ],
    ids=["spread", "an object's method"],
)
def test_a_parameter_put_last_is_handed_on_where_the_body_hands_on_the_one_before(
    code: str, old: str, new: str, forwarded: tuple[str, str], language: str
) -> None:
    after = code.replace(old, new)
    assert _handed_on(code, after, language) == after.replace(*forwarded)
    # a call that has it already is left alone
    already = code.replace(*forwarded)
    _, found = _ask(already, already.replace(old, new), language)
    assert not [c for c in found if c.kind == SIGNATURE]


def test_a_parameter_put_between_two_is_handed_on_between_them_where_a_call_passes_them() -> None:
    code = (
        "class Table:\n"
        "    def print_bars(self, label, value, width=120, output=None):\n"
        "        check(value, width)\n"
        "        log.info('%s %d %d', label, value, width, output)\n"
        "        print_bars(self, label, value, width, output)\n"
    )
    after = code.replace("value, width=120", "value, domain=None, width=120")
    # the call of its own name handing them on, not another function's (its arguments
    # after it would shift)
    assert _handed_on(code, after, "python") == after.replace(
        "(self, label, value, width, output)", "(self, label, value, domain, width, output)"
    )


@pytest.mark.parametrize(
    ("code", "old", "new", "unforwarded", "language"),
    [
        (
            "def get_password(service_name, username, **kwargs):\n"
            "    log(len(kwargs))\n"
            "    return _backend.get_password(service_name, username, **kwargs)\n",
            "username, **kwargs):",
            "username):",
            ("username, **kwargs)", "username)"),
            "python",
        ),
        (
            "def isoformat(datetime, *args, **kwargs):\n"
            "    return datetime.isoformat(*args, **kwargs)\n",
            "datetime, *args, **kwargs):",
            "datetime):",
            ("isoformat(*args, **kwargs)", "isoformat()"),
            "python",
        ),
        (
            "def fetch(url, timeout, retries):\n"
            "    print(timeout)\n"
            "    return get(url, timeout=timeout, retries=retries)\n",
            "url, timeout, retries",
            "url, retries",
            ("get(url, timeout=timeout, retries", "get(url, retries"),
            "python",
        ),
        (
            "function send(socket, data, callback) {\n  return write(data, callback);\n}\n",
            "data, callback",
            "data",
            ("data, callback)", "data)"),
            "javascript",
        ),
        (  # the first of a call laid out one argument a line: the next takes its place
            "def fetch(url, timeout):\n    return post(\n        timeout=timeout,\n"
            "        url=url,\n    )\n",
            "fetch(url, timeout)",
            "fetch(url)",
            ("post(\n        timeout=timeout,\n        url=url,", "post(\n        url=url,"),
            "python",
        ),
        (  # from the middle, where the call hands the parameters on in their places
            "func walk(node *Node, depth int, seen map[*Node]bool) {\n"
            "\tfor _, child := range node.children {\n\t\twalk(child, depth, seen)\n\t}\n}\n",
            "node *Node, depth int, seen",
            "node *Node, seen",
            ("walk(child, depth, seen)", "walk(child, seen)"),
            "go",
        ),
    ],
    ids=[
        "spread",
        "every argument",
        "by keyword",
        "a name with the others",
        "first of a call one a line",
        "its own place",
    ],
)
def test_a_parameter_taken_out_is_no_longer_handed_on_in_the_body(
    code: str, old: str, new: str, unforwarded: tuple[str, str], language: str
) -> None:
    after = code.replace(old, new)
    # `log(len(kwargs))` and `print(timeout)` use them, not hand them on: left alone
    assert _handed_on(code, after, language) == after.replace(*unforwarded)


def test_parameters_destructured_are_not_taken_out() -> None:
    code = (
        "const iterate = async function * (anyProcess, shouldAwait, controller) {\n"
        "  disconnect(anyProcess, controller);\n};\n"
    )
    old, new = "anyProcess, shouldAwait, controller)", "{anyProcess, shouldAwait, controller})"
    _, found = _ask(code, code.replace(old, new), "javascript")
    assert not [c for c in found if c.kind == SIGNATURE and c.span.start_line == 2]


def test_a_call_using_the_parameter_before_among_other_values_is_not_handed_the_new_one() -> None:
    code = (
        "def backoff(num: int, max_jitter: float) -> float:\n"
        "    jitter = random.uniform(0, max_jitter) if max_jitter else 0\n"
        "    return num + jitter\n"
    )
    after = code.replace("max_jitter: float)", "max_jitter: float, rng: Random)")
    content, found = _ask(code, after, "python")
    # `random.uniform(0, max_jitter, rng)` would pass it to a function that takes two
    assert not [c for c in found if c.edit is not None and "uniform" in _applied(content, [c])]


def test_a_methods_body_ends_where_the_next_method_begins() -> None:
    code = (
        "class Retrying:\n"
        "    def __init__(\n        self,\n        name: str,\n        *args: object,\n    ):\n"
        "        self.setup(name, *args)\n\n"
        "    def copy(self, name: str, *args: object) -> 'Retrying':\n"
        "        return Retrying(name, *args)\n"
    )
    after = code.replace("*args: object,\n    ):", "*args: object,\n        **kw: object,\n    ):")
    # the call in __init__ hands it on; the one in copy, another method, is not its body
    assert _handed_on(code, after, "python") == after.replace(
        "self.setup(name, *args)", "self.setup(name, *args, **kw)"
    )
    code = (
        "class SOCKSProxy(ConnectionPool):\n"
        "    def __init__(\n        self,\n        http2: bool = False,\n"
        "        network_backend: Backend | None = None,\n    ) -> None:\n"
        "        super().__init__(\n            http2=http2,\n"
        "            network_backend=network_backend,\n        )\n"
        "        self.log(http2, network_backend)\n"
    )
    after = code.replace(
        "        http2: bool = False,\n",
        "        http2: bool = False,\n        retries: int = 0,\n",
    )
    # last, one a line as the call has them; not to a call that passes them by position
    assert _handed_on(code, after, "python") == after.replace(
        "network_backend=network_backend,\n",
        "network_backend=network_backend,\n            retries=retries,\n",
    )


def test_a_name_put_among_those_a_loop_unpacks_is_passed_on_by_keyword_in_its_body() -> None:
    code = (
        "def run(conf):\n"
        "    for (\n"
        "        filename,\n"
        "        decorators,\n"
        "    ) in conf.get_files_to_check():\n"
        "        errors.extend(\n"
        "            check(\n"
        "                filename,\n"
        "                decorators=decorators,\n"
        "            )\n"
        "        )\n"
        "    report(decorators=decorators)\n"
    )
    after = code.replace("        decorators,\n", "        decorators,\n        properties,\n", 1)
    content, found = _ask(code, after, "python")
    # in the loop's body, in the call's layout; not the call after the loop
    assert _applied(content, found) == after.replace(
        "                decorators=decorators,\n",
        "                decorators=decorators,\n                properties=properties,\n",
    )
    # on one line, and after an assignment: the calls of its block
    code = (
        "def run(rows):\n"
        "    for name, size in rows:\n"
        "        show(name, size=size)\n"
        "    first, size = rows[0]\n"
        "    show(first, size=size)\n"
        "    if first == size:\n"
        "        pick(first, size=size)\n"
    )
    after = code.replace("name, size in", "name, size, kind in")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "show(name, size=size)", "show(name, size=size, kind=kind)"
    )
    after = code.replace("first, size =", "first, size, kind =")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "show(first, size=size)", "show(first, size=size, kind=kind)"
    ).replace("pick(first, size=size)", "pick(first, size=size, kind=kind)")


def test_a_name_put_among_others_is_not_passed_on_where_they_are_not_unpacked() -> None:
    code = (
        "def run(name, size):\n    check = name, size == limits(size=size)\n    show(size=size)\n"
    )
    after = code.replace("name, size ==", "name, size, kind ==")  # a comparison
    assert _ask(code, after, "python")[1] == []
    code = "def run(rows):\n    for name, size in rows:\n        show(name, size=size, kind=kind)\n"
    after = code.replace("name, size in", "name, size, kind in")  # passed already
    assert _ask(code, after, "python")[1] == []
    # a module's assignment: not into the functions below it, whose names are their own
    code = (
        "name, size = defaults()\n\n\ndef show_all(items, size):\n"
        "    for item in items:\n        render(item, size=size)\n"
    )
    assert _ask(code, code.replace("name, size =", "name, size, kind ="), "python")[1] == []
    # not a call in a comment, nor one with a comment among its arguments
    code = (
        "def run(rows):\n    for name, size in rows:\n        # old: show(name, size=size)\n"
        "        show(name, size=size,  # bytes\n             )\n"
    )
    assert _ask(code, code.replace("name, size in", "name, size, kind in"), "python")[1] == []
    # nor a value thrown away, nor a call in a string
    code = (
        "def run(rows):\n    for name, size in rows:\n"
        "        log.info('calling show(name, size=size)')\n        show(name, size=size)\n"
    )
    assert _ask(code, code.replace("name, size in", "name, size, _ in"), "python")[1] == []
    content, found = _ask(code, code.replace("name, size in", "name, size, kind in"), "python")
    assert _applied(content, found) == content.replace(
        "show(name, size=size)\n", "show(name, size=size, kind=kind)\n"
    )


def test_parameters_added_among_others_are_handed_on_by_keyword_or_together() -> None:
    code = (
        "def request(method, url, fields=None, headers=None):\n"
        "    return _POOL.request(method, url, fields=fields, headers=headers)\n"
    )
    after = code.replace("url, fields=None", "url, body=None, fields=None")
    # before the argument that passes its neighbour after it by keyword
    assert _handed_on(code, after, "python") == after.replace(
        "url, fields=fields", "url, body=body, fields=fields"
    )
    # not in a string, a nested definition's header or a lambda's parameters
    code = code.replace(
        "    return _POOL",
        "    log('fields=fields')\n    def inner(x, fields=fields):\n        return x\n"
        "    g(lambda fields=fields: fields)\n    return _POOL",
    )
    after = code.replace("url, fields=None", "url, body=None, fields=None")
    assert _handed_on(code, after, "python") == after.replace(
        "url, fields=fields, headers", "url, body=body, fields=fields, headers"
    )
    code = (
        "def add_column(path, table, name, kind):\n"
        "    db = open_db(path)\n"
        "    db[table].add_column(name, kind)\n"
    )
    after = code.replace("name, kind):", "name, kind, fk, fk_col):")
    # two put last side by side: handed on together, where the one before them is passed
    assert _handed_on(code, after, "python") == after.replace(
        "(name, kind)", "(name, kind, fk, fk_col)"
    )


def test_a_go_function_literal_bound_to_a_name_points_at_its_calls() -> None:
    code = (
        "package a\n\nfunc Run(t *testing.T) {\n"
        "\trunner := func(t *testing.T, create, drop string) {\n\t\tuse(create, drop)\n\t}\n"
        "\tcreate, drop := schema.Postgres()\n\trunner(t, create, drop)\n"
        "\tcreate, drop = schema.Sqlite3()\n\trunner(t, create, drop)\n}\n"
    )
    after = code.replace("create, drop string)", "create, drop, now string)")
    content, found = _ask(code, after, "go")
    lines = content.split("\n")
    calls = {lines[c.span.start_line - 1].strip() for c in found if c.kind == SIGNATURE}
    assert calls == {"runner(t, create, drop)"}
    # another function's literal of the same name is another function
    code = (
        'package a\n\nfunc TestA(t *testing.T) {\n\tcheck := func(s string) {}\n\tcheck("a")\n}\n\n'
        'func TestB(t *testing.T) {\n\tcheck := func(s string) {}\n\tcheck("b")\n}\n'
    )
    after = code.replace("check := func(s string)", "check := func(s string, n int)", 1)
    content, found = _ask(code, after, "go")
    lines = content.split("\n")
    assert {lines[c.span.start_line - 1].strip() for c in found} == {'check("a")'}


@pytest.mark.parametrize(
    ("code", "old", "new", "liked", "language"),
    [
        (
            "package a\n\nfunc T() {\n"
            "\tadd := func(x float64, y int, z int) string {\n\t\treturn f(x, y, z)\n\t}\n"
            "\tmul := func(x float64, y int, z int, a int) string {\n"
            "\t\treturn g(x, y, z, a)\n\t}\n"
            "}\n",
            "func(x float64, y int, z int) string",
            "func(x float64, y, z int) string",
            ("func(x float64, y int, z int, a int)", "func(x float64, y, z int, a int)"),
            "go",
        ),
        (
            "class Link:\n"
            "    def __eq__(self, other):\n        return self.url == other.url\n\n"
            "    def __ne__(self, other):\n        return not self == other\n",
            "__eq__(self, other):",
            "__eq__(self, other: object):",
            ("__ne__(self, other):", "__ne__(self, other: object):"),
            "python",
        ),
    ],
    ids=["go: a type shared", "python: an annotation"],
)
def test_a_parameters_type_changed_is_changed_in_like_headers(
    code: str, old: str, new: str, liked: tuple[str, str], language: str
) -> None:
    after = code.replace(old, new)
    content, found = _ask(code, after, language)
    computed = [c for c in found if c.edit is not None]
    assert _applied(content, computed) == after.replace(*liked)
    # a return type given where there was none is one function's: not offered to its likes
    # (one changed is offered where the same one stands: the test above)
    if language != "python":
        return
    returned = code.replace(old, old.replace("):", ") -> bool:"))
    _, found = _ask(code, returned, language)
    assert not [c for c in found if c.edit is not None and "bool" in c.edit.text]


def test_a_go_type_shared_is_not_shared_where_the_next_parameter_has_another() -> None:
    code = (
        "package a\n\nfunc Add(x float64, y int, z int) int {\n\treturn 1\n}\n\n"
        "func Mul(x float64, y int, z string) int {\n\treturn 2\n}\n"
    )
    after = code.replace("Add(x float64, y int, z int)", "Add(x float64, y, z int)")
    # `y, z string` would make `y` a string
    assert [c for c in _ask(code, after, "go")[1] if c.edit is not None] == []
    # by any rule: the text ` time.Duration` taken out is found again there too
    code = (
        "package a\n\nfunc poll(timeout time.Duration, interval time.Duration) {\n}\n\n"
        "func wait(timeout time.Duration, interval int) error {\n\treturn nil\n}\n"
    )
    after = code.replace("poll(timeout time.Duration, interval", "poll(timeout, interval")
    assert [c for c in _ask(code, after, "go")[1] if c.edit is not None] == []
    # nor where it gives a result another type: `(value, ok bool)` makes `value` a bool
    code = (
        "package a\n\nfunc (c *C) Last() (key interface{}, value interface{}, ok bool) {\n"
        "\treturn\n}\n\nfunc (c *C) Peek(key interface{}) (value interface{}, ok bool) {\n"
        "\treturn\n}\n\nfunc (c *C) First() (key interface{}, value interface{}, ok bool) {\n"
        "\treturn\n}\n"
    )
    merged = "(key, value interface{}, ok bool)"
    after = code.replace("(key interface{}, value interface{}, ok bool)", merged, 1)
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == code.replace(
        "(key interface{}, value interface{}, ok bool)", merged
    )
    # a header with a comment in it is read past the comment (`caller's`: no quote)
    code = (
        "package a\n\nfunc poll(timeout time.Duration, interval time.Duration) {\n}\n\n"
        "func wait(\n\ttimeout time.Duration, // the caller's limit\n\tinterval int,\n"
        ") error {\n\treturn nil\n}\n"
    )
    after = code.replace("poll(timeout time.Duration, interval", "poll(timeout, interval")
    assert [c for c in _ask(code, after, "go")[1] if c.edit is not None] == []
    # a result's type changed (not in parentheses) is a type changed: repeated as it was
    code = (
        "package a\n\nfunc (c *C) Oldest() interface{} {\n\treturn nil\n}\n\n"
        "func (c *C) Remove(key interface{}) bool {\n\treturn false\n}\n"
    )
    after = code.replace("Oldest() interface{}", "Oldest() any")
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == code.replace("interface{}", "any")
    # but not a receiver's type: a result's type changed is a signature's
    code = (
        "package a\n\nfunc NewRawLoader(source interface{}) *jsonRawLoader {\n"
        "\treturn &jsonRawLoader{source}\n}\n\n"
        "func (l *jsonRawLoader) JsonSource() interface{} {\n\treturn l.source\n}\n"
    )
    after = code.replace(") *jsonRawLoader {", ") JSONLoader {", 1)
    found = _ask(code, after, "go")[1]
    assert not [c for c in found if c.edit is not None and "JSONLoader" in c.edit.text]


def test_a_function_bound_to_a_name_or_key_points_at_its_calls_when_its_parameters_change() -> None:
    code = (
        "const scale = (value) => value * 2;\n"
        "const rules = {\n  check: function (value) {\n    return value > 0;\n  },\n};\n"
        "scale(1);\nrules.check(2);\n"
    )
    for old, new, call in (
        ("(value) =>", "(value, factor) =>", "scale(1)"),
        ("function (value)", "function (value, limit)", "rules.check(2)"),
    ):
        content, found = _ask(code, code.replace(old, new), "javascript")
        lines = content.split("\n")
        assert any(call in lines[c.span.start_line - 1] for c in found if c.kind == SIGNATURE)


def test_a_go_imports_own_name_taken_away_is_taken_away_where_it_qualifies() -> None:
    code = (
        'package writer\n\nimport (\n\t"io"\n\n\tlog "github.com/sirupsen/logrus"\n)\n\n'
        "type Hook struct {\n\tWriter io.Writer\n\tLevels []log.Level\n}\n\n"
        "// log.Entry is written as a line\n"
        'func (h *Hook) Fire(entry *log.Entry) error {\n\treturn write("log.txt")\n}\n'
    )
    after = code.replace('\tlog "github.com', '\t"github.com')
    content, found = _ask(code, after, "go")
    # in code only: not in the comment, not in the string
    assert _applied(content, found) == after.replace("]log.", "]logrus.").replace(
        "*log.Entry", "*logrus.Entry"
    )
    # and given back: `logrus.` becomes `log.` again
    done = _applied(content, found)
    named = done.replace('\t"github.com', '\tlog "github.com')
    content, found = _ask(done, named, "go")
    assert _applied(content, found) == code


def test_words_put_in_at_a_lines_start_go_before_the_same_code_at_other_lines_starts() -> None:
    code = (
        "async def connect(self, request):\n"
        '    with Trace("connect_tcp", request) as trace:\n        stream = open_tcp()\n'
        '    with Trace("start_tls", request) as trace:\n        stream = start_tls()\n'
        "    with open(path) as f:\n        pass\n"
    )
    after = code.replace("    with Trace(", "    async with Trace(", 1)
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == code.replace("    with Trace(", "    async with Trace(")
    # the same first tokens assigned to are a target, not the code the user put words before
    code = "def test(module):\n    module.x.broken\n    module.x = Broken()\n"
    _, found = _ask(code, code.replace("    module.x.broken", "    _ = module.x.broken"), "python")
    assert found == []


def test_an_entry_appended_after_the_last_is_appended_where_the_same_list_ends() -> None:
    block = (
        "export const {name}: <T extends core.$ZodType>(\n"
        "  schema: T,\n"
        "  value: core.output<T>,\n"
        "  _ctx?: core.ParseContext<core.$ZodIssue>\n"
        ") => core.input<T> = /* @__PURE__ */ core._{name}(ZodRealError);\n"
    )
    code = "\n".join(block.format(name=n) for n in ("encode", "decode", "encodeAsync"))
    # a list ending in a comma already is not given a second one: the entry goes before it
    trailing = block.format(name="decodeAsync").replace("$ZodIssue>\n", "$ZodIssue>,\n")
    added = ",\n  _params?: { callee?: core.util.AnyFunc }"
    after = code.replace("$ZodIssue>\n", "$ZodIssue>" + added + "\n", 1)
    content, found = _ask(code + "\n" + trailing, after + "\n" + trailing, "typescript")
    expected = code.replace("$ZodIssue>\n", "$ZodIssue>" + added + "\n")
    assert _applied(content, found) == expected + "\n" + trailing.replace(
        "$ZodIssue>,\n", "$ZodIssue>" + added + ",\n"
    )


def test_an_entry_appended_before_a_lists_end_is_appended_where_the_same_last_entry_ends_one() -> (
    None
):
    code = (
        "function compile(options) {\n  const parsed = {\n    debug: options.debug,\n"
        "    filters: options.filters\n  };\n  return parsed;\n}\n\n"
        "function render(options) {\n  const rendered = {\n    debug: false,\n"
        "    filters: options.filters\n  };\n  return rendered;\n}\n\n"
        "function other(options) {\n  const given = {\n    filters: options.filters,\n"
        "    debug: true\n  };\n  return given;\n}\n\n"
        # it has the entry already, further up: nothing to append
        "function held(options) {\n  const kept = {\n    plugins: options.plugins,\n"
        "    filters: options.filters\n  };\n  return kept;\n}\n"
    )
    added = ",\n    plugins: options.plugins"
    after = code.replace("filters: options.filters\n", "filters: options.filters" + added + "\n", 1)
    found = _ask_in_one(code, after, "javascript")
    # appended where the same entry ends a list; not where it is not the last
    expected = code.replace(
        "filters: options.filters\n", "filters: options.filters" + added + "\n", 2
    )
    assert _applied(after, found) == expected
    # code put after an entry is no entry
    call = ",\n    log(options)"
    after = code.replace("filters: options.filters\n", "filters: options.filters" + call + "\n", 1)
    assert _ask_in_one(code, after, "javascript") == []


def test_text_put_after_a_call_is_repeated_after_the_same_call_only() -> None:
    code = (
        "function body(data, headers) {\n"
        "  if (utils.isSpecCompliantForm(data)) {\n    headers.set(form(data))\n"
        "  } else if (utils.isBlob(data)) {\n    headers.setContentType(data.type)\n"
        "  } else if (utils.isArrayBuffer(data)) {\n    headers.setContentLength(data.length)\n"
        "  }\n"
        "}\n\n"
        "function size(data) {\n"
        "  if (utils.isString(data)) {\n    return data.length\n"
        "  } else if (utils.isBlob(data)) {\n    return data.size\n"
        "  }\n"
        "}\n"
    )
    after = code.replace(
        "isBlob(data)) {\n    headers", "isBlob(data) || utils.isFile(data)) {\n    headers"
    )
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == after.replace(
        "isBlob(data)) {\n    return", "isBlob(data) || utils.isFile(data)) {\n    return"
    )


def test_an_argument_added_skips_the_calls_that_pass_their_own_already() -> None:
    code = (
        "const server = http.createServer((req, res) => {\n"
        "  if (pathname === '/index.html') {\n"
        "    pipeFileToResponse(res, './client.html');\n"
        "  } else if (pathname === '/axios.js') {\n"
        "    pipeFileToResponse(res, '../dist/axios.js', 'text/javascript');\n"
        "  } else if (pathname === '/axios.map') {\n"
        "    pipeFileToResponse(res, '../dist/axios.map', 'text/javascript');\n"
        "  } else {\n"
        "    send404(res);\n"
        "  }\n"
        "});\n"
        "\n"
        "function page(res) {\n  pipeFileToResponse(res, './page.html');\n}\n"
    )
    after = code.replace("'./client.html')", "'./client.html', 'text/html')")
    content, found = _ask(code, after, "javascript")
    lines = content.split("\n")
    assert [lines[c.span.start_line - 1].strip() for c in found] == [
        "pipeFileToResponse(res, './page.html');"
    ]


def test_a_line_alike_that_has_its_own_of_what_was_put_in_is_left_alone() -> None:
    code = (
        "package middleware\n\n"
        "func TestBodyDump(t *testing.T) {\n\tassert.Equal(requestBody, hw)\n}\n\n"
        "func TestBodyDumpFails(t *testing.T) {\n\tassert.Equal(tt, requestBody, hw)\n}\n"
    )
    after = code.replace("assert.Equal(requestBody", "assert.Equal(t, requestBody")
    assert _ask(code, after, "go")[1] == []


def test_one_more_value_in_a_call_of_many_is_that_calls_own() -> None:
    code = (
        "@session()\n"
        "def license_check(session):\n"
        "    session.install(\n"
        '        "pip-licenses",\n'
        '        "attrs",\n'
        '        "jsonschema",\n'
        '        "referencing",\n'
        "    )\n\n\n"
        "@session()\n"
        "def build(session):\n"
        '    session.install("build[uv]", "docutils", "twine")\n'
    )
    after = code.replace('        "jsonschema",\n', '        "idna",\n        "jsonschema",\n')
    assert _ask(code, after, "python")[1] == []
    # a value that is no entry of a list of values is an argument the other calls lack
    after = code.replace('"referencing",\n', '"referencing",\n        quiet=True,\n')
    content, found = _ask(code, after, "python")
    assert [content.split("\n")[c.span.start_line - 1].strip() for c in found] == [
        'session.install("build[uv]", "docutils", "twine")'
    ]


def test_a_comment_put_at_a_lines_end_goes_where_the_same_line_stands() -> None:
    code = (
        "def test_catch(writer):\n    try:\n        1 / 0\n    except Exception:\n"
        "        logger.exception('')\n\n\n"
        "def test_opt(writer):\n    try:\n        1 / 0\n    except Exception:\n"
        "        logger.opt(exception=True).debug('')\n\n\n"
        "def test_kept(writer):\n    try:\n        1 / 0  # noqa: B018\n    except Exception:\n"
        "        pass\n\n\n"
        "def test_other(writer):\n    try:\n        1 / x\n    except Exception:\n        pass\n"
    )
    after = code.replace("        1 / 0\n", "        1 / 0  # noqa: B018\n", 1)
    content, found = _ask(code, after, "python")
    # the same line only, and not one with a comment of its own
    assert _applied(content, found) == code.replace(
        "        1 / 0\n", "        1 / 0  # noqa: B018\n"
    )


def test_parameters_reordered_reorder_each_calls_arguments() -> None:
    code = (
        "package afero\n\n"
        "func findNames(t *testing.T, root, sub []string, fs Fs) {\n\tcheck(t, fs)\n}\n\n"
        "func TestReaddir(t *testing.T) {\n"
        "\tfindNames(t, namesRoot, namesSub, fs)\n"
        '\tfindNames(t, append(namesRoot, "x"), nil, memFs)\n'
        "\tfindNames(args...)\n"
        "}\n"
    )
    after = code.replace(
        "t *testing.T, root, sub []string, fs Fs", "fs Fs, t *testing.T, root, sub []string"
    )
    content, found = _ask(code, after, "go")
    # each argument moved as its parameter was; a spread cannot be told apart: the model's
    assert _applied(content, found) == after.replace(
        "findNames(t, namesRoot, namesSub, fs)", "findNames(fs, t, namesRoot, namesSub)"
    ).replace(
        'findNames(t, append(namesRoot, "x"), nil, memFs)',
        'findNames(memFs, t, append(namesRoot, "x"), nil)',
    )
    assert [c.edit for c in found if "args..." in content.split("\n")[c.span.start_line - 1]] == [
        None
    ]


def test_no_model_rewrite_of_a_line_the_user_just_edited() -> None:
    # Three lines re-indented one at a time: the first of them looks like the last, but
    # the user has just been there.
    before = (
        "const patterns = {\n"
        "    dataUri: /^data:[\\w+.-]+$/,\n"
        "    hex: {\n"
        "      withPrefix: /^0x[0-9a-f]+$/i,\n"
        "      withOptionalPrefix: /^(?:0x)?[0-9a-f]+$/i,\n"
        "      withoutPrefix: /^[0-9a-f]+$/i\n"
        "    },\n"
        "};\n"
    )
    after = before.replace("      with", "        with")
    _, found = _ask(before, after, "javascript")
    assert not {4, 5, 6} & {c.span.start_line for c in found}


def test_a_method_added_with_the_blank_line_after_it_goes_in_the_like_class() -> None:
    # Typed below the blank line that ends the method above, with a blank line of its own
    # after it: the same text as the blank line and then the method, after the method above.
    code = (
        "class MockStream:\n"
        "    def get_extra_info(self, info):\n"
        '        return MockSSLObject(http2=self._http2) if info == "ssl" else None\n'
        "\n"
        "\n"
        "class MockBackend:\n"
        "    pass\n"
        "\n"
        "\n"
        "class AsyncMockStream:\n"
        "    def get_extra_info(self, info):\n"
        '        return MockSSLObject(http2=self._http2) if info == "ssl" else None\n'
        "\n"
        "\n"
        "class AsyncMockBackend:\n"
        "    pass\n"
    )
    method = '    def __repr__(self):\n        return "<MockStream>"\n\n'
    at = code.index("None\n\n") + len("None\n\n")  # between the two blank lines
    after = code[:at] + method + code[at:]
    content, found = _ask(code, after, "python")
    assert [c.span.start_line for c in found] == [16]  # below AsyncMockStream's method
    assert _applied(content, found).count("def __repr__") == 2


def test_white_space_changed_alike_inside_lines_is_followed() -> None:
    # gofmt's doc comments: the code in them indented with a tab, not spaces. Unlike a block
    # re-indented, the change is inside each line, after its `//`.
    code = (
        "package zap\n"
        "\n"
        "// Objects wraps a slice. For example:\n"
        "//\n"
        "//    type Request struct{ URL string }\n"
        "//    func (r *Request) MarshalLogObject(enc ObjectEncoder) error\n"
        "func Objects() {}\n"
        "\n"
        "// Arrays wraps a slice. For example:\n"
        "//\n"
        "//    type Requests []Request\n"
        "//    func (r *Request) MarshalLogObject(enc ObjectEncoder) error\n"
        "func Arrays() {}\n"
    )
    first, end = code.index("//    type"), code.index("func Objects")
    after = code[:first] + code[first:end].replace("//    ", "//\t") + code[end:]
    found = _ask_in_one(code, after, "go")
    assert {c.span.start_line for c in found} & {11, 12}


def test_a_parameter_added_is_not_handed_to_a_call_that_only_uses_the_one_before() -> None:
    # `range(retries)` uses `retries`; it does not hand `fetch`'s parameters on.
    code = (
        "def fetch(url, retries=3):\n"
        "    for attempt in range(retries):\n"
        "        data = get(url)\n"
        "    return data\n"
        "\n"
        "\n"
        'a = fetch("http://a")\n'
    )
    after = code.replace("retries=3)", "retries=3, timeout=None)")
    _, found = _ask(code, after, "python")
    assert [c.span.start_line for c in found] == [7]


def test_an_equality_made_strict_makes_the_other_loose_ones_strict() -> None:
    code = (
        "function status(err, body) {\n"
        "  if (null == err) return 200;\n"
        "  if ('ENOENT' == err.code) return 404;\n"
        "  // 'number' == typeof err.status, see below\n"
        "  const op = '==';\n"
        "  if ('number' != typeof err.status) return 500;\n"
        "  return body == undefined ? 204 : err.status;\n"
        "}\n"
    )
    after = code.replace("'ENOENT' == err", "'ENOENT' === err")
    content, found = _ask(code, after, "javascript")
    assert [c.span.start_line for c in found] == [6, 7]  # not null's, a comment's, a string's
    assert _applied(content, found) == after.replace("' != typeof", "' !== typeof").replace(
        "body == undefined", "body === undefined"
    )


EXPORTING = """from .api import PyJWT, decode, encode
from .errors import DecodeError

__all__ = [
    "PyJWT",
    "decode",
    "encode",
    # errors
    "DecodeError",
]
"""


def test_a_name_imported_gets_its_entry_in_all_beside_its_neighbour() -> None:
    after = EXPORTING.replace("decode, encode", "decode, decode_complete, encode")
    content, found = _ask(EXPORTING, after, "python")
    assert [c.span.start_line for c in found] == [7]
    assert _applied(content, found) == after.replace(
        '    "encode",\n', '    "decode_complete",\n    "encode",\n'
    )


def test_a_name_imported_before_a_longer_one_gets_its_entry() -> None:
    # `decode, ` typed before `decode_complete` diffs to `, decode` put before `_complete`
    code = EXPORTING.replace("decode,", "decode_complete,").replace('"decode"', '"decode_complete"')
    after = code.replace("PyJWT, decode_complete", "PyJWT, decode, decode_complete")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        '    "decode_complete",\n', '    "decode",\n    "decode_complete",\n'
    )


def test_a_name_imported_into_a_sorted_all_goes_where_it_sorts() -> None:
    code = (
        "from .sources import (\n    CliSource,\n    EnvSource,\n)\n\n"
        "__all__ = [\n    'VERSION',\n    'AwsSource',\n    'CliSource',\n    'EnvSource',\n"
        "    'YamlSource',\n    'ZSource',\n]\n"
    )
    after = code.replace("    EnvSource,\n)", "    EnvSource,\n    DotenvSource,\n)")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "    'EnvSource',\n", "    'DotenvSource',\n    'EnvSource',\n"
    )  # sorted, though the import has it last


def test_an_import_a_module_does_not_re_export_gets_no_entry_in_all() -> None:
    code = "from .api import decode\n\nVALUE = 1\n"
    assert _ask(code, code.replace("decode", "decode, encode"), "python")[1] == []  # no list
    after = EXPORTING.replace("PyJWT, decode", "PyJWT, DecodeError, decode")
    content, found = _ask(EXPORTING, after, "python")  # listed already (moved: the old goes)
    assert _applied(content, found) == after.replace("from .errors import DecodeError\n", "")
    own = 'from typing import Any\n\n__all__ = ["Renderer", "render"]\n'
    after = own.replace("Any", "Any, Callable")
    assert _ask(own, after, "python")[1] == []  # the module's own names: not its imports
    after = EXPORTING.replace("PyJWT, decode, encode", "PyJWT, encode")
    assert _ask(EXPORTING, after, "python")[1] == []  # taken out: it may have moved


def test_a_name_imported_gets_its_entry_though_the_diff_aligns_it_across_names() -> None:
    # `IsIgnoreDict, ` typed before `IsPartialDict` narrows to `IgnoreDict, Is` after `Is`
    code = (
        "from ._dict import IsDict, IsPartialDict\n\n"
        "__all__ = (\n    'IsDict',\n    'IsPartialDict',\n)\n"
    )
    after = code.replace("IsDict, IsPartialDict", "IsDict, IsIgnoreDict, IsPartialDict")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "    'IsPartialDict',\n", "    'IsIgnoreDict',\n    'IsPartialDict',\n"
    )
    typed_on = code.replace("IsDict, IsPartialDict", "IsDict, IsPartialDicts")
    content, found = _ask(code, typed_on, "python")  # a piece typed onto a name: renamed
    assert _applied(content, found) == typed_on.replace("'IsPartialDict'", "'IsPartialDicts'")


def test_an_imported_name_renamed_renames_its_entry_in_all() -> None:
    after = EXPORTING.replace("PyJWT, decode", "PyJWT, jwt_decode")
    content, found = _ask(EXPORTING, after, "python")  # `jwt_` typed: no entry "jwt_" added
    assert _applied(content, found) == after.replace('"decode"', '"jwt_decode"')
    aliased = EXPORTING.replace("PyJWT, decode", "PyJWT, decode as jwt_decode").replace(
        '"decode"', '"jwt_decode"'
    )
    after = aliased.replace("as jwt_decode", "as decode_jwt")
    content, found = _ask(aliased, after, "python")  # the name it binds is the entry
    assert _applied(content, found) == after.replace('"jwt_decode"', '"decode_jwt"')


DECLARING = """let a = compute();
let b = 2;
b += 1;
for (let i = 0; i < 3; i++) {}
for (let x of xs) {}
let { p, q: r } = obj;
let later;
// let c = 3;
var v = 4;
"""


def test_let_made_const_makes_the_lets_never_assigned_again_const() -> None:
    after = DECLARING.replace("let a", "const a")
    content, found = _ask(DECLARING, after, "javascript")
    assert [c.span.start_line for c in found] == [5, 6]  # not b, i, later, a comment, var
    assert _applied(content, found) == after.replace("let x", "const x").replace(
        "let { p", "const { p"
    )
    after = DECLARING.replace("var v", "const v")
    assert _ask(DECLARING, after, "javascript")[1] == []  # no other var


def test_var_made_let_makes_the_vars_let_allows_let() -> None:
    code = (
        "var flag = require('./flag');\n"
        "function add(ctx, name) {\n"
        "  var chain = ctx[name];\n"
        "  count += 1;\n"
        "  var count = 0;\n"
        "  for (var i = 0; i < 3; i++) { chain(i); }\n"
        "  var i = 1;\n"
        "  return flag(chain, count);\n"
        "}\n"
    )
    after = code.replace("var flag", "let flag")
    content, found = _ask(code, after, "javascript")
    # not `count`, used before its line, nor `i`, declared twice: `let` would throw there
    assert _applied(content, found) == after.replace("var chain", "let chain")


ASYNC = """def fetch(url):
    return lib().fetch(url)


async def main():
    data = fetch("a")
    tasks = gather(fetch("b"))
    return await fetch("c")
"""


def test_a_function_made_async_has_its_calls_awaited() -> None:
    after = ASYNC.replace("def fetch", "async def fetch")
    content, found = _ask(ASYNC, after, "python")
    assert [c.span.start_line for c in found] == [2, 6]  # not an argument, nor awaited
    assert _applied(content, found) == after.replace("return lib()", "return await lib()").replace(
        "data = fetch", "data = await fetch"
    )


def test_a_header_made_async_with_more_changed_on_its_lines_has_its_calls_awaited() -> None:
    after = ASYNC.replace("def fetch(url):", "# no await inside\nasync def fetch(url):  # noqa")
    expected = after.replace("return lib()", "return await lib()")
    expected = expected.replace("data = fetch", "data = await fetch")
    for found in (_ask(ASYNC, after, "python")[1], _ask_in_one(ASYNC, after, "python")):
        assert [c.span.start_line for c in found] == [3, 7]
        assert _applied(after, found) == expected
    # and back: the awaits taken off
    back = expected.replace("# no await inside\nasync def fetch(url):  # noqa", "def fetch(url):")
    assert [c.span.start_line for c in _ask_in_one(expected, back, "python")] == [2, 6, 8]


def test_a_function_no_longer_async_has_the_awaits_of_its_calls_taken_off() -> None:
    code = ASYNC.replace("def fetch", "async def fetch")
    content, found = _ask(code, ASYNC, "python")
    assert _applied(content, found) == ASYNC.replace("await fetch", "fetch")


PASSES = '''class A(Exception):
    """A."""
    pass


class B(Exception):
    """B."""

    pass


class C(Exception):
    pass


def f(x):
    if x:
        pass
    return 1
'''


def test_a_redundant_pass_deleted_deletes_the_other_redundant_ones() -> None:
    after = PASSES.replace('"""A."""\n    pass\n', '"""A."""\n')
    content, found = _ask(PASSES, after, "python")
    assert [c.span.start_line for c in found] == [8]  # B's: C's and the if's are alone
    assert _applied(content, found) == after.replace('"""B."""\n\n    pass\n', '"""B."""\n\n')


def test_a_redundant_go_return_deleted_deletes_the_other_functions_last_bare_returns() -> None:
    code = (
        "func (c *Manager) Reset() {\n\tc.selected = -1\n\treturn\n}\n\n"
        "func (c *Manager) Update(in Document) {\n\tc.tmp = c.completer(in)\n\treturn\n}\n\n"
        "var load = func() (err error) {\n\terr = c.r.Load()\n\treturn\n}\n\n"
        "func (c *Manager) Next() {\n\tif c.empty() {\n\t\treturn\n\t}\n\tc.selected++\n}\n\n"
        'func (c *Manager) Close() {\n\tif c.open {\n\t\tc.buf.WriteString("}")\n\t\treturn\n'
        "\t}\n\tc.flush()\n}\n\n"
        "func (c *Manager) Read() (n int, err error) {\n\tn, err = c.r.Read()\n\treturn\n}\n"
    )
    after = code.replace("\tc.selected = -1\n\treturn\n", "\tc.selected = -1\n", 1)
    content, found = _ask(code, after, "go")
    # Update's; not an if's early return (a brace in a string before it), nor one giving
    # back named results (a method's, a closure's)
    assert _applied(content, found) == after.replace(
        "c.completer(in)\n\treturn\n", "c.completer(in)\n"
    )
    early = code.replace("\tif c.empty() {\n\t\treturn\n", "\tif c.empty() {\n", 1)
    assert _ask(code, early, "go")[1] == []  # an early return deleted: no rule


def test_a_version_pragma_on_one_branch_is_put_on_the_others_bounding_the_other_way() -> None:
    code = (
        "if sys.version_info >= (3, 12):\n    START = tokenize.FSTRING_START\n"
        "else:\n    START = -1\n"
    )
    after = code.replace("(3, 12):", "(3, 12):  # pragma: >=3.12 cover")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("else:", "else:  # pragma: <3.12 cover")
    # a handler's bound, the other way on the `else:` only (not the `finally:`'s, which runs)
    code = (
        "try:\n    from tomllib import loads\nexcept ImportError:\n    loads = None\n"
        "else:\n    FAST = True\nfinally:\n    READY = True\n"
    )
    after = code.replace("except ImportError:", "except ImportError:  # pragma: <3.11 cover")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("else:", "else:  # pragma: >=3.11 cover")
    # bounded the other way is true of one other branch, not of an `if` and an `else`
    code = (
        "if sys.version_info >= (3, 12):\n    A = 2\nelif sys.version_info >= (3, 10):\n"
        "    A = 1\nelse:\n    A = 0\n"
    )
    after = code.replace("(3, 10):", "(3, 10):  # pragma: >=3.10 cover")
    found = _ask(code, after, "python")[1]
    assert not [c for c in found if c.edit is not None and "<3.10" in c.edit.text]
    # on a branch's first line: the same line of each other branch
    code = (
        "if sys.version_info >= (3, 11):\n    import tomllib\nelse:\n    import tomli as tomllib\n"
    )
    after = code.replace("import tomllib", "import tomllib  # pragma: nocover")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "as tomllib\n", "as tomllib  # pragma: nocover\n"
    )
    # a branch only a type checker reads: none of its own (coverage leaves it out), and the
    # others are still the version's
    code = (
        "if sys.version_info >= (3, 11):\n    from typing import Self\nelif t.TYPE_CHECKING:\n"
        "    from typing_extensions import Self\nelse:\n    Self = object\n"
    )
    after = code.replace("(3, 11):", "(3, 11):  # pragma: no cover")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("else:", "else:  # pragma: no cover")
    # Python 2's test, `str is bytes`, tests the version too
    code = (
        "class Node:\n    if str is bytes:\n        def __repr__(self):\n"
        "            return self.text.encode('utf8')\n    else:\n"
        "        def __repr__(self):\n            return self.text\n"
    )
    after = code.replace("str is bytes:", "str is bytes:  # pragma: no cover")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("else:", "else:  # pragma: no cover")
    # not after a line the statement goes on from (a backslash, an open triple quote)
    for rest in ("    X = 1 + \\\n        2\n", '    X = """\n    text\n    """\n'):
        code = f"if sys.version_info >= (3, 11):\n    X = 0\nelse:\n{rest}"
        after = code.replace("    X = 0", "    X = 0  # pragma: nocover")
        assert _ask(code, after, "python")[1] == []


@pytest.mark.parametrize(
    ("code", "line", "pragma"),
    [
        # a setting's branch not covered: the other is
        (
            "if os.environ.get('DEBUG'):\n    breakpoint()\nelse:\n    run()\n",
            "if os.environ.get('DEBUG'):",
            "  # pragma: no cover",
        ),
        # an optional import's fallback not covered: the import is
        (
            "try:\n    import cbor2\nexcept ImportError:\n    NO_CBOR2 = True\n"
            "else:\n    NO_CBOR2 = False\n",
            "except ImportError:",
            "  # pragma: no cover",
        ),
        # a try's first line: the path that runs anyway, the handler's is its own
        (
            "try:\n    from tomllib import loads\nexcept ImportError:\n    loads = None\n",
            "    from tomllib import loads",
            "  # pragma: >=3.11 cover",
        ),
        # a setting whose name says version: not the interpreter's
        (
            "if args.version:\n    print(__version__)\nelse:\n    run(args)\n",
            "if args.version:",
            "  # pragma: no cover",
        ),
        # an object's platform: not the interpreter's
        (
            "if self.platform.enabled():\n    run()\nelse:\n    skip()\n",
            "if self.platform.enabled():",
            "  # pragma: no cover",
        ),
    ],
    ids=["a setting", "an optional import", "a try's body", "a setting's version", "platform"],
)
def test_a_coverage_pragma_stays_on_its_branch(code: str, line: str, pragma: str) -> None:
    assert _ask(code, code.replace(line, line + pragma, 1), "python")[1] == []


def test_an_import_switched_to_its_module_s_backport_leaves_the_module_s_other_imports() -> None:
    code = (
        "from typing import TYPE_CHECKING, Any\n\nif TYPE_CHECKING:\n"
        "    from typing import Self, TypeAlias\n\n\ndef f(x: Any) -> None:\n    pass\n"
    )
    after = code.replace("from typing import Self", "from typing_extensions import Self")
    assert _ask(code, after, "python")[1] == []
    # a module given a prefix is another distribution of it: its other imports follow
    code = (
        "import multipart\nfrom multipart.multipart import parse_options_header\n\n"
        "if TYPE_CHECKING:\n    from multipart.multipart import MultipartCallbacks\n"
    )
    after = code.replace("from multipart.", "from python_multipart.", 1)
    content, found = _ask(code, after, "python")
    assert "from python_multipart.multipart import MultipartCallbacks" in _applied(content, found)


def _dirs_and_paths(kinds: list[str], twinned: list[str]) -> str:
    """A class of `<who>_<kind>_dir` properties, then a `<who>_<kind>_path` twin of each of
    ``twinned``."""
    dirs = "".join(
        f'    @property\n    def {k}_dir(self) -> str:\n        """{k} directory"""\n\n'
        for k in kinds
    )
    paths = "".join(
        f"    @property\n    def {k}_path(self) -> Path:\n"
        f'        """{k.split("_")[-1]} path"""\n        return Path(self.{k}_dir)\n\n'
        for k in twinned
    )
    return f"class Dirs:\n{dirs}{paths}    def close(self) -> None:\n        pass\n"


def test_a_definition_added_to_a_family_whose_every_one_has_a_twin_gets_its_twin() -> None:
    kinds = ["user_data", "user_documents", "user_pictures", "user_videos", "user_runtime"]
    code = _dirs_and_paths(kinds, kinds)
    added = '    @property\n    def user_music_dir(self) -> str:\n        """music directory"""\n\n'
    at = code.index("    @property\n    def user_runtime_dir")
    after = code[:at] + added + code[at:]
    content, found = _ask(code, after, "python")
    # the twin of the sibling above it, copied with its word made the new one's, after it
    twin = (
        '    @property\n    def user_music_path(self) -> Path:\n        """music path"""\n'
        "        return Path(self.user_music_dir)\n\n"
    )
    at = content.index("    @property\n    def user_runtime_path")
    assert _applied(content, found) == content[:at] + twin + content[at:]
    # a family named apart in its first word (`site_runtime_dir` after `user_runtime_dir`)
    added = (
        '    @property\n    def site_runtime_dir(self) -> str:\n        """runtime directory"""\n\n'
    )
    at = code.index("    @property\n    def user_data_path")
    after = code[:at] + added + code[at:]
    content, found = _ask(code, after, "python")
    twin = twin.replace("user_music", "site_runtime").replace("music path", "runtime path")
    at = content.index("    def close")
    assert _applied(content, found) == content[:at] + twin + content[at:]
    # a definition renamed is no definition added: its uses follow it, as a rename's
    after = code.replace("def user_videos_dir(", "def user_movies_dir(")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("self.user_videos_dir", "self.user_movies_dir")


def test_a_twin_added_last_in_a_module_keeps_the_module_s_last_newline() -> None:
    kinds = ["cache", "config", "data", "log"]
    code = "".join(f"def {k}_dir():\n    return ROOT / '{k}'\n\n\n" for k in kinds)
    code += "\n\n".join(f"def {k}_path():\n    return Path({k}_dir())\n" for k in kinds)
    at = code.index("def cache_path")
    after = code[:at] + "def state_dir():\n    return ROOT / 'state'\n\n\n" + code[at:]
    content, found = _ask(code, after, "python")
    twin = "\n\ndef state_path():\n    return Path(state_dir())\n"
    assert _applied(content, found) == content + twin
    # blank lines that end the file stay its end, after the twin
    content, found = _ask(code + "\n\n", after + "\n\n", "python")
    assert _applied(content, found) == content.removesuffix("\n\n") + twin + "\n\n"


def test_a_twin_defined_twice_is_not_copied() -> None:
    # a property and its setter: no one block to copy (the setter alone would be no property)
    kinds = ["user_data", "user_documents", "user_pictures", "user_videos", "user_runtime"]
    code = _dirs_and_paths(kinds, kinds)
    setter = (
        "    @user_videos_path.setter\n    def user_videos_path(self, value: Path) -> None:\n"
        "        self._videos = value\n\n"
    )
    at = code.index("    @property\n    def user_runtime_path")
    code = code[:at] + setter + code[at:]
    added = '    @property\n    def user_music_dir(self) -> str:\n        """music"""\n\n'
    at = code.index("    @property\n    def user_runtime_dir")
    after = code[:at] + added + code[at:]
    assert not [c for c in _ask(code, after, "python")[1] if c.edit and "_path" in c.edit.text]


@pytest.mark.parametrize(
    ("kinds", "twinned"),
    [
        # two twins are a coincidence, not a family kept in step
        (["user_videos", "user_runtime"], ["user_videos", "user_runtime"]),
        # a sibling beside it without a twin: the families are not kept in step
        (
            ["user_data", "user_documents", "user_pictures", "user_videos", "user_runtime"],
            ["user_data", "user_documents", "user_videos", "user_runtime"],
        ),
        # it has its twin already
        (
            ["user_data", "user_documents", "user_pictures", "user_videos", "user_runtime"],
            ["user_data", "user_documents", "user_pictures", "user_videos", "user_music"],
        ),
    ],
    ids=["two twins", "one untwinned", "twinned already"],
)
def test_a_definition_added_gets_no_twin_unless_its_family_keeps_one(
    kinds: list[str], twinned: list[str]
) -> None:
    code = _dirs_and_paths(kinds, twinned)
    added = '    @property\n    def user_music_dir(self) -> str:\n        """music directory"""\n\n'
    at = code.index("    @property\n    def user_runtime_dir")
    after = code[:at] + added + code[at:]
    assert not [
        c for c in _ask(code, after, "python")[1] if "_path" in (c.edit.text if c.edit else "")
    ]


def test_a_host_renamed_in_a_url_is_renamed_where_that_host_stands() -> None:
    code = (
        "DEFAULT_INDEX = 'https://pypi.python.org/pypi'\n\n\ndef score(t):\n"
        "    return 'pypi.python.org' in t.netloc, 'python.org' in t.netloc\n\n\n"
        "# mirrors: https://pypi.python.org/simple/ and https://test.pypi.python.org/\n"
        "locator = Locator('https://pypi.python.org/simple/', timeout=3.0)\n"
    )
    after = code.replace("pypi.python.org", "pypi.org", 1)
    content, found = _ask(code, after, "python")
    # the same host (in strings, after a URL's `//`), not another that ends as it does
    expected = code.replace("pypi.python.org", "pypi.org").replace(
        "test.pypi.org", "test.pypi.python.org"
    )
    assert _applied(content, found) == expected


def test_a_python_statement_s_semicolon_taken_away_takes_the_others_away() -> None:
    code = (
        "def heading(m):\n    auto = True;\n    name = m.group(1)  # the name;\n"
        "    for line in lines:\n        skip = 0\n        continue;\n"
        "    text = 'a;'\n    done(name);  # end\n"
    )
    after = code.replace("auto = True;", "auto = True", 1)
    content, found = _ask(code, after, "python")
    # statements' ends (before a comment too); not in a comment or a string
    assert _applied(content, found) == after.replace("continue;", "continue").replace(
        "done(name);", "done(name)"
    )
    js = "function f() {\n  a = 1;\n  b = 2;\n}\n"
    assert _ask(js, js.replace("a = 1;", "a = 1"), "javascript")[1] == []  # JavaScript's
    # a `;` taken from a comment or a string is no statement's
    code = "x = 1;\ny = 2;\n# the end;\nq = '''\nSELECT 1;\n'''\n"
    assert _ask(code, code.replace("end;", "end"), "python")[1] == []
    assert _ask(code, code.replace("SELECT 1;", "SELECT 1"), "python")[1] == []


def test_a_bare_except_given_a_broad_class_gives_the_others_the_same() -> None:
    code = (
        "def run():\n    try:\n        go()\n    except:\n        pass\n"
        "    try:\n        stop()\n    except:  # anything\n        log()\n"
        "    try:\n        end()\n    except ValueError:\n        pass\n"
        "    note = '''\n    except:\n    '''\n"
    )
    after = code.replace("except:", "except BaseException:", 1)
    content, found = _ask(code, after, "python")
    # the bare handlers of the code, not a named one's, not one quoted in a string
    expected = after.replace("except:  # anything", "except BaseException:  # anything")
    assert _applied(content, found) == expected
    # a narrower class is the handler's own
    assert _ask(code, code.replace("except:", "except OSError:", 1), "python")[1] == []
    # a handler that cleans up and re-raises catches everything by design: `Exception` would
    # let an interrupt past its clean-up; `BaseException` is what it catches
    code = (
        "def f():\n    try:\n        b()\n    except:\n        pass\n"
        "    try:\n        a()\n    except:\n        cleanup()\n        raise\n"
    )
    assert _ask(code, code.replace("except:", "except Exception:", 1), "python")[1] == []
    after = code.replace("except:", "except BaseException:", 1)
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == code.replace("except:", "except BaseException:")


def test_parentheses_taken_from_a_returned_tuple_are_taken_from_the_others() -> None:
    code = (
        "def series(s):\n    if s == 'odd':\n        return (2, 1)\n"
        "    elif s == 'even':\n        return (2, 0)  # even\n"
        "    elif s == 'n':\n        return (x)\n    elif s == 'one':\n        return (a,)\n"
        "    elif s == 'sum':\n        return (a, b) + c\n"
        "    elif s == 'wrapped':\n        return (a,\n                b)\n"
        "    return (int(s[0]), f(a, b))\n"
    )
    after = code.replace("return (2, 1)", "return 2, 1", 1)
    content, found = _ask(code, after, "python")
    # tuples alone on their line; not a value in parentheses, a tuple of one, a tuple in
    # an expression, or one wrapped over lines (its parentheses carry the line)
    expected = after.replace("(2, 0)", "2, 0").replace("(int(s[0]), f(a, b))", "int(s[0]), f(a, b)")
    assert _applied(content, found) == expected
    # parentheses a return needs: a `yield`'s (no tuple), an assignment expression's
    code = (
        "def g():\n    return (1, 2)\n\ndef gen():\n    return (yield x, 2)\n\n"
        "def w():\n    return (n := 3, n)\n\ndef h():\n    return (lambda: x, y)\n"
    )
    assert _ask(code, code.replace("return (1, 2)", "return 1, 2", 1), "python")[1] == []
    # in JavaScript `return (a, b)` is the comma operator's
    js = "function f() {\n  return (a, b);\n}\nfunction g() {\n  return (c, d);\n}\n"
    assert _ask(js, js.replace("(a, b)", "a, b"), "javascript")[1] == []


def test_a_name_tested_for_truth_made_tested_against_none_is_so_in_like_tests() -> None:
    code = (
        "def equals(xpath, value):\n    assert value\n    return xpath\n\n\n"
        "def includes(xpath, value):\n    assert value, 'no value'\n"
        "    if value:\n        xpath.add(value)\n    assert value.strip()\n"
        "    assert value and xpath\n    assert values\n    return xpath\n"
    )
    after = code.replace("assert value\n", "assert value is not None\n", 1)
    content, found = _ask(code, after, "python")
    # the same keyword testing that name alone: not `if value:`, another name, a call or a
    # longer condition
    expected = after.replace("assert value, 'no", "assert value is not None, 'no")
    assert _applied(content, found) == expected
    # a condition, in the user's function only (elsewhere an empty list may be what it is
    # there to skip), and only a statement's (not a conditional expression's `if items`)
    code = (
        "def render(items):\n    if items:\n        show(items)\n    while items:\n"
        "        items.pop()\n    if items:\n        done()\n    return (\n        items\n"
        "        if items\n        else None\n    )\n\n\ndef save(items):\n    if items:\n"
        "        write(items)\n"
    )
    after = code.replace("    if items:", "    if items is not None:", 1)
    content, found = _ask(code, after, "python")
    expected = after.replace("if items:\n        done", "if items is not None:\n        done")
    assert _applied(content, found) == expected
    # a header laid out one parameter a line is the function's too (its `):` no block)
    code = (
        "def render(\n    items,\n):\n    if items:\n        show(items)\n\n\n"
        "def save(items):\n    if items:\n        write(items)\n"
    )
    after = code.replace("    if items:", "    if items is not None:", 1)
    assert _ask(code, after, "python")[1] == []


def test_a_list_comprehension_unpacked_made_a_generator_makes_the_others_so() -> None:
    code = (
        "def parse(date, time):\n    year, month, day = [int(i) for i in date]\n"
        "    hour, minute = [int(float(i)) for i in time]  # clock\n"
        "    parts = [int(i) for i in date]\n    a, b = [x, y]\n"
        "    c, d = [f(i) for i in time] + [0]\n    return year, hour, parts\n"
    )
    after = code.replace("[int(i) for i in date]", "(int(i) for i in date)", 1)
    content, found = _ask(code, after, "python")
    # unpacked into names, the comprehension the whole value: not a list kept, a list
    # display, or a comprehension in an expression
    expected = after.replace("[int(float(i)) for i in time]", "(int(float(i)) for i in time)")
    assert _applied(content, found) == expected
    # a line in a call's or a header's arguments is no assignment (`a, key=[…]`)
    code = (
        "def parse(date):\n    year, month = [int(i) for i in date]\n    return sorted(\n"
        "        year, key=[i for i in date]\n    )\n\n\n"
        "def f(\n    a, b=[i for i in range(3)]\n):\n    pass\n"
    )
    after = code.replace("[int(i) for i in date]", "(int(i) for i in date)", 1)
    assert [c for c in _ask(code, after, "python")[1] if c.edit is not None] == []
    # brackets in a string or a comment above are no statement's
    code = (
        "OPEN = '('  # see (RFC 1123\n\n\ndef parse(date, time):\n"
        "    year, month = [int(i) for i in date]\n    hour, minute = [float(j) for j in time]\n"
    )
    after = code.replace("[int(i) for i in date]", "(int(i) for i in date)", 1)
    content, found = _ask(code, after, "python")
    expected = after.replace("[float(j) for j in time]", "(float(j) for j in time)")
    assert _applied(content, found) == expected


def test_in_before_a_string_made_an_equality_is_so_for_the_same_operand() -> None:
    code = (
        "def secure(header):\n"
        "    if header[0] in _SECURE or (header[0] in b'cookie' and len(header[1]) < 20):\n"
        "        return True\n    if header[0] in b':method':\n        return False\n"
        "    if header[1] in b'gzip, deflate':\n        return None\n"
        "    return header[0] in (b'a', b'b')\n"
    )
    after = code.replace("header[0] in b'cookie'", "header[0] == b'cookie'", 1)
    content, found = _ask(code, after, "python")
    # the same operand against a string: not another operand's piece of a string, nor a
    # membership in a tuple or a set
    expected = after.replace("header[0] in b':method'", "header[0] == b':method'")
    assert _applied(content, found) == expected
    # not a loop over a string's characters, nor a string that is part of an operand (`"r w
    # a".split()`), nor, in another function, a set of characters
    code = (
        "def f(c, s):\n    if c in 'abc':\n        return 1\n    for c in 'xyz':\n"
        "        s += [c for c in 'pq']\n    if c in 'r w a'.split():\n        return 2\n\n\n"
        "def g(c):\n    return c in '+-*/' or c in 'cookie'\n"
    )
    after = code.replace("c in 'abc'", "c == 'abc'", 1)
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("c in 'cookie'", "c == 'cookie'")
    # a set of letters, each once, is a set of characters too
    code = "def f(c):\n    return c in 'abc'\n\n\ndef g(c):\n    return c in 'aeiou'\n"
    assert _ask(code, code.replace("c in 'abc'", "c == 'abc'", 1), "python")[1] == []


def test_a_python_2_print_made_a_call_makes_the_other_prints_calls() -> None:
    code = (
        'SOURCE = """\\\ntry:\n    print 1\nexcept TypeA:\n    print 2\nelse:\n'
        '    print "done %s" % (x, )\n    print\n    print "a", \\\n        "b"\n'
        '    print x,\n    print >>sys.stderr, x\n"""\nif PY2:\n    print "in code"\n'
    )
    after = code.replace("print 1", "print(1)", 1)
    content, found = _ask(code, after, "python")
    # in the string that holds the code, as the user's (not in the code): not a print that
    # goes on over a backslash or ends with a comma (no line ended: not one call), nor one
    # to a file
    expected = after.replace("print 2", "print(2)").replace(
        'print "done %s" % (x, )', 'print("done %s" % (x, ))'
    )
    assert _applied(content, found) == expected
    # a line of prose that begins with the word, a name spaced from its `=` or `(`, two
    # statements on a line: no print statement
    code = (
        'def report(x):\n    print "start"\n    """Report.\n\n    print the report when asked\n'
        '    """\n    print  = logger.info\n    print  (x)\n    print x; y = 1\n'
    )
    assert _ask(code, code.replace('print "start"', 'print("start")'), "python")[1] == []
    # another string's line is no part of the user's source (a usage's `print version`)
    code = 'SOURCE = """\\\nprint 1\nprint 2\n"""\nHELP = """\\\nUsage:\n  print version\n"""\n'
    content, found = _ask(code, code.replace("print 1", "print(1)"), "python")
    assert _applied(content, found) == content.replace("print 2", "print(2)")


def test_an_encoding_given_to_a_text_file_is_given_to_the_files_other_text_files() -> None:
    code = (
        "def load(name):\n    with open(os.path.join(ROOT, name)) as f:\n        return f.read()\n"
        "\n\ndef save(path, text):\n    path.write_text(text)\n    path.open('w').close()\n"
        "    with open(path, 'rb') as f, path.open(mode='wb') as g, archive.open(path) as h:\n"
        "        pass\n    os.open(path, os.O_RDONLY)\n    open(path, **options)\n"
        "    open(path, encoding='latin-1')\n    path.read_text(\n        errors='strict'\n    )\n"
        '\n\ndef opened(path):\n    """Open it.\n\n    >>> path.read_text()\n'
        '    \'x\'\n\n    not path.read_text() in prose\n    """\n'
    )
    after = code.replace("ROOT, name))", "ROOT, name), encoding='utf-8')", 1)
    content, found = _ask(code, after, "python")
    # the other calls that read or write text (and in a doctest, code too), given the same:
    # not a file opened as bytes, a zip member or an `os.open`, a call given `**options`,
    # given an encoding, laid out over lines, nor prose in a docstring
    expected = (
        after.replace("path.write_text(text)", "path.write_text(text, encoding='utf-8')")
        .replace("path.open('w')", "path.open('w', encoding='utf-8')")
        .replace(">>> path.read_text()", ">>> path.read_text(encoding='utf-8')")
    )
    assert _applied(content, found) == expected
    # the call laid out anew with its encoding: still the encoding given
    wrapped = code.replace(
        "open(os.path.join(ROOT, name))",
        "open(\n        os.path.join(ROOT, name),\n        encoding='utf-8',\n    )",
        1,
    )
    content, found = _ask(code, wrapped, "python")
    assert "path.write_text(text, encoding='utf-8')" in _applied(content, found)
    # new code that gives one (a test written), another call's `encoding`: nothing follows
    test = "def test_it(p):\n    p.write_text('x', encoding='utf-8')\n\n\n"
    added = code.replace("def save", test + "def save", 1)
    assert _ask(code, added, "python")[1] == []
    other = code.replace("return f.read()", "return json.loads(f.read(), encoding='utf-8')", 1)
    assert _ask(code, other, "python")[1] == []
    # a file call rewritten to one that reads text with an encoding: the encoding given
    opened = code.replace("f.read()", "open(os.path.join(ROOT, name)).read()", 1)
    rewritten = opened.replace(
        "open(os.path.join(ROOT, name)).read()", "Path(ROOT, name).read_text(encoding='utf-8')"
    )
    content, found = _ask(opened, rewritten, "python")
    assert "path.write_text(text, encoding='utf-8')" in _applied(content, found)
    # a path's `.open('r')` rewritten: the mode's string is code's, the encoding given
    method = code.replace("return f.read()", "return self.path.open('r').read()", 1)
    rewritten = method.replace(
        "self.path.open('r').read()", "Path(self.path).read_text(encoding='utf-8')"
    )
    content, found = _ask(method, rewritten, "python")
    assert "path.write_text(text, encoding='utf-8')" in _applied(content, found)
    # `open(` in a string or a comment of the line rewritten is no file call rewritten
    for line in ('log.debug("open(%s)", path)', "fetch(path)  # was open(path).read()"):
        logged = code.replace("return f.read()", f"return {line}", 1)
        rewritten = logged.replace(line, "Path(path).read_text(encoding='latin-1')")
        assert _ask(logged, rewritten, "python")[1] == []
    # a mode passed in, arguments spread, a comma ending them already, a call in a doctest's
    # string
    code = (
        "def _open(path, mode='r'):\n    return open(path, mode)\n\n\n"
        "def load(path, *args):\n    with open(path) as f:\n        return f.read()\n\n\n"
        "def more(path, *args):\n    return open(path, *args), open(path,)\n\n\n"
        'def run(src):\n    """Run it.\n\n    >>> run("open(p).read()")\n    """\n'
    )
    after = code.replace("with open(path) as f", "with open(path, encoding='utf-8') as f")
    content, found = _ask(code, after, "python")
    expected = after.replace("open(path,)", "open(path, encoding='utf-8')")
    assert _applied(content, found) == expected
    # the module's own `open` (or a class's `read_text`): not the file's
    code = (
        "def open(url, new=0):\n    return webbrowser.open(url, new)\n\n\n"
        "def show(root):\n    open(root.url, 1)\n    return (root / 'README').read_text()\n"
    )
    after = code.replace(".read_text()", ".read_text(encoding='utf-8')")
    assert _ask(code, after, "python")[1] == []
    # `open` imported from elsewhere, an encoding passed by its place: nothing given
    code = (
        "from gzip import (\n    open,\n)\n\n\ndef load(p):\n    with open(p) as f:\n"
        "        return f.read()\n\n\ndef text(p):\n    return p.read_text()\n"
    )
    after = code.replace("p.read_text()", "p.read_text(encoding='utf-8')")
    assert [c for c in _ask(code, after, "python")[1] if c.edit is not None] == []
    code = (
        "def text(p):\n    return p.read_text()\n\n\n"
        "def legacy(p, s):\n    p.write_text(s, 'latin-1')\n    return p.read_text('latin-1')\n"
    )
    after = code.replace("p.read_text()", "p.read_text(encoding='utf-8')")
    assert [c for c in _ask(code, after, "python")[1] if c.edit is not None] == []


def test_strings_side_by_side_joined_are_joined_where_others_stand_side_by_side() -> None:
    code = (
        'HELP = "Delay between checks." " Defaults to 0.25s."\n'
        'warn(f"Config variable {var!r} is unset," " ABI tag may be wrong")\n'
        'KEEP = "a" f" {b}"\nRAW = r"\\d" "\\n"\nFMT = f"{x}" " {not a field}"\n'
        'SPLIT = ("first part "\n         "second part")\n'
        "DOC = '''say \"a\" \"b\" here'''\n"
        'BYTES = b"ab" b"cd"\n'
    )
    after = code.replace('checks." " Defaults', "checks. Defaults", 1)
    content, found = _ask(code, after, "python")
    # side by side on one line, the second with no prefix and reading the same after the
    # first's: not an f-string after a plain one, a backslash after a raw string, braces
    # after an f-string, strings on two lines, quotes inside a string
    expected = after.replace('unset," " ABI', "unset, ABI")
    assert _applied(content, found) == expected
    # an escape the second string's first character would go on, a triple-quoted second
    code = (
        'HELP = "Delay." " Defaults."\nOCT = "\\1" "2"\nNUL = "\\0" "1"\n'
        'USAGE = "usage: " """prog\n  more\n"""\n'
    )
    content, found = _ask(
        code, code.replace('"Delay." " Defaults."', '"Delay. Defaults."'), "python"
    )
    assert _applied(content, found) == content
    # a quote and a space taken from one string is no pair joined
    code = 'print(" ")\nHELP = "Delay." " Defaults."\n'
    assert _ask(code, code.replace('print(" ")', "print()"), "python")[1] == []
    code = 'print("Total:", " ")\nHELP = "Delay." " Defaults."\n'
    assert _ask(code, code.replace(', " ")', ", )"), "python")[1] == []


def test_none_made_a_sentinel_makes_the_names_none_tests_test_the_sentinel() -> None:
    code = (
        "def __init__(self, *args, **kwargs):\n    if args and args[0] is None:\n        pass\n"
        "    selector = context = None\n    if len(args) == 1:\n        selector = args[0]\n"
        "    if elements and selector is not None:\n        find(selector)\n"
        "    if context is None:\n        context = self\n    if parent is None:\n"
        "        parent = self\n\n\ndef other(selector=None):\n"
        "    return selector is None\n"
    )
    after = code.replace("context = None", "context = NoDefault", 1)
    content, found = _ask(code, after, "python")
    # the names' tests below it, in its function: not another name's, not another
    # function's name of the same name
    expected = after.replace("selector is not None:", "selector is not NoDefault:").replace(
        "context is None", "context is NoDefault"
    )
    assert _applied(content, found) == expected
    # a parameter's default: the tests in its function's body
    code = (
        "def get(key, default=None):\n    value = load(key)\n    if default is None:\n"
        "        raise KeyError(key)\n    return value\n"
    )
    after = code.replace("default=None", "default=_MISSING", 1)
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("default is None", "default is _MISSING")
    # a header laid out one parameter a line
    code = (
        "def get(\n    key,\n    default=None,\n    strict=False,\n):\n"
        "    if default is None:\n        raise KeyError(key)\n"
    )
    after = code.replace("default=None", "default=_MISSING", 1)
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("default is None", "default is _MISSING")


@pytest.mark.parametrize(
    ("code", "old", "new"),
    [
        # a call's keyword argument is no parameter's default
        (
            "def run(url, timeout=None):\n    fetch(url, timeout=None)\n"
            "    if timeout is None:\n        return\n",
            "timeout=None)\n",
            "timeout=TIMEOUT)\n",
        ),
        # a class's or a module's name: no one function's
        (
            "class A:\n    timeout = None\n\n    def f(self, timeout):\n"
            "        return timeout is None\n",
            "timeout = None",
            "timeout = _DEFAULT",
        ),
        # False is a value, not a mark of none given
        (
            "def f(items):\n    found = None\n    if found is None:\n        pass\n",
            "found = None",
            "found = False",
        ),
        # an attribute of that name, a function defined inside, a block that assigns the
        # sentinel (the None it still stands for)
        (
            "def f(timeout=None):\n    if self.timeout is None:\n        pass\n"
            "    def inner(timeout):\n        return timeout is None\n"
            "    if timeout is None:\n        timeout = DEFAULT_TIMEOUT\n",
            "timeout=None",
            "timeout=DEFAULT_TIMEOUT",
        ),
    ],
    ids=["keyword argument", "class attribute", "False", "not its tests"],
)
def test_none_made_a_value_is_no_sentinel_for_other_tests(code: str, old: str, new: str) -> None:
    content, found = _ask(code, code.replace(old, new, 1), "python")
    tests = [c for c in found if " is " in content.split("\n")[c.span.start_line - 1]]
    assert tests == []


def test_format_field_numbers_taken_away_are_taken_from_the_file_s_other_strings() -> None:
    code = (
        "print('Making env in: {0} ...'.format(path))\n"
        'print("Re-executing {0} with {1:>4}".format(exe, n))\n'
        "print('{1} before {0}'.format(a, b))\n"
        "print('{0} and {0}'.format(a))\n"
        "print('{0} as {name}'.format(a, name=b))\n"
    )
    after = code.replace("in: {0} ...", "in: {} ...", 1)
    content, found = _ask(code, after, "python")
    # numbered in order, each once: the numbers say nothing (not a reordering, a repeat or
    # numbers beside a name)
    assert _applied(content, found) == after.replace("{0} with {1:>4}", "{} with {:>4}")
    # one field of the user's taken, another left numbered: not yet done
    code = "print('{0}, {1}'.format(a, b))\nprint('{0}'.format(c))\n"
    assert _ask(code, code.replace("{0}, {1}", "{}, {1}"), "python")[1] == []
    # not fields that are more than a number (an item, an attribute, a nested format), not
    # strings joined side by side (the format is the joined string's), nor code in a string
    code = (
        "print('Making {0} ...'.format(path))\n"
        "a = '{0[key]} {1}'.format(d, b)\n"
        "b = '{0.attr} {1}'.format(o, b)\n"
        "c = '{1:>{0}}'.format(width, text)\n"
        "d = ('Expected {0} but got {1}. '\n     'Fix {0}.'.format(a, b))\n"
        "e = \"print('{0}'.format(x))\"\n"
        "f = '{{{0}}} {1}'.format(a, b)\n"
    )
    after = code.replace("Making {0}", "Making {}")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("'{{{0}}} {1}'", "'{{{}}} {}'")


def test_a_type_and_its_doc_comment_renamed_in_one_edit_renames_the_uses() -> None:
    code = (
        "package timer\n\n"
        "// DefaultTimer implements Timer.\n"
        "type DefaultTimer struct {\n\ttimer *time.Timer\n}\n\n"
        "func (t *DefaultTimer) C() <-chan time.Time {\n\treturn t.timer.C\n}\n\n"
        "func (t *DefaultTimer) Stop() {\n\tt.timer.Stop()\n}\n"
    )
    after = code.replace("// DefaultTimer", "// defaultTimer").replace(
        "type DefaultTimer", "type defaultTimer"
    )
    found = _ask_in_one(code, after, "go")  # the two lines: one edit, from the snapshot
    assert [c.span.start_line for c in found] == [8, 12]
    assert _applied(after, found) == code.replace("DefaultTimer", "defaultTimer")


def test_another_languages_keyword_is_a_name_to_rename() -> None:
    js = "function parse(str) {\n  if (!str) return null;\n  return JSON.parse(str);\n}\n"
    after = js.replace("parse(str)", "parse(body)")
    content, found = _ask(js, after, "javascript")  # `str` is Python's builtin, not JS's
    assert _applied(content, found) == js.replace("str", "body")
    py = "def call(func, *args):\n    print(func)\n    return func(*args)\n"
    after = py.replace("call(func", "call(function")
    content, found = _ask(py, after, "python")  # `func` is Go's keyword, not Python's
    assert _applied(content, found) == py.replace("func", "function")
    swapped = "def size(value: str) -> str:\n    return str(value)\n"
    assert _ask(swapped, swapped.replace("value: str", "value: bytes"), "python")[1] == []
    typed = (
        "from typing import Collection\nfrom typing import Set\n\n\n"
        "def a(heads: Set[str]) -> bool:\n    return True\n\n\n"
        "def b(heads: Collection[str]) -> None:\n    pass\n\n\n"
        "def c(\n    self, heads: Collection[str]\n) -> None:\n    pass\n"
    )
    after = typed.replace("b(heads: Collection", "b(heads: Set")  # a typing name swapped
    found = _ask(typed, after, "python")[1]  # its text repeats, but not into the import
    assert [c.span.start_line for c in found] == [14]


def test_node_prefix_given_to_one_builtin_import_is_given_to_the_others() -> None:
    code = (
        "const fs = require('fs');\n"
        "const { join } = require('path');\n"
        "const send = require('send');\n"
        "import { once } from 'events';\n"
        "// require('os') in a comment\n"
    )
    after = code.replace("require('fs')", "require('node:fs')")
    content, found = _ask(code, after, "javascript")
    assert [c.span.start_line for c in found] == [2, 4]  # not a package's, nor a comment's
    assert _applied(content, found) == after.replace("'path'", "'node:path'").replace(
        "'events'", "'node:events'"
    )


def test_a_relative_import_given_its_extension_gives_it_to_the_others() -> None:
    code = (
        "import { a } from './a';\n"
        "import b from '../lib/b';\n"
        "import c from './c.json';\n"
        "import d from 'd';\n"
        "export * from './e';\n"
    )
    after = code.replace("'./a'", "'./a.js'")
    content, found = _ask(code, after, "typescript")
    assert [c.span.start_line for c in found] == [2, 5]  # not one with an extension, nor a package
    assert _applied(content, found) == after.replace("'../lib/b'", "'../lib/b.js'").replace(
        "'./e'", "'./e.js'"
    )


def test_a_path_given_its_extension_gives_it_to_the_same_path_and_the_like_calls() -> None:
    code = (
        'const { Result } = require("../../lib/nodejs/serializer");\n'
        "const stubs = {\n"
        '  "../../lib/nodejs/serializer": Result,\n'
        '  "../../lib/mocha": {},\n'
        "};\n"
        'runMochaJSON("passing-sync", ["--bail"]);\n'
        'runMochaJSON("passing-async", ["--timeout", "100"]);\n'
        'runMochaJSON("failing.fixture.js", []);\n'
        'helpers.runMochaJSON("passing", "--retries");\n'
        'other("passing-sync", 1);\n'
    )
    after = code.replace('serializer");', 'serializer.mjs");')
    content, found = _ask(code, after, "javascript")
    # the same path as a key; not another path, which may name a module of another kind
    assert _applied(content, found) == after.replace('serializer":', 'serializer.mjs":')
    after = code.replace('"passing-sync", ["--bail"]', '"passing-sync.fixture.js", ["--bail"]')
    content, found = _ask(code, after, "javascript")
    # the other calls' first strings without an extension (a method's too); not another
    # function's, nor the same word elsewhere
    assert [c.span.start_line for c in found] == [7, 9]
    assert _applied(content, found) == after.replace(
        '"passing-async"', '"passing-async.fixture.js"'
    ).replace('"passing"', '"passing.fixture.js"')


INITS = """class Reader:
    def __init__(self, path):
        self.path = path

    def read(self):
        return open(self.path).read()


class Writer:
    def __init__(
        self, path
    ):
        self.path = path

    def close(self):
        self.path = None


class Cache:
    def __init__(self) -> None:
        self.items = {}
"""


def test_none_returned_given_to_one_init_is_given_to_the_others_without_one() -> None:
    after = INITS.replace("__init__(self, path):", "__init__(self, path) -> None:")
    content, found = _ask(INITS, after, "python")
    assert [c.span.start_line for c in found] == [12]  # not close, nor the annotated one
    assert _applied(content, found) == after.replace("    ):\n", "    ) -> None:\n")


@pytest.mark.parametrize(
    ("code", "language"),
    [
        (
            "def before_sleep(name, hook_cms):\n"
            '    """Run the hooks, keeping their context managers in *hook_cms*."""\n'
            "    # hook_cms is closed by the caller\n"
            '    log(name, extra={"hook_cms": len(hook_cms)})\n'
            "    hook_cms.append(name)\n",
            "python",
        ),
        (
            "/** Keeps the context managers in `hookCms`. */\n"
            "function beforeSleep(name, hookCms) {\n"
            "  // hookCms is closed by the caller\n"
            '  log(name, {"hookCms": hookCms.length});\n'
            "  hookCms.push(name);\n"
            "}\n",
            "javascript",
        ),
    ],
    ids=["python", "javascript"],
)
def test_a_parameter_renamed_is_renamed_where_its_functions_comments_name_it(
    code: str, language: str
) -> None:
    old = "hookCms" if language == "javascript" else "hook_cms"
    after = code.replace(f"name, {old})", "name, cms)")
    content, found = _ask(code, after, language)
    renamed = _applied(content, found)
    assert f"{old}.append" not in renamed and f"{old}.push" not in renamed
    assert f"# {old} is" not in renamed and f"// {old} is" not in renamed
    # a string that is the name alone is a key, not a mention
    assert f'"{old}"' in renamed
    if language == "python":
        assert "*cms*" in renamed


def test_a_dataclass_field_renamed_is_renamed_in_its_slots_and_its_constructions() -> None:
    code = (
        "@dataclass\n"
        "class Attempts:\n"
        '    __slots__ = ("name", "to_exit")\n'
        "    name: str\n"
        "    to_exit: list[object]\n\n"
        "    @classmethod\n"
        "    def make(cls, name):\n"
        "        return cls(name=name, to_exit=[])\n\n"
        "    def close(self):\n"
        "        for cm in self.to_exit:\n"
        "            cm.close()\n\n\n"
        "def run(to_exit):\n"
        "    return Other(to_exit=to_exit)\n"
    )
    after = code.replace("    to_exit: list", "    exit_stack: list")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace('"to_exit"', '"exit_stack"').replace(
        "to_exit=[]", "exit_stack=[]"
    ).replace("self.to_exit", "self.exit_stack")
    # with an `__init__` of its own, `cls(to_exit=…)` passes that parameter: not the field
    own = code.replace(
        "    @classmethod",
        "    def __init__(self, name, to_exit):\n        pass\n\n    @classmethod",
    )
    content, found = _ask(own, own.replace("    to_exit: list", "    exit_stack: list"), "python")
    assert "to_exit=[]" in _applied(content, found)


def test_a_method_named_like_a_builtin_renamed_is_renamed_but_the_builtin_is_not() -> None:
    code = (
        "class One:\n"
        "    def print(self, fmt):\n"
        "        print(fmt.format(1))\n\n\n"
        "class Two:\n"
        "    def print(self, fmt):\n"
        "        print(fmt.format(2))\n\n\n"
        "def show(server):\n"
        "    server.print('{}')\n"
    )
    after = code.replace(
        "    def print(self, fmt):\n        print(fmt.format(1))",
        "    def print_listen(self, fmt):\n        print(fmt.format(1))",
    )
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "def print(self, fmt):", "def print_listen(self, fmt):"
    ).replace("server.print(", "server.print_listen(")


def test_a_rename_left_unfinished_by_a_later_edit_is_followed_still() -> None:
    code = (
        "def before_sleep(name, hook_cms):\n"
        '    """\n'
        "    Run the hooks.\n\n"
        "    If a hook returns a context manager, it is entered before the retries\n"
        "    start and exited after they finish, kept until then in *hook_cms*.\n"
        '    """\n'
        "    for hook in HOOKS:\n"
        "        hook_cms.append(hook(name))\n"
    )
    # the parameter renamed, then its docstring fixed by hand, lines below: that last edit
    # is a word in text, which repeats nowhere; the code's use is still the rename's to follow
    after = code.replace("name, hook_cms)", "name, cms)").replace("*hook_cms*", "*cms*")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("hook_cms.append", "cms.append")


def test_an_entry_goes_only_in_runs_keyed_alike_that_end_their_entries_alike() -> None:
    code = (
        "export interface RetryOptions {\n  limit: number;\n  methods: string[];\n"
        "  statusCodes: number[];\n  backoffLimit: number;\n}\n\n"
        "export const defaults: RetryOptions = {\n  limit: 2,\n  methods: ['get'],\n"
        "  statusCodes: [408],\n  backoffLimit: Infinity,\n};\n\n"
        "export const aggressive: RetryOptions = {\n  limit: 10,\n  methods: ['get'],\n"
        "  statusCodes: [429],\n  backoffLimit: 1000,\n};\n"
    )
    # a value put in one object goes in the other object, not in the interface's types
    after = code.replace(
        "  backoffLimit: Infinity,\n", "  backoffLimit: Infinity,\n  jitter: false,\n"
    )
    content, found = _ask(code, after, "typescript")
    assert _applied(content, found) == after.replace(
        "  backoffLimit: 1000,\n", "  backoffLimit: 1000,\n  jitter: false,\n"
    )
    # and a type put in the interface is no value of the objects
    after = code.replace(
        "  backoffLimit: number;\n", "  backoffLimit: number;\n  jitter: boolean;\n"
    )
    content, found = _ask(code, after, "typescript")
    assert "jitter: boolean;\n}" in _applied(content, found)
    assert _applied(content, found).count("jitter") == 1


def test_a_require_made_an_import_makes_the_other_requires_imports_alike() -> None:
    code = (
        "'use strict'\n\n"
        "const path = require('path')\n"
        'const { readFileSync, writeFileSync } = require("fs")\n'
        "const debug = require('debug')('koa:application')\n"
        "const compose = require('koa-compose')\n\n"
        "function load (file) {\n"
        "  const extra = require('./extra')\n"
        "  return readFileSync(path.join(__dirname, file), 'utf8') + extra\n"
        "}\n"
    )
    after = code.replace("const path = require('path')", "import path from 'node:path';")
    content, found = _ask(code, after, "javascript")
    # in the user's quotes and semicolons, Node's own modules prefixed as the user's was; a
    # require whose result is called, or one inside a function, stays
    assert _applied(content, found) == after.replace(
        'const { readFileSync, writeFileSync } = require("fs")',
        "import { readFileSync, writeFileSync } from 'node:fs';",
    ).replace("const compose = require('koa-compose')", "import compose from 'koa-compose';")


HANDLER = """const handler = {
    has(target, prop) {
        return prop in source(target)
    },
    ownKeys(target) {
        return Reflect.ownKeys(source(target))
    },
    getPrototypeOf(target) {
        return Object.getPrototypeOf(target)
    },
}

function wrap(target) {
    return new Proxy(target, handler)
}
"""


def test_a_parameter_renamed_through_its_function_is_renamed_in_the_functions_beside_it() -> None:
    after = HANDLER.replace(
        "has(target, prop) {\n        return prop in source(target)",
        "has(state, prop) {\n        return prop in source(state)",
    )
    found = _ask_in_one(HANDLER, after, "javascript")
    assert {c.kind for c in found} == {RENAME}
    # the object's other methods; not `wrap`, a function beside the object, not in it
    expected = HANDLER.replace("(target", "(state").replace("wrap(state)", "wrap(target)")
    assert _applied(after, found) == expected.replace("Proxy(state", "Proxy(target")


def test_a_parameter_renamed_in_part_of_its_function_is_renamed_there_first() -> None:
    after = HANDLER.replace("has(target, prop)", "has(state, prop)")
    _, found = _ask(HANDLER, after, "javascript")
    assert [c.span.start_line for c in found] == [3]  # its own use: not yet the others


def test_a_local_made_unused_is_made_so_where_it_is_unused_only() -> None:
    code = (
        "def test_one(pair):\n"
        "    d, t = pair\n"
        "    assert d\n"
        "\n\n"
        "def test_two(item):\n"
        "    key, t = item\n"
        "    assert key == t\n"
        "\n\n"
        "def test_three(entry):\n"
        "    value, t = entry.split()\n"
        "    assert value\n"
    )
    after = code.replace("d, t = pair\n    assert d\n", "d, _ = pair\n    assert d\n", 1)
    content, found = _ask(code, after, "python")
    assert [c.span.start_line for c in found] == [12]  # not test_two's, which uses it
    assert "value, _ = entry.split()" in _applied(content, found)


def test_a_value_made_unused_is_made_so_where_it_is_not_read_before_it_is_assigned_again() -> None:
    code = (
        "func TestParse(t *testing.T) {\n"
        "\tvar l Level\n"
        "\tvar err error\n"
        '\tl, err = ParseLevel("panic")\n'
        "\tassert.Nil(t, err)\n"
        '\tl, err = ParseLevel("fatal")\n'
        "\tassert.Nil(t, err)\n"
        "\tassert.Equal(t, FatalLevel, l)\n"
        '\tl, err = ParseLevel("info")\n'
        "\tassert.Nil(t, err)\n"
        '\tl, err = ParseLevel("debug")\n'
        "\tassert.Nil(t, err)\n"
        "}\n"
    )
    after = code.replace('l, err = ParseLevel("panic")', '_, err = ParseLevel("panic")')
    content, found = _ask(code, after, "go")
    # `info`'s value is assigned again unread and `debug`'s never read; `fatal`'s is read
    assert sorted(c.span.start_line for c in found) == [9, 11]
    assert _applied(content, found).count("_, err = ParseLevel") == 3


GO_ERRORS = """package store

func TestStore(t *testing.T) {
	db, err := open()
	rows, err := db.Query(
		"SELECT 1",
	)
	defer rows.Close()
	_, err = db.Exec("x")
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.Get("y")
	require.NoError(t, err)
	_ = v
	err = errors.New("made, not failed")
}

func load() (int, error) {
	n, err := read()
	return n, nil
}
"""


def test_a_go_error_check_added_is_added_after_the_other_unchecked_assignments() -> None:
    check = "\tif err != nil {\n\t\tt.Fatal(err)\n\t}\n"
    after = GO_ERRORS.replace("\tdb, err := open()\n", "\tdb, err := open()\n" + check)
    for found in (_ask(GO_ERRORS, after, "go")[1], _ask_in_one(GO_ERRORS, after, "go")):
        # after the call over three lines; not where err is read or made, nor in `load`,
        # which has no `t`
        assert _applied(after, found) == after.replace("\t)\n\tdefer", "\t)\n" + check + "\tdefer")


def test_a_go_error_check_that_returns_goes_where_the_function_returns_the_same() -> None:
    code = GO_ERRORS + "\nfunc save() (int, error) {\n\tn, err := write()\n\treturn n, nil\n}\n"
    check = "\tif err != nil {\n\t\treturn 0, err\n\t}\n"
    after = code.replace("\tn, err := read()\n", "\tn, err := read()\n" + check)
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == after.replace(
        "\tn, err := write()\n", "\tn, err := write()\n" + check
    )


def test_a_go_error_check_goes_after_a_statement_with_a_raw_string_or_an_escaped_quote() -> None:
    # The raw string spans lines and holds brackets; "\\" ends in a quote that closes it.
    code = (
        "package store\n\n"
        "func (s *Store) Save(p string, a, b int) error {\n"
        "\t_, err := s.db.Exec(`\n\t\tINSERT INTO t (a, b\n\t\tVALUES (?, ?)`, a, b)\n"
        "\ts.log()\n"
        '\terr = os.WriteFile(strings.TrimRight(p, "\\\\"), nil, 0o644)\n'
        "\treturn nil\n"
        "}\n\n"
        "func (s *Store) Load(id int) error {\n"
        "\trow, err := s.db.Query(id)\n"
        "\treturn nil\n"
        "}\n"
    )
    check = "\tif err != nil {\n\t\treturn err\n\t}\n"
    after = code.replace("\trow, err := s.db.Query(id)\n", "\trow, err := s.db.Query(id)\n" + check)
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == after.replace(
        "a, b)\n\ts.log()\n", "a, b)\n" + check + "\ts.log()\n"
    ).replace("0o644)\n", "0o644)\n" + check)
    # a `//` in a string is no comment: the call over three lines ends at its `)`
    url = code.replace(
        "0o644)\n",
        '0o644)\n\tresp, err := s.get(\n\t\t"https://example.com/api", // the API\n\t)\n',
    )
    after = url.replace("\trow, err := s.db.Query(id)\n", "\trow, err := s.db.Query(id)\n" + check)
    content, found = _ask(url, after, "go")
    assert _applied(content, found).count('api", // the API\n\t)\n' + check) == 1


LOCAL_IMPORTS = """import os


def serve(address):
    import socket

    return socket.create_server(address)


def probe(host):
    import socket

    return socket.gethostbyname(host)


def fixture():
    return '''
    def inner():
        import socket
    '''
"""


def test_an_import_moved_to_the_modules_top_is_deleted_from_the_other_functions() -> None:
    top = LOCAL_IMPORTS.replace("import os\n", "import os\nimport socket\n")
    for before, after in (
        (LOCAL_IMPORTS, top),  # added at the top first
        (
            top,
            top.replace(
                "    import socket\n\n    return socket.create", "    return socket.create"
            ),
        ),
    ):
        content, found = _ask(before, after, "python")
        expected = content.replace("    import socket\n\n    return", "    return")
        assert _applied(content, found) == expected  # not the one in a string


def test_a_local_import_deleted_with_no_import_at_the_top_is_not_followed() -> None:
    after = LOCAL_IMPORTS.replace(
        "    import socket\n\n    return socket.create", "    return socket.create"
    )
    assert _ask(LOCAL_IMPORTS, after, "python")[1] == []


TRAILING = """export function log(
  message: string,
  level: number
): void {
  write(
    format(message),
    level
  );
  if (
    level > 2 &&
    message
  ) {
    const pair = (
      level
    );
    emit(message, [
      level, 2
    ]);
  }
}
"""


def test_a_trailing_comma_put_before_a_closing_bracket_goes_to_the_other_argument_lists() -> None:
    after = TRAILING.replace(
        "    format(message),\n    level\n", "    format(message),\n    level,\n"
    )
    content, found = _ask(TRAILING, after, "typescript")
    # the parameters; not a condition, a parenthesized value, nor a line of several items
    assert [c.span.start_line for c in found] == [3]
    assert _applied(content, found) == after.replace("  level: number\n", "  level: number,\n")


def test_a_trailing_comma_after_a_literals_last_item_goes_to_the_other_literals() -> None:
    js = (
        "const options = {\n  stdout: true,\n  stderr: false\n};\n"
        "const list = [\n  'a',\n  'b'\n];\n"
        "function f({a, b}) {\n  if (a) {\n    g(a)\n  }\n  switch (b) {\n    case 1: {\n"
        "      h(b)\n    }\n  }\n  return {\n    c: b\n  };\n}\n"
        "function g({\n  a,\n  ...rest\n}) {\n  return a\n}\n"
        "call(\n  first,\n  second\n);\n"
    )
    after = js.replace("stderr: false\n", "stderr: false,\n", 1)
    content, found = _ask(js, after, "javascript")
    # the other lists' and objects' last items (a returned object too): not a block's last
    # statement, a destructuring's rest element, nor a call's arguments (the call's rule)
    expected = after.replace("  'b'\n", "  'b',\n").replace("    c: b\n", "    c: b,\n")
    assert _applied(content, found) == expected
    # a module's exported object (`export default {`) is an object too
    ts = 'export default {\n  colors: {\n    text: "base"\n  },\n  array: ["b"]\n};\n'
    after = ts.replace('"base"\n', '"base",\n', 1)
    content, found = _ask(ts, after, "typescript")
    assert _applied(content, found) == after.replace('["b"]\n', '["b"],\n')
    # a Python dict's last entry: the other dict's
    py = (
        'CASES = {\n    "prima donna": "prima donnas",\n    "prima DONNA": "prima DONNAS"\n}\n'
        'OTHER = {\n    "prima donna": "prime donne",\n    "prima DONNA": "prime DONNE"\n}\n'
    )
    after = py.replace('"prima DONNAS"\n', '"prima DONNAS",\n', 1)
    content, found = _ask(py, after, "python")
    assert _applied(content, found) == after.replace('"prime DONNE"\n', '"prime DONNE",\n')
    # not a block whose brace stands on a line of its own, a JSX attribute's value, a rest
    # element typed, a method body around a string's bracket, a line ending in a comment
    js = (
        "const o = {\n  a: 1,\n  b: 2\n};\n"
        "function f(a)\n{\n  g(a)\n}\n"
        "const el = <div\n  className={\n    on ? 'a' : 'b'\n  }\n/>;\n"
        "function C({\n  a,\n  ...props\n}: Props) {\n  return a\n}\n"
        "const h = {\n  close(c) {\n    if (c === '}') return\n    go(c)\n  }\n};\n"
        "const xs = [\n  1,\n  2  // two\n];\n"
    )
    after = js.replace("  b: 2\n", "  b: 2,\n", 1)
    assert _ask(js, after, "typescript")[1] == []
    # a comprehension, a parenthesized value (a comma would make it a tuple)
    py = (
        'D = {\n    "a": 1,\n    "b": 2\n}\nsq = [\n    x * x\n    for x in xs\n]\n'
        "v = cache or (\n    load()\n)\nassert (\n    a == b\n), 'message'\n"
        "r = compute(\n    first,\n    second\n)\n"
    )
    after = py.replace('"b": 2\n', '"b": 2,\n', 1)
    assert _ask(py, after, "python")[1] == []
    after = py.replace("    second\n", "    second,\n", 1)
    assert [c.edit for c in _ask(py, after, "python")[1] if c.edit and c.edit.text == ","] == []
    # JSON takes no trailing comma
    data = '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {\n    "c": 1\n  }\n}\n'
    assert _ask(data, data.replace("    2\n", "    2,\n", 1), "json")[1] == []


_SIGNATURE = "size: int, suffixes: Iterable[str], base: int, precision: int = 1, sep: str = ' '"
_FORMATTED = "(base * size / unit), suffix, precision=precision, sep=sep"
_UNITS = "size, ('kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'), 1000, precision=precision"
LONG_LINES = (
    f"def _to_str({_SIGNATURE}):\n"
    f"    return '{{:,.{{precision}}f}}{{sep}}{{}}'.format({_FORMATTED})\n"
    "\n"
    "\n"
    "def decimal(size: int, *, precision: int = 1, separator: str = ' ') -> str:\n"
    "    # a long comment, it too holds a list (of words, of clauses): it is prose, never "
    "wrapped\n"
    f"    return _to_str({_UNITS})\n"
    "    message = 'a long string that says it all, and it goes on, and on, without any "
    "list in it'\n"
)


def test_a_long_line_wrapped_one_item_a_line_has_the_other_long_lines_wrapped_alike() -> None:
    def each(items: str, indent: str) -> str:
        return "".join(f"\n{indent}    {item.strip()}," for item in items.split(", ")) + "\n"

    wrapped = f"def _to_str({each(_SIGNATURE, '')}):\n"
    after = LONG_LINES.replace(f"def _to_str({_SIGNATURE}):\n", wrapped)
    found = _ask_in_one(LONG_LINES, after, "python")
    # each line as long with a list, at its longest list (the call's, not the one inside
    # it); not a shorter line, a comment, or a string
    units = "size, ('kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'), 1000, precision=precision"
    assert _applied(after, found) == after.replace(
        f".format({_FORMATTED})", f".format({each(_FORMATTED, '    ')}    )"
    ).replace(
        f"_to_str({units})",
        "_to_str(\n        size,\n        ('kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'),\n"
        "        1000,\n        precision=precision,\n    )",
    )


def test_a_long_line_wrapped_on_one_line_inside_its_brackets_is_followed_alike() -> None:
    wrapped = '"dir1/dir2/hello.txt stat told invalid size: expected %d, got %d", n, stat.Size()'
    alike = '"Items count mismatch, expected %d, got %d", len(expectedItemsList), len(items)'
    go = (
        f'func f() {{\n\tt.Errorf({wrapped})\n\tt.Errorf({alike})\n\tt.Errorf("short: %d", n)\n}}\n'
    )
    after = go.replace(f"({wrapped})", f"(\n\t\t{wrapped},\n\t)")
    found = _ask_in_one(go, after, "go")
    assert _applied(after, found) == after.replace(f"({alike})", f"(\n\t\t{alike},\n\t)")
    # not a list in a comment, a string or a regular expression, no comma after a rest element
    text = (
        f"func g() {{\n\tt.Errorf({wrapped})\n"
        "\t// seconds, as the spec says (RFC 7230, section 6.5, and the proxy's own docs here)\n"
        '\tq := "INSERT INTO events (id, name, created_at, updated_at, payload, source, kind)"\n'
        "}\n"
    )
    assert _ask(text, text.replace(f"({wrapped})", f"(\n\t\t{wrapped},\n\t)"), "go")[1] == []
    js = (
        "async function send(client, method, url, headers, body) {\n"
        "  const result = await client.request(method, url, headers, body, timeoutMillis, "
        "retries);\n"
        "  const { data, status, statusText, headers: responseHeaders, ...rest } = "
        "await client.get(url);\n"
        "  const DATE = /^\\d{4}-\\d{1,2}-\\d{1,2}T\\d{1,2}:\\d{1,2}:\\d{1,2}"
        "(?:Z|[+-]\\d{2}:\\d{2})?$/;\n"
        "}\n"
    )
    items = "method, url, headers, body, timeoutMillis, retries"
    spread = "".join(f"\n    {item}," for item in items.split(", "))
    after_js = js.replace(f"({items})", f"({spread}\n  )")
    content, found = _ask(js, after_js, "javascript")
    assert _applied(content, found) == after_js.replace(
        "{ data, status, statusText, headers: responseHeaders, ...rest }",
        "{\n    data,\n    status,\n    statusText,\n    headers: responseHeaders,\n"
        "    ...rest\n  }",
    )
    # a short line wrapped is its own layout (the lines like it are the model's to read)
    short = go.replace('("short: %d", n)', '(\n\t\t"short: %d",\n\t\tn,\n\t)')
    assert [c.edit for c in _ask_in_one(go, short, "go") if c.edit is not None] == []


def test_a_trailing_comma_is_not_put_where_it_makes_a_tuple_or_breaks_the_code() -> None:
    py = (
        "result = compute(\n    first_value,\n    second_value\n)\n"
        "total = sum(\n    x * x for x in range(10)\n)\n"
        "value = data[\n    key_name\n]\n"
        "assert(\n    value is not None\n)\n"
        "raise (\n    ValueError('x')\n)\n"
        "if x > (\n    y\n):\n    pass\n"
        "print(\n    x  # note\n)\n"
        "keep(\n    y\n)\n"
    )
    after = py.replace("    second_value\n", "    second_value,\n", 1)
    content, found = _ask(py, after, "python")
    # a generator argument, an index, an asserted, raised or compared value, a line ending in
    # a comment: none; a call's last argument: its comma
    assert _applied(content, found) == after.replace("    y\n)\n", "    y,\n)\n")
    js = (
        "const result = compute(\n  firstValue,\n  secondValue\n);\n"
        "const list = items.map((x) => (\n  <li key={x}>{x}</li>\n));\n"
        "cache.delete(\n  someKey\n);\n"
    )
    after = js.replace("  secondValue\n", "  secondValue,\n", 1)
    content, found = _ask(js, after, "javascript")
    # not an arrow function's parenthesized body; a method named as a keyword is a call
    assert _applied(content, found) == after.replace("  someKey\n", "  someKey,\n")


def test_a_trailing_comma_goes_after_a_spread_argument_not_a_rest_parameter() -> None:
    code = (
        "export function log(\n  level: number,\n  message: string\n): void {\n"
        "  emit(\n    level,\n    ...parts\n  );\n}\n\n"
        "export function format(\n  template: string,\n  ...values: unknown[]\n): string {\n"
        "  const [\n    first,\n    ...rest\n  ] = values;\n"
        "  return render(template, first, rest);\n}\n"
    )
    after = code.replace("  message: string\n", "  message: string,\n")
    content, found = _ask(code, after, "typescript")
    # a rest parameter or element with a trailing comma does not compile (TS1013)
    assert _applied(content, found) == after.replace("    ...parts\n", "    ...parts,\n")


def test_a_trailing_comma_goes_after_a_typescript_type_s_last_parameter() -> None:
    code = (
        "export type Merger = <T>(\n  object: T,\n  namespace: string\n) => any;\n\n"
        "export type MergeObjects<\n  Destination extends Input,\n  Defaults extends Input\n"
        "> = Destination extends Defaults ? Destination : never;\n\n"
        "const more = (\n  count\n  > limit\n);\n"
    )
    after = code.replace("  namespace: string\n", "  namespace: string,\n")
    content, found = _ask(code, after, "typescript")
    # not before a comparison's `>`
    assert _applied(content, found) == after.replace(
        "  Defaults extends Input\n", "  Defaults extends Input,\n"
    )


def test_a_trailing_comma_goes_after_a_generic_function_type_s_last_parameter() -> None:
    code = (
        "export interface Input<V extends string> {\n"
        "  atLeast: <\n    N extends number,\n  >(\n    number: N\n  ) => Input<V>\n"
        "  between: <\n    Min extends number,\n    Max extends number,\n  >(\n"
        "    min: Min,\n    max: Max\n  ) => Input<V>\n"
        "  as: <K extends string>(\n    key: K\n  ) => Input<V>\n"
        "}\n"
    )
    after = code.replace("    number: N\n", "    number: N,\n")
    content, found = _ask(code, after, "typescript")
    # `>(` alone on its line closes the type parameters: no comparison `x > (`
    assert _applied(content, found) == after.replace("    max: Max\n", "    max: Max,\n").replace(
        "    key: K\n", "    key: K,\n"
    )
    # but a comparison over lines, or JSX's text, is no generic function's
    py = "def f(a, b):\n    g(\n        a\n    )\n    return (\n        a\n        >(\n"
    py += "            b\n        )\n    )\n"
    assert _ask(py, py.replace("        a\n    )", "        a,\n    )"), "python")[1] == []
    tsx = 'const a = f(\n  x\n);\nconst b = (\n  <small\n    className="muted"\n  >(\n'
    tsx += "    {n}\n  )</small>\n);\n"
    assert _ask(tsx, tsx.replace("  x\n);", "  x,\n);"), "typescript")[1] == []


def test_a_trailing_comma_goes_after_a_python_star_parameter_not_after_a_comment() -> None:
    code = (
        "def handle(\n"
        "    self,\n"
        "    error\n"
        ") -> None:\n"
        "    pass\n\n\n"
        "def parse(\n"
        "    req,\n"
        "    **kwargs\n"
        ") -> None:\n"
        "    pass\n\n\n"
        "def load(\n"
        "    req,\n"
        "    # more to come\n"
        ") -> None:\n"
        "    pass\n"
    )
    after = code.replace("    error\n", "    error,\n")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("**kwargs\n", "**kwargs,\n")


COMPILING = """class Connection:
    async def fetch_all(self, query):
        query, args = self._compile(query)
        rows = await self._connection.fetch(query, *args)
        return rows
"""


def test_a_new_name_for_what_a_statement_makes_from_the_old_renames_only_the_uses_after() -> None:
    after = COMPILING.replace("query, args =", "query_str, args =")
    content, found = _ask(COMPILING, after, "python")
    # `self._compile(query)` still reads the parameter: it keeps its name
    assert _applied(content, found) == after.replace("fetch(query,", "fetch(query_str,")
    after = after.replace("fetch(query,", "fetch(query_str,")
    found = _ask_in_one(COMPILING, after, "python")
    assert all(c.span.start_line != 2 for c in found)


def test_an_argument_added_as_a_formatter_wraps_the_call_goes_to_the_like_calls() -> None:
    code = (
        "def simple_classes(draw):\n"
        "    attrs = draw(list_of_attrs)\n"
        '    return make_class("HypClass", dict(zip(gen_attr_names(), attrs)))\n\n\n'
        "def nested_classes(draw, attrs):\n"
        "    cls_dict = dict(zip(gen_attr_names(), attrs))\n"
        '    return make_class("NestedClass", cls_dict, frozen=True)\n'
    )
    after = code.replace(
        '    return make_class("HypClass", dict(zip(gen_attr_names(), attrs)))\n',
        "    return make_class(\n"
        '        "HypClass", dict(zip(gen_attr_names(), attrs, strict=False))\n'
        "    )\n",
    )
    found = _ask_in_one(code, after, "python")
    # the argument given to `zip`, not the outer call changed: `make_class`'s other call
    assert _applied(after, found) == after.replace("attrs))\n", "attrs, strict=False))\n")


def test_the_rest_of_a_rename_is_not_taken_for_a_use_switched_in_a_repeated_line() -> None:
    code = (
        "def send(fd):\n"
        "    try:\n"
        "        write(fd)\n"
        "    except OSError as e:\n"
        "        if e.errno == errno.EBADF:\n"
        "            raise ClosedError from None\n"
        "        raise BrokenError from e\n\n\n"
        "def receive(fd):\n"
        "    try:\n"
        "        read(fd)\n"
        "    except OSError as e:\n"
        "        if e.errno == errno.EBADF:\n"
        "            raise ClosedError from None\n"
        "        raise BrokenError from e\n"
    )
    renamed = code.replace(
        "except OSError as e:\n        if e.errno", "except OSError as exc:\n        if exc.errno"
    )
    after = renamed.replace("as exc", "as e", 1).replace("if exc", "if e", 1)  # receive's only
    history = diff_edits(code, after)  # `as e` made `as exc`, then `if e` made `if exc`
    found = find_candidates(after, "python", history, _end_of(history[-1]))
    # the binding renamed, its use left in the same handler; not send's handler's `e`
    assert _applied(after, found) == after.replace("from e\n", "from exc\n").replace(
        "        raise BrokenError from exc\n\n\n", "        raise BrokenError from e\n\n\n"
    )


def test_an_expression_wrapped_in_a_call_is_not_wrapped_where_it_is_assigned_to() -> None:
    code = (
        "class ForbiddenExtraKeysError(Exception):\n"
        "    def __init__(self, message, extra_fields):\n"
        "        self.extra_fields = extra_fields\n"
        "        self.extra_fields += ()\n"
        "        super().__init__(message)\n\n"
        "    def __str__(self):\n"
        '        return f"extra fields: {self.extra_fields}"\n\n'
        "    def fields(self):\n"
        "        return list(self.extra_fields)\n"
    )
    after = code.replace("{self.extra_fields}", "{sorted(self.extra_fields)}")
    content, found = _ask(code, after, "python")
    # `sorted(self.extra_fields) = extra_fields` would not run
    assert _applied(content, found) == after.replace(
        "list(self.extra_fields)", "list(sorted(self.extra_fields))"
    )


def test_a_name_imported_from_another_module_is_taken_out_of_the_old_import() -> None:
    code = (
        "from __future__ import annotations\n\n"
        "import sys\n"
        "from typing import Any, Sequence, cast\n"
        "from typing import (\n    Callable,\n    Mapping,\n    TextIO,\n)\n"
        "from typing import Generator\n"
        "from typing import Iterable\n"
        "from typing import NoReturn\n\n\n"
        "def f(x: Sequence[Any]) -> None: ...\n"
    )
    moved = "from collections.abc import Callable, Generator, Iterable, Mapping, Sequence\n"
    after = code.replace("\n\nimport sys\n", "\n" + moved + "\nimport sys\n")
    content, found = _ask(code, after, "python")
    # one edit a place: the names of one statement, the statements on adjacent lines
    assert len(found) == 3
    assert _applied(content, found) == (
        after.replace("Any, Sequence, cast", "Any, cast")
        .replace("    Callable,\n    Mapping,\n", "")
        .replace("from typing import Generator\nfrom typing import Iterable\n", "")
    )
    # a name put in an import's list counts as one imported
    code = "from collections.abc import Mapping\nfrom typing import Any, Iterator\n"
    after = code.replace("Mapping", "Iterator, Mapping")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("Any, Iterator", "Any")
    # an import inside a block (`if TYPE_CHECKING:`, a function) is that block's own
    code = "import sys\n\nif sys.version_info < (3, 11):\n    from typing_extensions import Self\n"
    after = code.replace("import sys\n", "import sys\nfrom typing import Self\n")
    assert not _ask(code, after, "python")[1]
    code = "from typing import Self\n\n\ndef f():\n    return 1\n"
    after = code.replace("    return 1", "    from typing_extensions import Self\n    return 1")
    assert not _ask(code, after, "python")[1]


def test_a_name_imported_from_another_module_in_typescript() -> None:
    code = (
        "import { Guard, type TSchema } from './guard.ts'\n"
        "import { Stack } from './stack.ts'\n"
        "import Default, { Memory } from './memory.ts'\n\n"
        "export function f(s: TSchema): Stack { return Guard(Default, Memory, s) }\n"
    )
    moved = "import { Memory, Stack, type TSchema } from './types.ts'\n"
    after = code.replace("\n\n", "\n" + moved + "\n")
    content, found = _ask(code, after, "typescript")
    # the whole statement when nothing is left in it; a default import stays with its list
    assert _applied(content, found) == after.replace(
        "{ Guard, type TSchema }", "{ Guard }"
    ).replace("import { Stack } from './stack.ts'\n", "")


def test_a_piece_of_a_line_replaced_by_lines_is_so_where_it_stands_again() -> None:
    # a fixture parameter made a local: in each test that took it, the body's lines indented
    code = (
        "async def test_a(event_loop: asyncio.AbstractEventLoop) -> None:\n"
        "    await run(event_loop)\n\n\n"
        "class TestB:\n"
        "    async def test_b(self, event_loop: asyncio.AbstractEventLoop) -> None:\n"
        "        await run(event_loop)\n\n\n"
        "# def test_c(event_loop: asyncio.AbstractEventLoop) -> None:\n"
    )
    local = "event_loop: asyncio.AbstractEventLoop = asyncio.get_running_loop()"
    after = code.replace(
        "test_a(event_loop: asyncio.AbstractEventLoop) -> None:\n",
        f"test_a() -> None:\n    {local}\n",
    )
    content, found = _ask(code, after, "python")
    # not in the comment that quotes it; the method's list keeps `self`, without a comma
    assert _applied(content, found) == after.replace(
        "test_b(self, event_loop: asyncio.AbstractEventLoop) -> None:\n",
        f"test_b(self) -> None:\n        {local}\n",
    )
    # a short piece, or one of prose, stands in too many places to follow
    code = "def f(x: int) -> None:\n    pass\n\n\ndef g(x: int) -> None:\n    pass\n"
    after = code.replace("f(x: int) -> None:\n", "f() -> None:\n    x = 1\n")
    assert not _ask(code, after, "python")[1]


MOVED = "from collections.abc import Sequence\n\n"


@pytest.mark.parametrize(
    ("code", "after"),
    [
        # a statement read only in part: continued with `\`, another after `;`, a `)` in a comment
        (
            "import os\n\nfrom typing import Sequence, \\\n    Mapping\n",
            MOVED + "import os\n\nfrom typing import Sequence, \\\n    Mapping\n",
        ),
        (
            "import os\n\nfrom typing import Sequence; import re\n",
            MOVED + "import os\n\nfrom typing import Sequence; import re\n",
        ),
        (
            "import os\n\nfrom typing import (\n    Sequence,  # see (PEP 585)\n    Mapping,\n)\n",
            MOVED + "import os\n\nfrom typing import (\n"
            "    Sequence,  # see (PEP 585)\n    Mapping,\n)\n",
        ),
        # an import reflowed imports nothing new: the other binding of its name stays
        (
            "from json import dumps, loads\nimport os\n\nfrom orjson import loads\n",
            "from json import (\n    dumps,\n    loads,\n)\nimport os\n\n"
            "from orjson import loads\n",
        ),
    ],
    ids=["continued", "semicolon", "comment", "reflowed"],
)
def test_an_import_not_read_whole_or_not_new_is_left_alone(code: str, after: str) -> None:
    _, found = _ask(code, after, "python")
    assert not [c for c in found if c.edit is not None and not c.edit.text]


def test_a_piece_repeated_only_on_lines_that_begin_alike() -> None:
    # a wrapped header's continuation line, a docstring quoting the header: not changed
    code = (
        "def test_a(event_loop: asyncio.AbstractEventLoop) -> None:\n    pass\n\n\n"
        "def test_b(client: object,\n           event_loop: asyncio.AbstractEventLoop) -> None:\n"
        "    pass\n\n\n"
        'def test_c():\n    """def test_x(event_loop: asyncio.AbstractEventLoop) -> None:"""\n'
    )
    after = code.replace(
        "test_a(event_loop: asyncio.AbstractEventLoop) -> None:\n",
        "test_a() -> None:\n    event_loop = asyncio.new_event_loop()\n",
    )
    assert not _ask(code, after, "python")[1]


def test_a_statement_rewritten_is_not_rewritten_inside_an_expression() -> None:
    code = "function stop(a, b) {\n  a.close();\n  const ok = b.close();\n  b.close();\n}\n"
    after = code.replace("  a.close();", "  void a.shutdown();")
    content, found = _ask(code, after, "javascript")
    # the statement's start is kept as an anchor where text follows it (`;`, a comment)
    assert _applied(content, found) == after.replace("  b.close();\n}", "  void b.shutdown();\n}")


def test_a_string_rewritten_is_not_made_a_target_nor_left_with_its_prefix() -> None:
    code = (
        "import os\n\nhome = os.environ['HOME']\nos.environ['DEBUG'] = '1'\n"
        "del os.environ['TMP']\nuser = os.environ['USER']\n"
    )
    after = code.replace("home = os.environ['HOME']", "home = os.getenv('HOME')")
    content, found = _ask(code, after, "python")
    # a call is no target of an assignment or a `del`
    assert _applied(content, found) == after.replace("os.environ['USER']", "os.getenv('USER')")
    code = "def headers(req, a, b):\n    x = req.headers[f'x-{a}']\n    y = req.headers[f'y-{b}']\n"
    after = code.replace("req.headers[f'x-{a}']", "req.header(f'x-{a}')")
    content, found = _ask(code, after, "python")
    # a prefixed string is no hole: the other is not given the user's string
    assert _applied(content, found).count("f'x-{a}'") == 1


@pytest.mark.parametrize(
    ("code", "old", "new", "language"),
    [
        (  # taken from the middle: the arguments after it would shift into its place
            "def draw(canvas, color, width):\n    canvas.line(0, 0, color, width)\n",
            "canvas, color, width",
            "canvas, width",
            "python",
        ),
        (  # given a value of its own in the body
            "def fetch(url, timeout):\n    timeout = settings.TIMEOUT\n"
            "    return get(url, timeout=timeout)\n",
            "url, timeout)",
            "url)",
            "python",
        ),
        (  # a nested function's own parameter
            "def fetch(url, timeout):\n    def attempt(url, timeout):\n"
            "        return get(url, timeout=timeout)\n    return attempt(url, 3)\n",
            "fetch(url, timeout)",
            "fetch(url)",
            "python",
        ),
        (  # a tuple, not a call
            "def pair(url, timeout):\n    return (url, timeout)\n",
            "pair(url, timeout)",
            "pair(url)",
            "python",
        ),
        (  # an arrow's and a method's parameters, not a call's arguments
            "function make(data, callback) {\n  const run = async (data, callback) => 1;\n"
            "  return { handle(data, callback) { return 2; } };\n}\n",
            "make(data, callback)",
            "make(data)",
            "javascript",
        ),
        (  # a nested function's parameters over several lines
            "def fetch(url, timeout):\n    def attempt(\n        url,\n        timeout,\n    ):\n"
            "        return get(url, timeout=timeout)\n    return attempt(url, 3)\n",
            "fetch(url, timeout)",
            "fetch(url)",
            "python",
        ),
        (  # typed parameters of an arrow and a method
            "function make(data: string, callback: Cb) {\n"
            "  const run = (data: string, callback: Cb): void => helper(data, callback);\n"
            "  return {\n    handle(data: string, callback: Cb): void {\n"
            "      helper(data, callback);\n    },\n  };\n}\n",
            "make(data: string, callback: Cb)",
            "make(data: string)",
            "typescript",
        ),
        (  # bound by `with`, `except`, `:=` and Go's `:=` among others
            "def load(path, f, err, timeout):\n    with open(path) as f:\n        parse(path, f)\n"
            "    try:\n        pass\n    except OSError as err:\n        report(path, err)\n"
            "    if (timeout := cfg.timeout):\n        fetch(path, timeout)\n",
            "load(path, f, err, timeout)",
            "load(path)",
            "python",
        ),
        (  # another function's call in the same places: its own parameters, not these
            "def save(path, data, mode):\n    write(path, data, mode)\n",
            "save(path, data, mode)",
            "save(path, mode)",
            "python",
        ),
        (  # an `else`'s tuple
            "def pair(url, fast, timeout):\n    return (url, None) if fast else (url, timeout)\n",
            "fast, timeout)",
            "fast)",
            "python",
        ),
    ],
    ids=[
        "middle",
        "rebound",
        "nested",
        "tuple",
        "definitions",
        "nested over lines",
        "typed definitions",
        "with except walrus",
        "another function",
        "else",
    ],
)
def test_a_parameter_taken_out_is_left_where_it_is_not_handed_on(
    code: str, old: str, new: str, language: str
) -> None:
    after = code.replace(old, new, 1)
    _, found = _ask(code, after, language)
    assert not [c for c in found if c.kind == SIGNATURE and c.edit is not None]


def test_an_item_added_to_a_list_goes_into_the_other_in_its_layout() -> None:
    code = (
        "NAMES = [alpha, beta, gamma]\n\n"
        "def table():\n    return [\n        alpha,\n        beta,\n        gamma\n    ]\n"
    )
    after = code.replace("[alpha, beta, gamma]", "[alpha, beta, gamma, delta]")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "        gamma\n", "        gamma,\n        delta\n"
    )


def test_a_string_rewritten_in_an_argument_on_its_own_line_is_rewritten_anywhere() -> None:
    code = (
        "config = load(\n    os.environ['HOME'],\n    strict=True,\n)\n"
        "user = os.environ['USER']\nshell = os.environ['SHELL']\n"
        "def fetch(url: str, cfg: Optional[Config] = None):\n    pass\n"
    )
    after = code.replace("os.environ['HOME']", "os.getenv('HOME')")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("os.environ[", "os.getenv(").replace(
        "'USER']", "'USER')"
    ).replace("'SHELL']", "'SHELL')")
    # an annotation's type before its default is no assignment's target
    code = (
        "def fetch(url: str, cfg: Optional[Config] = None):\n    pass\n\n\n"
        "def send(url: str, session: Optional[Session] = None):\n    pass\n"
    )
    after = code.replace("cfg: Optional[Config]", "cfg: Config | None")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("Optional[Session]", "Session | None")
    # a JavaScript `delete` is a target
    code = "const a = req.headers['x-home'];\ndelete req.headers['x-shell'];\n"
    after = code.replace("req.headers['x-home']", "req.get('x-home')")
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == after


MATCHES = """t.test('windows paths', t => {
  t.equal(mw1.match('C:/../secret'), false)
  t.equal(mw2.match('C:/../secret'), false)
  // unix reads the drive letter as a name
  t.equal(mu1.match('C:/../secret'), true)
  t.end()
})
"""


def test_a_line_copied_with_one_piece_changed_is_copied_so_under_its_likes() -> None:
    line = "  t.equal(mw1.match('C:/../secret'), false)\n"
    copy = line.replace("'C:/", "'//?/C:/")
    content, found = _ask(MATCHES, MATCHES.replace(line, line + copy), "typescript")
    assert {c.kind for c in found} == {SIMILAR}
    copied = MATCHES
    for name, value in (("mw1", "false"), ("mw2", "false"), ("mu1", "true")):
        each = f"  t.equal({name}.match('C:/../secret'), {value})\n"
        copied = copied.replace(each, each + each.replace("'C:/", "'//?/C:/"))
    assert _applied(content, found) == copied
    # put above the line it copies: above its likes; and not where the copy stands already
    done = MATCHES.replace("  t.equal(mu1.match('C:/../secret'), true)\n", "")
    content, found = _ask(done, done.replace(line, copy + line), "typescript")
    twice = done.replace(
        "  t.equal(mw2", "  t.equal(mw2.match('//?/C:/../secret'), false)\n  t.equal(mw2"
    )
    assert _applied(content, found) == twice.replace(line, copy + line)
    content, found = _ask(twice, twice.replace(line, copy + line), "typescript")
    assert not [c for c in found if c.edit is not None]


def test_a_line_copied_with_a_change_stays_in_its_own_block() -> None:
    # the same case added for another function far off (another group of tests) is that
    # group's own: one more case in the user's block only
    filler = "".join(f"    check_{n}()\n" for n in range(45))
    code = (
        "def test_lookup():\n    assert mimetypes.lookup({}) is False\n"
        "    assert mimetypes.charset({}) is False\n\n\n"
        f"def test_many():\n{filler}\n\n"
        "def test_extension():\n    assert mimetypes.extension({}) is False\n"
    )
    line = "    assert mimetypes.lookup({}) is False\n"
    after = code.replace(line, line + line.replace("{}", "''"))
    content, found = _ask(code, after, "python")
    near = "    assert mimetypes.charset({}) is False\n"
    assert _applied(content, found) == after.replace(near, near + near.replace("{}", "''"))
    # two pieces changed (another function and another value): a new case, no copy
    other = "    assert mimetypes.types('') is False\n"
    content, found = _ask(code, code.replace(line, line + other), "python")
    assert not [c for c in found if c.edit is not None]


CACHES = """def lfu_cache(maxsize=128):
    if maxsize is None:
        return _cache(_UnboundCache(), typed)
    else:
        return _cache(LFUCache(maxsize), typed)


def lru_cache(maxsize=128):
    if maxsize is None:
        return _cache(_UnboundCache(), typed)
    else:
        return _cache(LRUCache(maxsize), typed)
"""


def test_a_branch_put_in_beside_a_line_goes_where_that_line_stands_though_its_body_is_like_it() -> (
    None
):
    # the branch's body reads like the line above it, its header does not: no list's entry
    branch = "    elif callable(maxsize):\n        return _cache(LFUCache(128), typed)(maxsize)\n"
    at = "        return _cache(_UnboundCache(), typed)\n"
    content, found = _ask(CACHES, CACHES.replace(at, at + branch, 1), "python")
    assert _applied(content, found) == CACHES.replace(at, at + branch)
    # one more line like it: an entry of that place only
    entry = "        return _cache(_UnboundCache(), typed, maxsize)\n"
    content, found = _ask(CACHES, CACHES.replace(at, at + entry, 1), "python")
    assert not [c for c in found if c.edit is not None]


def test_a_copied_line_s_piece_is_a_run_of_whole_tokens_standing_once() -> None:
    code = (
        "def test_parse():\n    assert parse(1, strict=True) is ok\n"
        "    assert load(1, strict=True) is ok\n    assert load(2, strict=True) is ok  # 1\n"
        '    assert load("1", strict=True) is ok\n'
    )
    line = "    assert parse(1, strict=True) is ok\n"
    copy = line.replace("(1", "(7")
    content, found = _ask(code, code.replace(line, line + copy), "python")
    # not in the string "1", nor where the comment names 1 too: the one like line
    near = "    assert load(1, strict=True) is ok\n"
    assert _applied(content, found) == content.replace(near, near + near.replace("(1", "(7"))
    # a piece the copied line holds twice has no one place: the user's `1` or the other
    code = "def test_f():\n    eq(f(1), 1)\n    eq(g(0), 1)\n    eq(h(0), 1)\n"
    after = code.replace("    eq(f(1), 1)\n", "    eq(f(1), 1)\n    eq(f(2), 1)\n")
    assert not [c for c in _ask(code, after, "python")[1] if c.edit is not None]
    # a like line last in a file without a final newline: nothing below it to copy before
    code = "def test_sizes():\n    got = check(x, 10, True)\n    got = check(w, 20, True)\n"
    code += "    got = check(x, 30, True)"
    first = "    got = check(x, 10, True)\n"
    content, found = _ask(code, code.replace(first, first + first.replace("x", "y")), "python")
    assert not [c for c in found if c.edit is not None]


def test_an_entry_put_in_with_a_comment_stays_in_its_own_list() -> None:
    table = '\tcases := []tc{\n\t\t{name: "plain", input: "abc", want: 3},\n\t}\n'
    code = (
        f"func TestA(t *testing.T) {{\n{table}\trun(t, cases)\n}}\n\n"
        f"func TestB(t *testing.T) {{\n{table}\trun(t, cases)\n}}\n"
    )
    entry = '\t\t{name: "plain", input: "abc", want: 3},\n'
    more = '\t\t// unicode counts runes\n\t\t{name: "unicode", input: "äbc", want: 3},\n'
    found = _ask(code, code.replace(entry, entry + more, 1), "go")[1]
    assert not [c for c in found if c.edit is not None]


def test_a_function_renamed_with_the_method_it_hands_on_to_renames_the_method() -> None:
    before = """package termenv

// Notification triggers a notification.
func Notification(title, body string) {
\toutput.Notification(title, body)
}

// Notification triggers a notification.
func (o *Output) Notification(title, body string) {
\to.write(title + body)
}
"""
    after = before.replace("func Notification(", "func Notify(").replace(
        "output.Notification(", "output.Notify("
    )
    found = _ask_in_one(before, after, "go")
    assert _applied(after, found) == after.replace(") Notification(", ") Notify(")
    # the function alone renamed: the method is another thing, left as it is
    alone = before.replace("func Notification(", "func Notify(")
    assert not [c for c in _ask_in_one(before, alone, "go") if c.span.start_line == 9]


def test_a_parameter_marked_unused_is_marked_so_where_its_function_does_not_use_it() -> None:
    before = """describe('files', () => {
  it('renders with a callback', done => {
    function cb (err: Error | null, res?: string) {
      expect(res).toBe('Hi')
      done()
    }
    render(path, cb)
  })

  it('renders again', async () => {
    render(path, function (err, res) {
      expect(res).toEqual('Hi')
    })
  })

  it('reports', async () => {
    render(path, function (err, res) {
      expect(err).toBeNull()
    })
  })
})
"""
    after = before.replace("function cb (err", "function cb (_err")
    _, found = _ask(before, after, "typescript")
    assert [(c.span.start_line, c.edit and c.edit.text) for c in found] == [(11, "_err")]
    # renamed where its own function still uses it: a rename there, no mark elsewhere
    used = before.replace("expect(res).toBe('Hi')", "expect(err).toBe(null)")
    _, found = _ask(used, used.replace("function cb (err", "function cb (_err"), "typescript")
    assert [c.span.start_line for c in found] == [4]


def test_a_class_member_renamed_to_the_name_of_the_class_it_holds_is_renamed_in_its_uses() -> None:
    before = """class BasicLexer:
    pass


class ContextualLexer:
    basic_lexer: type = BasicLexer

    def __init__(self, conf):
        self.root = self.basic_lexer(conf)
        self.other = self.basic_lexer(conf)
"""
    after = before.replace("basic_lexer: type", "BasicLexer: type")
    _, found = _ask(before, after, "python")
    assert _applied(after, found) == after.replace("self.basic_lexer", "self.BasicLexer")


def test_a_return_type_changed_is_changed_so_in_the_headers_that_return_the_same() -> None:
    before = """class Loader:
    def find(self, name: str) -> Tuple[IO[Any], str]:
        raise NotImplementedError


class FilesystemLoader(Loader):
    def find(self, name: str) -> Tuple[IO[Any], str]:
        return open(name), name

    def load(self, name: str) -> Collection:
        return Collection(name)
"""
    after = before.replace("IO[Any]", "IO", 1)
    _, found = _ask(before, after, "python")
    assert _applied(after, found) == before.replace("IO[Any]", "IO")
    # a return type given where there was none is no change to repeat in the headers that
    # have none (the one-place commits that type one function)
    untyped = before.replace(") -> Tuple[IO[Any], str]:", "):")
    typed = untyped.replace("def find(self, name: str):", "def find(self, name: str) -> int:", 1)
    _, found = _ask(untyped, typed, "python")
    assert [c for c in found if c.edit is not None and "int" in c.edit.text] == []


def test_a_name_renamed_first_in_its_comment_is_renamed_in_the_code() -> None:
    before = """package termenv

// WithCache returns an option that caches colors.
func WithCache(v bool) func(*Output) {
\treturn func(o *Output) { o.cache = v }
}

func Default() *Output {
\treturn NewOutput(WithCache(true))
}
"""
    after = before.replace("// WithCache", "// WithColorCache")
    _, found = _ask(before, after, "go")
    assert _applied(after, found) == after.replace("WithCache(", "WithColorCache(")
    # a builtin named in a docstring, its raise left: a name the code binds or reaches as a
    # member is one to rename, not one it only uses
    code = '''def encode(value):
    """Encode ``value``, or raise a ``TypeError``."""
    raise TypeError(value)
'''
    _, found = _ask(code, code.replace("``TypeError``", "``ConvertError``"), "python")
    assert found == []


def test_a_field_renamed_first_in_its_comment_is_renamed_though_another_type_has_it() -> None:
    before = """package m3

type Configuration struct {
\t// CommonTagsInternal are tags added to all internal metrics.
\tCommonTagsInternal map[string]string
}

func (c Configuration) NewReporter() Reporter {
\treturn NewReporter(Options{
\t\tInternalTags: c.CommonTagsInternal,
\t})
}
"""
    after = before.replace("// CommonTagsInternal", "// InternalTags")
    _, found = _ask(before, after, "go")
    # the key `InternalTags:` is the field of `Options`, another type: no name of this one
    assert _applied(after, found) == after.replace("CommonTagsInternal", "InternalTags")


def test_a_comment_given_more_at_its_end_is_given_it_at_its_like_comments_ends() -> None:
    before = """async def push(self):
    await pushed.send(
        self.app,
        _wrapper=self.app.ensure_async,  # type: ignore
    )


async def pop(self):
    await popped.send(
        self.app,
        _wrapper=self.app.ensure_async,  # type: ignore
    )
"""
    after = before.replace("# type: ignore", "# type: ignore[arg-type]", 1)
    _, found = _ask(before, after, "python")
    assert _applied(after, found) == before.replace("# type: ignore", "# type: ignore[arg-type]")


def test_an_object_s_method_renamed_is_renamed_where_it_is_called_as_a_member() -> None:
    before = """var frame = {
    set: function(name, val) {
        this.variables[name] = val;
    },

    findVariable: function(name) {
        var p = this.parent;
        return this.variables[name] || (p && p.findVariable(name));
    },

    has: function(name) {
        return this.findVariable(name) !== undefined;
    }
};

frame.findVariable("x");
"""
    after = before.replace("findVariable: function", "lookup: function")
    _, found = _ask(before, after, "javascript")
    # on this and on the object's variable; not on a parent, whose kind is not seen
    renamed = after.replace("this.findVariable(", "this.lookup(")
    assert _applied(after, found) == renamed.replace("frame.findVariable(", "frame.lookup(")
    # a key holding a value, not a function: no member of that name to follow
    data = before.replace("findVariable: function(name) {", "findVariable: helper(function(name) {")
    _, found = _ask(data, data.replace("findVariable: helper", "lookup: helper"), "javascript")
    assert not [c for c in found if c.span.start_line in (12, 16)]


def test_a_string_prefix_respelled_is_respelled_in_the_other_strings() -> None:
    before = """def test_validate():
    my_re = re.compile(br"(?P<group1>[0-9]+)\\.(?P<group2>[0-9]+)")
    validate(my_re, b"0.")


def test_validate_formatting():
    my_re = re.compile(br"foo")
    assert rb"x" != b"x"
"""
    after = before.replace('br"(?P', 'rb"(?P')
    _, found = _ask(before, after, "python")
    assert _applied(after, found) == before.replace('br"', 'rb"')
    # another prefix put in (`r` given), not the same letters respelled: no rule of style
    raw = before.replace('validate(my_re, b"0.")', 'validate(my_re, rb"0.")')
    _, found = _ask(before, raw, "python")
    assert not [c for c in found if c.edit is not None and c.edit.text == "rb"]


def test_a_member_put_after_a_name_is_put_there_wherever_the_same_token_follows() -> None:
    before = """function getErrorMessage (err, status) {
  var msg = err.expose ? err.message : null
  return msg || statuses[status]
}

function send (req, res, status) {
  res.statusCode = status
  res.statusMessage = statuses[status]
  res.end(statuses(status))
}
"""
    after = before.replace("msg || statuses[status]", "msg || statuses.message[status]")
    _, found = _ask(before, after, "javascript")
    assert _applied(after, found) == after.replace(
        "= statuses[status]", "= statuses.message[status]"
    )


def test_a_go_mutex_locked_without_a_defer_is_unlocked_before_each_return() -> None:
    before = """package fsnotify

func (w *Watcher) Close() error {
\tif w.isClosed() {
\t\treturn nil
\t}
\tclose(w.done)
\treturn nil
}

func (w *Watcher) Add(name string) error {
\treturn nil
}
"""
    after = before.replace("Close() error {\n", "Close() error {\n\tw.mu.Lock()\n")
    _, found = _ask(before, after, "go")
    assert _applied(after, found) == after.replace(
        "\t\treturn nil\n\t}\n\tclose(w.done)\n\treturn nil\n",
        "\t\tw.mu.Unlock()\n\t\treturn nil\n\t}\n\tclose(w.done)\n\tw.mu.Unlock()\n\treturn nil\n",
    )
    # unlocked by a defer: nothing left to unlock
    deferred = before.replace(
        "Close() error {\n", "Close() error {\n\tw.mu.Lock()\n\tdefer w.mu.Unlock()\n"
    )
    _, found = _ask(before, deferred, "go")
    assert not [c for c in found if c.edit is not None and "Unlock" in c.edit.text]


def test_a_wrapper_renamed_with_another_package_s_call_leaves_that_package_alone() -> None:
    before = """package log

func Println(a ...any) { fmt.Println(a...) }

func Log(msg string) { fmt.Println(msg); Println(msg) }
"""
    after = before.replace(
        "func Println(a ...any) { fmt.Println", "func Print(a ...any) { fmt.Print"
    )
    found = _ask_in_one(before, after, "go")
    assert _applied(after, found) == after.replace("; Println(msg)", "; Print(msg)")


def test_a_parameter_marked_unused_is_not_marked_where_it_is_a_keyword_or_a_key() -> None:
    python = """class Handler:
    def on_open(self, err):
        return 1

    def on_close(self, path, err=None):
        return path


def run(h):
    h.on_close("x", err=None)
"""
    _, found = _ask(python, python.replace("on_open(self, err)", "on_open(self, _err)"), "python")
    assert not [c for c in found if c.edit is not None and c.edit.text == "_err"]
    script = """function onOpen(err: Error, res: string) {
  return res
}

function onClose({ err, res }: Result) {
  return res
}
"""
    marked = script.replace("onOpen(err", "onOpen(_err")
    _, found = _ask(script, marked, "typescript")
    assert found == []


def test_a_method_key_renamed_leaves_other_values_members_of_that_name() -> None:
    before = """const stack = {
  items: [],
  push: function (x) {
    this.items.push(x)
    socket.push(x)
  },
}

stack.push(1)
"""
    after = before.replace("  push: function", "  add: function")
    _, found = _ask(before, after, "javascript")
    assert _applied(after, found) == after.replace("stack.push(1)", "stack.add(1)")


def test_a_name_renamed_in_a_comment_is_not_followed_where_it_is_imported_or_external() -> None:
    imported = """from store import load_data


def run(path, resp):
    # load_data reads the file, unless the status_code is not 200
    rows = load_data(path)
    return rows, resp.status_code
"""
    for old, new in (("# load_data", "# load_dataset"), ("the status_code", "the HTTP_status")):
        _, found = _ask(imported, imported.replace(old, new), "python")
        assert not [c for c in found if c.span.start_line in (1, 6, 7)]


def test_a_string_prefix_respelled_leaves_strings_that_end_with_those_letters() -> None:
    before = """PATTERN = re.compile(br"\\x00+")
OTHER = re.compile(br"\\xff+")
VOID_TAGS = ("br", "hr", "img")
"""
    after = before.replace('(br"\\x00', '(rb"\\x00')
    _, found = _ask(before, after, "python")
    assert _applied(after, found) == after.replace('(br"\\xff', '(rb"\\xff')


def test_a_go_mutex_is_not_unlocked_where_it_was_not_locked_or_is_unlocked_already() -> None:
    head = "package p\n\n"
    # the function ends in a return over several lines: unlocked before it, not after it
    code = "func (c *C) Get() *T {\n\tc.n++\n\treturn &T{\n\t\tn: c.n,\n\t}\n}\n"
    after = head + code.replace("\tc.n++\n", "\tc.mu.Lock()\n\tc.n++\n")
    _, found = _ask(head + code, after, "go")
    assert _applied(after, found) == after.replace("\treturn &T{", "\tc.mu.Unlock()\n\treturn &T{")
    cases = [
        # locked in a branch: the returns after it may not hold the lock
        "func (c *C) Set(v int) error {\n\tif v > 0 {\n\t\tc.v = v\n\t}\n\treturn nil\n}\n",
        # a function literal in the function: its returns are its own
        "func (c *C) Run() {\n\tgo func() {\n\t\tc.n++\n\t}()\n\tc.wait()\n}\n",
        # unlocked already before the return
        "func (c *C) Read() int {\n\tv := c.v\n\tc.mu.Unlock()\n\treturn v\n}\n",
    ]
    at = ["\t\tc.v = v\n", "\t\tc.n++\n", "\tv := c.v\n"]
    for code, line in zip(cases, at, strict=True):
        indent = line[: len(line) - len(line.lstrip("\t"))]
        after = head + code.replace(line, f"{indent}c.mu.Lock()\n{line}", 1)
        _, found = _ask(head + code, after, "go")
        assert not [c for c in found if c.edit is not None and "Unlock" in c.edit.text], code


def test_a_member_put_after_a_name_is_not_put_after_another_value_s_member_of_that_name() -> None:
    before = """def f(statuses, status, other):
    ok = status or statuses[status]
    # statuses[status] holds the code
    log("statuses[status] missing")
    other.statuses[status] = 1
    return statuses[status]
"""
    after = before.replace("or statuses[status]", "or statuses.message[status]")
    _, found = _ask(before, after, "python")
    assert _applied(after, found) == after.replace(
        "return statuses[status]", "return statuses.message[status]"
    )


def test_a_name_renamed_first_in_its_comment_leaves_other_modules_and_strings() -> None:
    before = """import csv_tools


def read_rows(path):
    # read_rows reads the file
    with open(path) as f:
        return csv_tools.read_rows(f)


data = read_rows("x")
print("read_rows failed")
"""
    after = before.replace("# read_rows reads", "# read_all_rows reads")
    _, found = _ask(before, after, "python")
    assert _applied(after, found) == after.replace("def read_rows(", "def read_all_rows(").replace(
        "data = read_rows(", "data = read_all_rows("
    )


def test_a_wrapper_renamed_with_an_imported_package_s_call_leaves_the_file_s_own_method() -> None:
    before = """package log

import "fmt"

func Println(a ...any) { fmt.Println(a...) }

func (l *Logger) Println(a ...any) { l.out(a) }

func Log(msg string) { fmt.Println(msg); Println(msg) }
"""
    after = before.replace(
        "func Println(a ...any) { fmt.Println", "func Print(a ...any) { fmt.Print"
    )
    found = _ask_in_one(before, after, "go")
    assert _applied(after, found) == after.replace("; Println(msg)", "; Print(msg)")


def test_lines_put_beside_a_line_go_beside_its_copies_where_the_other_side_reads_alike() -> None:
    # a check put after a line that stands again in the other method, above the same `for`
    code = (
        "package jsoniter\n\n"
        "func (iter *Iterator) skipArray() {\n\tlevel := iter.start()\n\tfor {\n"
        "\t\tlevel--\n\t}\n}\n\n"
        "func (iter *Iterator) skipObject() {\n\tlevel := iter.start()\n\tfor {\n"
        "\t\tlevel++\n\t}\n}\n"
    )
    put = "\tif !iter.incrementDepth() {\n\t\treturn\n\t}\n"
    line = "\tlevel := iter.start()\n"
    content, found = _ask(code, code.replace(line, line + put, 1), "go")
    assert _applied(content, found) == code.replace(line, line + put)
    # a copy whose other side reads otherwise (a `switch`, not the `for`) is another place
    other = code.replace("start()\n\tfor {\n\t\tlevel++", "start()\n\tswitch {\n\t\tlevel++")
    assert not _ask(other, other.replace(line, line + put, 1), "go")[1]
    # two lines put between a short `if` and its `return`, where the same two stand
    code = (
        "def read_request(buf):\n    lines = buf.extract()\n    if lines is None:\n"
        "        return None\n    return lines\n\n\n"
        "def read_response(buf):\n    lines = buf.extract()\n    if lines is None:\n"
        "        return None\n    return lines[1:]\n"
    )
    put = "        if buf.is_invalid():\n            raise ProtocolError('illegal line')\n"
    after = code.replace("None:\n", "None:\n" + put, 1)
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == code.replace("None:\n", "None:\n" + put)


@pytest.mark.parametrize(
    ("code", "old", "new", "language"),
    [
        # the line on the copy's other side reads otherwise: another piece of code
        (
            "function a(entry) {\n  const fn = () => {\n    this.push(entry);\n  };\n}\n\n"
            "function b(entry) {\n  if (FILE_TYPES.has(this.kind)) {\n    this.push(entry);\n"
            "  }\n}\n",
            "  const fn = () => {\n",
            "  const fn = () => {\n    if (this.destroyed) return;\n",
            "javascript",
        ),
        # beside a blank line, a short line is no place of its own
        (
            'class A:\n    """A."""\n\n    method: str | None\n    url: str\n\n\n'
            'class B:\n    """B."""\n\n    method: str | None\n    body: bytes\n',
            '"""A."""\n\n',
            '"""A."""\n\n    hooks: dict[str, list[Hook]]\n',
            "python",
        ),
        # a line in more than three places is a common line
        (
            "".join(
                f"def f{n}(x):\n    value = compute(x)\n\n    return value\n\n\n" for n in range(5)
            ),
            "    value = compute(x)\n",
            "    value = compute(x)\n    count += 1\n",
            "python",
        ),
    ],
    ids=["the other side unlike", "a short line beside a blank one", "a common line"],
)
def test_lines_put_beside_a_copied_line_stay_put_where_the_copies_say_nothing(
    code: str, old: str, new: str, language: str
) -> None:
    _, found = _ask(code, code.replace(old, new, 1), language)
    assert not [c for c in found if c.edit is not None and not c.edit.removed]


def test_a_replacement_is_not_repeated_where_the_text_already_reads_as_it() -> None:
    # `true|false` made `^(true|false)$`: the other regex already reads so
    code = (
        "function parse(args, next) {\n"
        "    if (/^(true|false)$/.test(next)) {\n        set(next);\n    }\n"
        "    if (/true|false/.test(args[1])) {\n        set(args[1]);\n    }\n"
        "    if (/true|false/.test(args[2])) {\n        set(args[2]);\n    }\n}\n"
    )
    after = code.replace("/true|false/.test(args[1])", "/^(true|false)$/.test(args[1])")
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == after.replace(
        "/true|false/.test(args[2])", "/^(true|false)$/.test(args[2])"
    )


def test_a_change_made_on_two_lines_at_once_is_not_repeated_on_its_own_first_line() -> None:
    code = (
        "function emit(type, evt) {\n"
        "    (all[type] || []).map((handler) => { handler(evt); });\n"
        "    (all['*'] || []).map((handler) => { handler(type, evt); });\n}\n"
    )
    after = code.replace("[]).map(", "[]).slice().map(")
    found = _ask_in_one(code, after, "javascript")
    assert "slice().slice()" not in _applied(after, found)


def test_an_argument_put_in_a_call_is_not_put_in_a_function_s_parameters() -> None:
    code = (
        'process.on("unhandledRejection", function(handler, reason){\n'
        '    console.log("Found it!", handler, reason);\n});\n'
        'log("Again", handler, reason);\n'
    )
    after = code.replace('"Found it!", handler, reason', '"Found it!", handler, "reason", reason')
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == after.replace(
        'log("Again", handler, reason)', 'log("Again", handler, "reason", reason)'
    )


def test_a_name_made_an_expression_is_replaced_where_it_stands_alike() -> None:
    # `self.descriptor_rule` made `self.rules["descriptor"]`: another member use is made so,
    # not the plain name in the dict that defines the rules
    code = (
        "class T:\n    def setup(self):\n"
        '        self.rules = {"descriptor": descriptor_rule}\n\n'
        "    def test_a(self):\n        ok(is_callable(self.descriptor_rule))\n\n"
        "    def test_b(self):\n        ok(is_callable(self.descriptor_rule, strict=True))\n"
    )
    made = code.replace(
        "ok(is_callable(self.descriptor_rule))", 'ok(is_callable(self.rules["descriptor"]))'
    )
    content, found = _ask(code, made, "python")
    assert _applied(content, found) == made.replace(
        "self.descriptor_rule, strict", 'self.rules["descriptor"], strict'
    )


def test_a_parameter_replaced_is_not_replaced_where_the_new_name_is_a_parameter() -> None:
    # `obj: Any` made `data: Dict[str, Any]`: not in the header that has a `data` already
    code = (
        "class Handler:\n"
        "    def flatten(self, obj: Any, data: Dict[str, Any]) -> Any:\n"
        "        raise NotImplementedError()\n\n"
        "    def restore(self, obj: Any) -> Any:\n        raise NotImplementedError()\n\n"
        "    def load(self, obj: Any) -> Any:\n        raise NotImplementedError()\n"
    )
    made = code.replace("def restore(self, obj: Any)", "def restore(self, data: Dict[str, Any])")
    content, found = _ask(code, made, "python")
    assert _applied(content, found) == made.replace(
        "def load(self, obj: Any)", "def load(self, data: Dict[str, Any])"
    )


def test_a_string_s_quotes_switched_switch_the_file_s_other_strings_alike() -> None:
    code = (
        "# the 'count' key is read as is\n"
        "def test_count():\n"
        "    assert data['count'] == 1\n"
        "    assert data['name'] == \"it's\"\n"
        "    assert data[b'raw'] == 2\n"
        "    assert data['it\\'s'] == 3\n"
        "    assert data['total'] == 4\n"
    )
    after = code.replace("data['count']", 'data["count"]')
    content, found = _ask(code, after, "python")
    # not the comment's prose, a prefixed string, nor one that holds a quote or an escape
    assert _applied(content, found) == after.replace("'name'", '"name"').replace(
        "'total'", '"total"'
    )
    # a rune in Go is no string
    go = "package a\n\nvar a = 'x'\nvar b = 'y'\nvar c = 'z'\n"
    assert not _ask(go, go.replace("'x'", '"x"'), "go")[1]


def test_a_prefixed_string_s_quotes_switched_switch_the_strings_with_its_prefix() -> None:
    code = (
        "async def test_try(stream):\n"
        "    await stream.send_all(b'ping')\n"
        "    rep = await stream.receive_some(4)\n"
        "    assert rep == b'ping'\n"
        "    assert name == 'pong'\n"
        "    assert pattern == rb'p.ng'\n"
        "    assert label == f'{rep}'\n"
    )
    after = code.replace("send_all(b'ping')", 'send_all(b"ping")')
    content, found = _ask(code, after, "python")
    # a string with the user's prefix is switched as a plain one is; not another prefix's
    # (`rb'…'`), nor an f-string's
    assert _applied(content, found) == after.replace("== b'ping'", '== b"ping"').replace(
        "'pong'", '"pong"'
    )
    # `rb`, `br` and `Rb` are one prefix
    raw = "A = rb'p.ng'\nB = br'q.ng'\nC = Rb'r.ng'\nD = b'x'\n"
    content, found = _ask(raw, raw.replace("rb'p.ng'", 'rb"p.ng"'), "python")
    assert _applied(content, found) == raw.replace("'", '"').replace('b"x"', "b'x'")


def test_a_message_s_first_word_capitalised_goes_only_to_words_that_open_theirs() -> None:
    code = (
        "def check(value, key):\n"
        "    if value is None:\n"
        '        raise ValueError("unexpected value")\n'
        "    # an unexpected value is an error\n"
        '    log("got unexpected value")\n'
        "    if key is None:\n"
        '        raise KeyError("unexpected key")\n'
    )
    after = code.replace('"unexpected value"', '"Unexpected value"')
    content, found = _ask(code, after, "python")
    # not the comment's nor the log's word within a sentence
    assert _applied(content, found) == after.replace('"unexpected key"', '"Unexpected key"')
    go = (
        "package a\n\nfunc check(v int) error {\n\tif v < 0 {\n"
        '\t\treturn fmt.Errorf("unexpected value %d", v)\n\t}\n'
        '\t// an unexpected value is an error\n\tlog.Printf("got unexpected value %d", v)\n'
        '\tif v > 9 {\n\t\treturn fmt.Errorf("unexpected size %d", v)\n\t}\n\treturn nil\n}\n'
    )
    after = go.replace(
        '\t\treturn fmt.Errorf("unexpected value',
        '\t\t//nolint: staticcheck\n\t\treturn fmt.Errorf("Unexpected value',
    )
    content, found = _ask(go, after, "go")
    assert _applied(content, found) == after.replace('"unexpected size', '"Unexpected size')
    # a comment after code, or a doc comment's first word, opens its comment; a comment's line
    # that goes on with the sentence above does not
    code = (
        "def check(value, key):\n"
        '    if value is None:\n        raise ValueError("unexpected value")\n'
        "    key = None  # unexpected value is an error\n"
        "    # a None key here is an\n    # unexpected value for the map\n"
        '    if key is None:\n        raise KeyError("unexpected key")\n'
    )
    content, found = _ask(code, code.replace('"unexpected value"', '"Unexpected value"'), "python")
    assert sorted(c.span.start_line for c in found) == [4, 8]
    js = (
        "function f(v) {\n  /** unexpected values throw */\n"
        '  if (!v) throw new Error("unexpected value");\n'
        '  // unexpected size\n  if (v > 9) throw new Error("unexpected size");\n}\n'
    )
    after = js.replace('Error("unexpected value")', 'Error("Unexpected value")')
    assert sorted(c.span.start_line for c in _ask(js, after, "javascript")[1]) == [2, 4, 5]
    # a name's spelling fixed within a sentence goes everywhere
    py = 'def a():\n    """Run it with python 3."""\n\n\ndef b():\n    """Needs python 3."""\n'
    content, found = _ask(py, py.replace("with python", "with Python"), "python")
    assert _applied(content, found) == py.replace("python", "Python")


def test_a_number_in_a_name_made_to_agree_with_its_line_is_no_switch_to_repeat() -> None:
    go = (
        "package atomic\n\nvar _stressTests = map[string]func() func(){\n"
        '\t"i32/std": stressStdInt32,\n\t"i32":     stressInt32,\n'
        '\t"i64/std": stressStdInt32,\n\t"i64":     stressInt64,\n}\n\n'
        "func stressStdInt32() func() { return nil }\n"
        "func stressStdInt64() func() { return nil }\n"
    )
    after = go.replace('"i64/std": stressStdInt32', '"i64/std": stressStdInt64')
    # a copy's slip fixed: the `i32` line agrees with itself already
    assert _ask(go, after, "go")[1] == []
    # nor where the line's number stands in another word, the line copied from nowhere
    py = "import base64\n\n\ndef load(f):\n    token = base64.b64encode(read_int32(f))\n"
    py += "    size = read_int32(f)\n    return token, size\n\n\n"
    py += "def read_int32(f):\n    return f.read(4)\n\n\ndef read_int64(f):\n    return f.read(8)\n"
    after = py.replace("b64encode(read_int32", "b64encode(read_int64")
    content, found = _ask(py, after, "python")
    assert _applied(content, found) == after.replace("size = read_int32", "size = read_int64")
    # a use switched where the line names no number is followed
    run = "package atomic\n\nfunc run() {\n\ta := load(stressInt32)\n\tb := load(stressInt32)\n}\n"
    run += "\nfunc stressInt32() {}\nfunc stressInt64() {}\n"
    after = run.replace("a := load(stressInt32)", "a := load(stressInt64)")
    content, found = _ask(run, after, "go")
    assert _applied(content, found) == after.replace("load(stressInt32)", "load(stressInt64)")


def test_a_word_of_prose_given_another_ending_goes_where_the_word_before_is_the_same() -> None:
    code = (
        "# An error occurs when a fixture raises.\n"
        "def test_raise(testdir):\n"
        '    testdir.makepyfile("pass  # the crash should have occurs before here")\n'
        '    testdir.makepyfile("pass  # a crash would have occurs by now")\n'
    )
    after = code.replace("should have occurs", "should have occurred")
    content, found = _ask(code, after, "python")
    # its sentence's grammar: `An error occurs` is right as it is
    assert _applied(content, found) == after.replace("would have occurs", "would have occurred")
    # a sentence wrapped: the word before is the comment's line above's last
    wrapped = (
        "def test_raise(testdir):\n    # the crash should have occurs before here\n    x = 1\n"
        "    # and the other crash in the fixture would have\n    # occurs by now as well\n"
        "    # An error occurs when a fixture raises.\n"
    )
    after = wrapped.replace("should have occurs", "should have occurred")
    content, found = _ask(wrapped, after, "python")
    assert _applied(content, found) == after.replace("    # occurs by", "    # occurred by")
    # a misspelling fixed, its consonant doubled, is no other ending: everywhere
    typo = "def run(testdir):\n    # the error occured while parsing\n    x = 1\n"
    typo += "    # an exception occured in the handler\n"
    content, found = _ask(typo, typo.replace("error occured", "error occurred"), "python")
    assert _applied(content, found) == typo.replace("occured", "occurred")


def test_a_print_deleted_takes_the_file_s_few_other_prints_with_it() -> None:
    code = (
        "def flatten(obj):\n    print(1)\n    data = {}\n    print(2)\n    return data\n\n\n"
        "def restore(obj):\n    value = obj.value\n    print(3)\n    return value\n\n\n"
        "def check(obj):\n    if obj:\n        print(4)\n    return obj\n"
    )
    content, found = _ask(code, code.replace("    print(2)\n", ""), "python")
    # not `print(4)`, its block's only statement
    assert _applied(content, found) == code.replace("    print(2)\n", "").replace(
        "    print(1)\n", ""
    ).replace("    print(3)\n", "")
    # a program's output: many prints
    many = "def main():\n" + "".join(f"    print({n})\n    step({n})\n" for n in range(7))
    assert not _ask(many, many.replace("    print(3)\n", ""), "python")[1]
    js = "function logIn(req) {\n  console.log('logIn');\n  run(req);\n}\n\n"
    js += "function logOut(req) {\n  console.log('logOut', req.user);\n  stop(req);\n}\n"
    content, found = _ask(js, js.replace("  console.log('logIn');\n", ""), "javascript")
    assert _applied(content, found) == js.replace("  console.log('logIn');\n", "").replace(
        "  console.log('logOut', req.user);\n", ""
    )


def test_a_type_s_literal_made_a_constructor_call_is_made_so_where_it_stands_again() -> None:
    code = (
        "package match\n\n"
        "func TestList(t *testing.T) {\n\tp := List{test.list, test.not}\n\tcheck(t, p)\n}\n\n"
        'func BenchmarkList(b *testing.B) {\n\tm := List{[]rune("def"), false}\n\trun(b, m)\n}\n'
    )
    after = code.replace("List{test.list, test.not}", "NewList(test.list, test.not)")
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == after.replace(
        'List{[]rune("def"), false}', 'NewList([]rune("def"), false)'
    )


def test_an_unused_handler_name_taken_away_goes_from_the_handlers_that_leave_theirs_unused() -> (
    None
):
    code = (
        "def sig(func):\n    try:\n        return inspect.signature(func)\n"
        "    except (ValueError, TypeError) as e:\n        return None\n\n\n"
        "def spec(func):\n    try:\n        return inspect.getargspec(func)\n"
        "    except TypeError as err:\n        return None\n\n\n"
        "def name(func):\n    try:\n        return func.__name__\n"
        "    except AttributeError as e:\n        raise LookupError(e)\n"
    )
    after = code.replace("TypeError) as e:", "TypeError):")
    content, found = _ask(code, after, "python")
    # not the handler that uses its name
    assert _applied(content, found) == after.replace("TypeError as err:", "TypeError:")


def test_a_variable_switched_for_another_is_not_switched_where_the_name_is_a_type() -> None:
    code = (
        "def next(self, fetch: bool = False, next_symbol: _NextSymbol = None) -> _Next:\n"
        "    if _NextSymbol is None:\n        show(_NextSymbol)\n    return fetch\n"
    )
    after = code.replace("    if _NextSymbol is None:", "    if next_symbol is None:")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("show(_NextSymbol)", "show(next_symbol)")


@pytest.mark.parametrize(
    ("language", "code", "deleted"),
    [
        # a line that prints and does more
        (
            "python",
            "def f(x):\n    print(1)\n    y = g(x)\n    print(y); cleanup(y)\n    return y\n",
            "    print(1)\n",
        ),
        # a block of nothing but prints would be left empty
        (
            "python",
            "def main(args):\n    print('start')\n    run(args)\n    if args.verbose:\n"
            "        print('verbose')\n        print(args)\n    return 0\n",
            "    print('start')\n",
        ),
        # what a braceless `if` holds: the next line would be held instead
        (
            "javascript",
            "function main(args) {\n  console.log('start');\n  run(args);\n"
            "  if (args.verbose)\n    console.log(args);\n  finish(args);\n}\n",
            "  console.log('start');\n",
        ),
        # a Go variable nothing else uses, and the last use of `fmt`: it would not compile
        (
            "go",
            'package a\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("start")\n\trun()\n'
            '\tfor i := 0; i < 3; i++ {\n\t\tv := step(i)\n\t\tfmt.Println("NEW", v)\n\t}\n'
            '\tfmt.Printf("%d", 3)\n}\n',
            '\tfmt.Println("start")\n',
        ),
        (
            "go",
            'package a\n\nimport "fmt"\n\nfunc main() {\n\tfmt.Println("a")\n\trun()\n'
            '\tfmt.Println("b")\n}\n',
            "",
        ),
    ],
    ids=["does more", "a block of prints", "a braceless if", "an unused variable", "fmt"],
)
def test_a_print_deleted_leaves_the_prints_whose_going_would_change_the_code(
    language: str, code: str, deleted: str
) -> None:
    deleted = deleted or '\tfmt.Println("a")\n'
    _, found = _ask(code, code.replace(deleted, "", 1), language)
    assert not [c for c in found if c.edit is not None and not c.edit.text]


def test_a_handler_s_name_used_on_its_own_line_is_kept() -> None:
    code = (
        "def a():\n    try:\n        x()\n    except ValueError as e:\n        pass\n\n\n"
        "def b():\n    try:\n        y()\n    except KeyError as err: raise LookupError(err)\n"
        "    try:\n        z()\n    except OSError as exc:\n# a comment at the margin\n"
        "        raise LookupError(exc)\n"
    )
    assert not _ask(code, code.replace("ValueError as e:", "ValueError:"), "python")[1]


def test_a_literal_made_a_call_is_not_made_so_in_other_kinds_of_literal() -> None:
    code = (
        "package m\n\nfunc TestAny(t *testing.T) {\n\tp := Any{test.sep}\n\tq := &Any{sep}\n"
        '\tall := []Any{a}\n\tm := map[string]Any{"k": v}\n\tk := Any{Value: v}\n'
        "\tr := Any{bench}\n}\n"
    )
    after = code.replace("Any{test.sep}", "NewAny(test.sep)")
    content, found = _ask(code, after, "go")
    assert _applied(content, found) == after.replace("Any{bench}", "NewAny(bench)")


def test_an_argument_put_in_a_call_is_not_put_in_wrapped_or_method_parameters() -> None:
    for language, code in (
        (
            "python",
            "class A:\n    def handle(self,\n               handler, reason):\n"
            '        log("Found it!", handler, reason)\n\n'
            '    def other(self):\n        log("Again", handler, reason)\n',
        ),
        (
            "javascript",
            "class A {\n  handle(handler, reason) {\n"
            '    console.log("Found it!", handler, reason);\n  }\n'
            '  other() {\n    console.log("Again", handler, reason);\n  }\n}\n',
        ),
    ):
        after = code.replace('"Found it!", handler, reason', '"Found it!", handler, "x", reason')
        content, found = _ask(code, after, language)
        assert _applied(content, found) == after.replace(
            '"Again", handler, reason', '"Again", handler, "x", reason'
        )
    # nor given a parameter a wrapped header has already
    code = (
        "class H:\n    def flatten(\n        self, obj: Any, data: Dict[str, Any]\n    ) -> Any:\n"
        "        raise NotImplementedError()\n\n"
        "    def restore(self, obj: Any) -> Any:\n        raise NotImplementedError()\n"
    )
    made = code.replace("def restore(self, obj: Any)", "def restore(self, data: Dict[str, Any])")
    assert not [c for c in _ask(code, made, "python")[1] if c.span.start_line == 3]


@pytest.mark.parametrize(
    ("language", "code", "old", "new"),
    [
        ("javascript", "const a = 'x';\nconst ok = /'y'/.test(a);\n", "'x';", '"x";'),
        ("javascript", "const a = 'x';\nconst el = <p>Say 'hi' to {a}</p>;\n", "'x';", '"x";'),
        ("python", "a = 'x'\nb = f\"{d['name']} has {a}\"\n", "'x'", '"x"'),
    ],
    ids=["a regex", "JSX text", "an f-string's field"],
)
def test_quotes_switched_are_not_switched_where_they_delimit_no_string_of_their_own(
    language: str, code: str, old: str, new: str
) -> None:
    assert not _ask(code, code.replace(old, new, 1), language)[1]


def test_a_name_bound_nowhere_switched_for_another_is_switched_at_its_other_uses() -> None:
    code = (
        "LATIN1 = ''.join(chr(i) for i in range(128, 256))\n"
        "\n"
        "\n"
        "def table():\n"
        "    return ''.join(unichr(i) for i in range(0x80, 0xc0))\n"
        "\n"
        "\n"
        "def width_map():\n"
        "    for i in range(0xff01, 0xfff0):\n"
        "        char = unichr(i)\n"
        "        print(char)\n"
    )
    after = code.replace("join(unichr(i)", "join(chr(i)")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace("unichr(", "chr(")


def test_a_name_used_as_a_value_is_not_switched_where_the_reader_sees_no_binding() -> None:
    code = (  # a chained assignment's second target: bound, though no reader sees it so
        "def bounds(values):\n"
        "    low = high = values[0]\n"
        "    return low, high\n"
        "\n"
        "\n"
        "def spread(values):\n"
        "    low = high = values[0]\n"
        "    return max(values) - high\n"
    )
    found = _ask(code, code.replace("- high", "- low"), "python")[1]
    assert all(c.span.start_line > 5 for c in found)  # nothing in `bounds`


def test_a_name_bound_as_the_module_runs_is_not_switched_where_it_stands() -> None:
    code = (
        "import gettext\n"
        "gettext.install('app')\n"
        "\n"
        "\n"
        "def N_(message):\n"
        "    return message\n"
        "\n"
        "\n"
        "COLUMNS = [_('Name')]\n"
        "\n"
        "\n"
        "def menu():\n"
        "    return [_('Open'), _('Close')]\n"
    )
    found = _ask(code, code.replace("[_('Name')", "[N_('Name')"), "python")[1]
    assert all(c.span.start_line != 13 for c in found)


def test_a_switch_is_not_offered_where_the_new_name_is_bound_only_later_or_in_a_lambda() -> None:
    base = (
        "def area(op, m, n):\n"
        "    a = convert(m, 'float')\n"
        "    b = convert(m, 'float')\n"
        "    return compare(op, a, b)\n"
        "\n"
        "\n"
        "def volume(op, m, items):\n"
        "    a = convert(m, 'float')\n"
        "    b = convert(m, 'float')\n"
        "    return compare(op, a, b) and EXTRA\n"
    )
    for extra in ("sorted(items, key=lambda n: n.size)", "[n for n in items]"):
        code = base.replace("EXTRA", extra)
        after = code.replace("    b = convert(m, 'float')", "    b = convert(n, 'float')", 1)
        assert all(c.span.start_line < 7 for c in _ask(code, after, "python")[1])


def test_a_switch_to_a_parameter_is_not_offered_where_a_function_has_that_name() -> None:
    code = (
        "def size(shape):\n"
        "    return shape.width\n"
        "\n"
        "\n"
        "def area(op, m, size):\n"
        "    a = convert(m, 'int')\n"
        "    b = convert(m, 'float')\n"
        "    return compare(op, b)\n"
        "\n"
        "\n"
        "def volume(op, m, items):\n"
        "    a = convert(m, 'int')\n"
        "    b = convert(m, 'float')\n"
        "    return compare(op, b)\n"
    )
    after = code.replace("    b = convert(m, 'float')", "    b = convert(size, 'float')", 1)
    assert all(c.span.start_line < 11 for c in _ask(code, after, "python")[1])


def test_a_name_the_module_binds_switched_once_is_not_followed() -> None:
    code = (
        "unichr = chr\n"
        "\n"
        "\n"
        "def table():\n"
        "    return ''.join(unichr(i) for i in range(128, 256))\n"
        "\n"
        "\n"
        "def width_map(i):\n"
        "    return unichr(i)\n"
    )
    after = code.replace("join(unichr(i)", "join(chr(i)")
    content, found = _ask(code, after, "python")
    assert "return unichr(i)\n" in _applied(content, found)


def test_a_class_methods_cls_made_self_is_renamed_in_that_method_only() -> None:
    code = (
        "class Types:\n"
        "    boolean = Boolean\n"
        "\n"
        "    def guess(cls, sample):\n"
        '        """Guess the type."""\n'
        "        if isinstance(sample, bool):\n"
        "            return cls.boolean\n"
        "        return cls.text\n"
        "\n"
        "    @classmethod\n"
        "    def make(cls):\n"
        "        return cls()\n"
    )
    after = code.replace("def guess(cls,", "def guess(self,")
    content, found = _ask(code, after, "python")
    expected = after.replace("return cls.boolean", "return self.boolean")
    assert _applied(content, found) == expected.replace("return cls.text", "return self.text")


def test_self_made_cls_is_not_followed_into_a_method_that_holds_a_class() -> None:
    code = (
        "class Registry:\n"
        "    def make(self, name):\n"
        "        class Entry:\n"
        "            def __init__(self, value):\n"
        "                self.value = value\n"
        "        return self.store(Entry(name))\n"
    )
    after = code.replace("def make(self,", "def make(cls,")
    content, found = _ask(code, after, "python")
    assert "self.value = value" in _applied(content, found)


def test_self_made_cls_sees_a_nested_class_after_a_flush_left_string() -> None:
    code = (
        "class Registry:\n"
        "    def make(self, name):\n"
        "        doc = '''\n"
        "Entries.\n"
        "'''\n"
        "        class Entry:\n"
        "            def __init__(self, value):\n"
        "                self.value = value\n"
        "        return self.store(Entry(name), doc)\n"
    )
    after = code.replace("def make(self,", "def make(cls,")
    content, found = _ask(code, after, "python")
    assert "self.value = value" in _applied(content, found)


def test_self_made_cls_in_a_body_is_not_a_rename() -> None:
    code = (
        "class Types:\n"
        "    def guess(self, sample):\n"
        "        if sample:\n"
        "            return self.boolean\n"
        "        return self.text\n"
    )
    after = code.replace("return self.boolean", "return cls.boolean")
    content, found = _ask(code, after, "python")
    assert "return self.text" in _applied(content, found)


def test_a_use_switched_to_another_parameter_is_also_offered_on_like_lines_elsewhere() -> None:
    code = (
        "package xpath\n"
        "\n"
        "func cmpNumbers(op string, m, n interface{}) bool {\n"
        "\ta := m.(float64)\n"
        "\tb := m.(float64)\n"
        "\treturn cmpNumber(op, a, b)\n"
        "}\n"
        "\n"
        "func cmpNumberString(op string, m, n interface{}) bool {\n"
        "\ta := m.(float64)\n"
        "\tb := m.(string)\n"
        "\treturn cmpString(op, a, b)\n"
        "}\n"
    )
    after = code.replace("\tb := m.(float64)", "\tb := n.(float64)")
    found = _ask(code, after, "go")[1]
    lines = {c.span.start_line for c in found if c.edit is not None and c.edit.text.strip() == "n"}
    assert 11 in lines  # `b := m.(string)`: the same copy's slip
    assert 10 not in lines  # `a := m.(float64)` reads otherwise before the name: right as it is
    assert found[-1].span.start_line == 11  # after the switch's own function's place


def test_a_switch_is_not_offered_where_the_new_name_is_only_a_member_there() -> None:
    code = (
        "package shapes\n"
        "\n"
        "func area(op string, m, n interface{}) bool {\n"
        "\ta := m.(float64)\n"
        "\tb := m.(float64)\n"
        "\treturn cmp(op, a, b)\n"
        "}\n"
        "\n"
        "func volume(op string, m interface{}, s Shape) bool {\n"
        "\ta := m.(float64)\n"
        "\tb := m.(float64)\n"
        "\treturn cmp(op, a, b) && s.n != nil\n"
        "}\n"
    )
    after = code.replace("\tb := m.(float64)", "\tb := n.(float64)", 1)
    found = _ask(code, after, "go")[1]
    assert found and all(c.span.start_line < 9 for c in found)  # `volume` has no `n` of its own


KEYED = """class Record:
    def __dir__(self):
        return sorted(str(k) for k in self.keys())

    def as_dict(self):
        keys = self.keys()

        def pairs():
            return zip(self.keys(), self.values())

        return dict(pairs()), len(self.keys())
"""


def test_a_local_put_for_an_expression_is_put_in_its_function_and_closures_only() -> None:
    # `keys` is as_dict's: the inner function may read it; __dir__ may not (a NameError)
    content, found = _ask(KEYED, KEYED.replace("len(self.keys())", "len(keys)"), "python")
    assert [(c.span.start_line, c.edit and c.edit.text) for c in found] == [(9, "keys")]
    assert "zip(keys, self.values())" in _applied(content, found)


@pytest.mark.parametrize("head", ["KEYS = ('a', 'b')\n\n\n", "from fields import KEYS\n\n\n"])
def test_a_global_or_an_import_put_in_is_put_in_every_function(head: str) -> None:
    source = head + KEYED.replace("        keys = self.keys()\n", "")
    _, found = _ask(source, source.replace("len(self.keys())", "len(KEYS)"), "python")
    assert sorted(c.span.start_line for c in found) == [6, 11]


def test_a_name_in_a_docstring_is_text_not_a_name_to_bind() -> None:
    source = (
        "def send(message):\n"
        '    """Sends it; a message too big is closed with code 1009."""\n'
        "\n\n"
        "def receive():\n"
        '    """Receives one; a message too big is closed with code 1009."""\n'
    )
    after = source.replace("code 1009.", "code 1009 (Message Too Big).", 1)
    content, found = _ask(source, after, "python")
    assert _applied(content, found).count("(Message Too Big)") == 2


def test_a_parameter_given_and_passed_on_is_passed_on_where_it_is_given_too() -> None:
    # `args` is the other `run`'s once its header is given it too: both are suggested
    code = (
        "class BuildWithPTH(build):\n"
        "    def run(self):\n"
        "        build.run(self)\n\n\n"
        "class DevelopWithPTH(develop):\n"
        "    def run(self):\n"
        "        develop.run(self)\n"
    )
    header, call = "    def run(self", "        build.run(self"
    after = code.replace(header, header + ", *args, **kwargs", 1).replace(
        call, call + ", *args, **kwargs"
    )
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "develop.run(self)", "develop.run(self, *args, **kwargs)"
    ).replace("def run(self):", "def run(self, *args, **kwargs):")


def test_a_constant_changed_is_not_the_models_where_a_like_line_computes_its_value() -> None:
    code = (
        "def setup_type_info(self, bits):\n"
        "    for i in range(15):\n"
        "        mod = (bits >> i) & 1\n"
        "        self.modules[self.modules_count - 15 + i][8] = mod\n"
        "    self.modules[self.modules_count - 8][8] = 1\n"
    )
    _, found = _ask(code, code.replace("[8] = 1", "[8] = True"), "python")
    assert found == []  # `= mod` is that line's own value, not a 1 to make True
    # a like line with a constant of its own there is still the model's to read
    code = code.replace("= mod\n", "= 0\n")
    _, found = _ask(code, code.replace("[8] = 1", "[8] = True"), "python")
    assert [(c.span.start_line, c.edit) for c in found] == [(4, None)]


def test_a_quote_put_in_to_pair_one_goes_only_where_one_is_unpaired() -> None:
    code = (
        "def at(time_str):\n"
        '    """\n'
        "    - For daily jobs -> `HH:MM:SS` or `HH:MM`\n"
        "    - For hourly jobs -> `MM:SS` or `:MM`\n"
        "\n"
        "    The difference between `:MM` and :SS` is inferred.\n"
        '    """\n'
    )
    _, found = _ask(code, code.replace("and :SS`", "and `:SS`"), "python")
    assert found == []  # every other backtick is paired: one more would open a quote
    unpaired = code.replace("or `:MM`\n", "or :MM`\n")
    content, found = _ask(unpaired, unpaired.replace("and :SS`", "and `:SS`"), "python")
    assert _applied(content, found) == code.replace("and :SS`", "and `:SS`")


@pytest.mark.parametrize("language", ["python", "markdown"])
def test_a_pair_of_quotes_put_around_an_expression_goes_around_the_others(language: str) -> None:
    code = "Call load(x) first.\nCall load(y) next.\nCall load(z) last.\n"
    content, found = _ask(code, code.replace("load(x)", "`load(x)`", 1), language)
    assert _applied(content, found) == code.replace("load(", "`load(").replace(")", ")`")


def test_a_local_is_read_where_its_function_has_a_string_at_the_left_edge() -> None:
    # the query's lines at column 0 are the function's still: `usekeys` is bound there
    code = (
        "class Record:\n"
        "    def first(self):\n"
        "        usekeys = self.keys()\n"
        "        return len(self.keys())\n\n"
        "    def second(self):\n"
        "        usekeys = self.keys()\n"
        '        query = """\nSELECT *\n"""\n'
        "        return len(self.keys())\n"
    )
    after = code.replace("return len(self.keys())", "return len(usekeys)", 1)
    assert [
        (c.span.start_line, c.edit and c.edit.text) for c in _ask(code, after, "python")[1]
    ] == [(11, "usekeys")]


def test_a_name_bound_under_global_or_as_a_later_target_is_no_other_functions_local() -> None:
    code = (
        "def setup():\n    global registry\n    registry = {}\n\n\n"
        "def load(x):\n    return convert(x, self.keys())\n\n\n"
        "def save(y):\n    return convert(y, self.keys())\n"
    )
    content, found = _ask(code, code.replace("self.keys())", "registry)", 1), "python")
    assert "convert(y, registry)" in _applied(content, found)
    code = (
        "def first(d):\n    return list(d.values())\n\n\n"
        "def second(d):\n    return list(d.values())\n\n\n"
        "def third(value):\n    return value\n"
    )
    for written in (
        "[value for key, value in d.items() if value]",
        "sorted(d, key=lambda key, value=None: value)",
    ):
        content, found = _ask(code, code.replace("list(d.values())", written, 1), "python")
        assert _applied(content, found).count(written) == 2, written


def test_a_javascript_args_renamed_is_a_rename_its_uses_follow() -> None:
    # `args` is a plain variable in JavaScript (the linter's `arguments_`), not a keyword
    code = (
        "export const publishArguments = options => {\n"
        "\tconst args = ['publish'];\n"
        "\tif (options.tag) {\n"
        "\t\targs.push('--tag', options.tag);\n"
        "\t}\n"
        "\treturn args;\n"
        "};\n"
    )
    after = code.replace("const args", "const arguments_")
    content, found = _ask(code, after, "javascript")
    assert _applied(content, found) == code.replace("args", "arguments_")


def test_a_global_given_its_qualifier_is_qualified_at_its_other_bare_uses() -> None:
    code = (
        "const parse = text => {\n"
        "\tconst parts = text.split(':');\n"
        "\tconst options = {parseFloat: true, strict: false};\n"
        "\treturn {\n"
        "\t\tseconds: parseFloat(parts[0], 10),\n"
        "\t\tlabel: describe(options),\n"
        "\t};\n"
        "};\n\n"
        "const total = values => values.map(v => add(parseFloat(v), 'second', Math.parseFloat));\n"
    )
    after = code.replace("seconds: parseFloat", "seconds: Number.parseFloat")
    content, found = _ask(code, after, "javascript")
    # the key spelled alike and the member of another object are left as they are
    assert _applied(content, found) == after.replace("add(parseFloat", "add(Number.parseFloat")


def test_a_bound_name_or_a_comment_qualified_is_not_qualified_elsewhere() -> None:
    code = (
        "function start(timer) {\n\treturn timer(1);\n}\n\n"
        "function stop(timer) {\n\tconst handle = timer;\n\tclear(handle);\n}\n"
    )
    # (a parameter: each function's own `timer`)
    after = code.replace("return timer(1)", "return clock.timer(1)")
    assert not [c for c in _ask(code, after, "javascript")[1] if c.edit is not None]
    code = "// see Get\nfunc a() { Get(1) }\n\nfunc b() { x := Get(2); use(x) }\n"
    after = code.replace("// see Get", "// see parser.Get")
    assert not [c for c in _ask(code, after, "go")[1] if c.edit is not None]


def test_a_statement_wrapped_in_a_handler_of_several_lines_is_wrapped_where_it_repeats() -> None:
    call = "return getattr(self, handler_name)(*args)"
    code = (
        "class Namespace:\n"
        "    def trigger(self, event, *args):\n"
        "        handler_name = 'on_' + event\n"
        "        if hasattr(self, handler_name):\n"
        f"            {call}\n\n"
        "    async def trigger_async(self, event, *args):\n"
        "        handler_name = 'on_' + event\n"
        "        if hasattr(self, handler_name):\n"
        f"            {call}\n"
    )
    wrapped = (
        "try:\n"
        f"                {call}\n"
        "            except TypeError:\n"
        "                # legacy events take no reason\n"
        "                if event == 'disconnect':\n"
        "                    return getattr(self, handler_name)(*args[:-1])\n"
        "                else:  # pragma: no cover\n"
        "                    raise"
    )
    after = code.replace(call, wrapped, 1)
    assert _applied(after, _ask_in_one(code, after, "python")) == code.replace(call, wrapped)


def test_a_name_moved_to_another_module_leaves_the_old_modules_other_imports() -> None:
    code = (
        "import sys\n"
        "from typing import TYPE_CHECKING, Any, cast\n\n"
        "if TYPE_CHECKING:\n"
        "    if sys.version_info >= (3, 12):\n"
        "        from typing import Buffer\n"
        "    else:\n"
        "        from typing_extensions import Buffer\n\n\n"
        "def encode(value: Any) -> bytes:\n"
        "    return cast(bytes, value)\n"
    )
    after = code.replace("from typing import Buffer", "from collections.abc import Buffer")
    content, found = _ask(code, after, "python")
    assert "from collections.abc import TYPE_CHECKING" not in _applied(content, found)
    # the same module reached another way is repeated on each of its imports
    code = "from invoke.vendor import lexicon\nfrom invoke.util import debug\n\ndebug(lexicon)\n"
    after = code.replace("from invoke.vendor", "from .vendor")
    content, found = _ask(code, after, "python")
    assert "from .util import debug" in _applied(content, found)


def test_a_test_typed_as_returning_nothing_has_the_files_other_tests_typed() -> None:
    code = (
        "import pytest\n\n\n"
        "@pytest.fixture\ndef governor():\n    return object()\n\n\n"
        "def test_interval(governor):\n    assert governor\n\n\n"
        "def test_typed() -> None:\n    assert True\n\n\n"
        "class TestParse:\n"
        "    def test_header(\n        self,\n        governor,\n    ):\n"
        "        assert governor\n\n"
        "    def helper(self):\n        return 1\n"
    )
    after = code.replace("def test_interval(governor):", "def test_interval(governor) -> None:")
    content, found = _ask(code, after, "python")
    # the fixture and the helper return values: they are left as they are
    assert _applied(content, found) == after.replace("    ):\n", "    ) -> None:\n")


def test_a_name_moved_from_a_module_read_as_a_rename_leaves_the_modules_other_imports() -> None:
    code = "from flask import current_app\nfrom flask import Markup\n\nMarkup(current_app)\n"
    after = code.replace("from flask import Markup", "from markupsafe import Markup")
    content, found = _ask(code, after, "python")
    assert "from markupsafe import current_app" not in _applied(content, found)
    # other names imported now: not a name moved, the like import is the model's to judge
    code = (
        "if PY3:\n    from collections.abc import Iterable\n"
        "else:\n    from collections import Iterable\n"
    )
    after = code.replace("from collections.abc import Iterable", "from collections import abc")
    lines = {c.span.start_line for c in _ask(code, after, "python")[1]}
    assert 4 in lines


def test_a_global_is_qualified_only_where_bindings_are_read_and_not_in_an_export() -> None:
    code = 'local function parse(text)\n  return text\nend\n\nlocal a = parse("x")\n'
    after = code.replace("local a = parse", "local a = M.parse")
    content, found = _ask(code, after, "lua")
    assert "function M.parse" not in _applied(content, found)
    code = "const a = setTimeout(run, 10);\nexport {setTimeout};\n"
    after = code.replace("const a = setTimeout", "const a = window.setTimeout")
    content, found = _ask(code, after, "javascript")
    assert "export {setTimeout}" in _applied(content, found)


def test_fixtures_and_nested_helpers_named_test_are_not_typed_as_returning_nothing() -> None:
    code = (
        "import pytest\n\n\n"
        '@pytest.fixture\ndef test_data():\n    return {"a": 1}\n\n\n'
        "def test_a(test_data):\n    def test_helper(x):\n        return x\n\n"
        "    assert test_helper(test_data)\n\n\n"
        "class TestB:\n    @pytest.fixture\n    def test_value(self):\n        return 2\n\n"
        "    def test_b(self, test_value):\n        assert test_value\n"
    )
    after = code.replace("def test_a(test_data):", "def test_a(test_data) -> None:")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "def test_b(self, test_value):", "def test_b(self, test_value) -> None:"
    )


def test_a_name_moved_reads_the_names_of_imports_in_parentheses() -> None:
    code = (
        "import sys\n\nif sys.version_info >= (3, 8):\n"
        "    from typing_extensions import Literal\n"
        "else:\n    from typing_extensions import (\n        Literal,\n        Protocol,\n    )\n"
    )
    after = code.replace(
        "    from typing_extensions import Literal\n", "    from typing import Literal\n"
    )
    assert {c.span.start_line for c in _ask(code, after, "python")[1]} & {6}


def test_no_test_typed_that_its_decorators_comments_header_or_class_say_gives_a_value() -> None:
    code = (
        "import pytest\n\n\n"
        "@pytest.fixture\n# the data\ndef test_data():\n    return 1\n\n\n"
        "@pytest.fixture(\n    scope='module',\n)\ndef test_module():\n    return 2\n\n\n"
        "def test_a(\n    test_data,\n):\n    def test_helper():\n        return 1\n\n"
        "    assert test_helper()\n\n\n"
        "class Probe:\n    def test_connection(self):\n        return True\n\n\n"
        "@pytest.mark.usefixtures('db')\ndef test_b():\n    pass\n\n\n"
        "def test_c():\n    pass\n"
    )
    after = code.replace("def test_c():", "def test_c() -> None:")
    content, found = _ask(code, after, "python")
    assert _applied(content, found) == after.replace(
        "):\n    def test_helper", ") -> None:\n    def test_helper"
    ).replace("def test_b():", "def test_b() -> None:")


def test_a_name_moved_reads_imports_past_comments_and_backslashes() -> None:
    for other in (
        "from typing import (  # helpers (casts)\n    Any,\n    cast,\n)\n",
        "from typing import TYPE_CHECKING, \\\n    Any, cast\n",
    ):
        code = (
            other + "\nif TYPE_CHECKING:\n    from typing import Buffer\n\nx = cast(Any, Buffer)\n"
        )
        after = code.replace(
            "    from typing import Buffer", "    from collections.abc import Buffer"
        )
        content, found = _ask(code, after, "python")
        assert _applied(content, found).startswith(other), other


def test_an_export_list_with_braces_in_a_comment_is_not_qualified() -> None:
    code = "const a = setTimeout(run, 10);\nexport {\n  // timers {see docs}\n  setTimeout,\n};\n"
    after = code.replace("const a = setTimeout", "const a = window.setTimeout")
    content, found = _ask(code, after, "javascript")
    assert "  setTimeout,\n" in _applied(content, found)
