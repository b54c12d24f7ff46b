"""An import taken away while its name is still used: the names each language's imports bind
(next_edit_imports), and the uses find_candidates offers the model after such a change; and
the same for a parameter taken away."""

from __future__ import annotations

from codesaga.domain.edits import apply_edits, diff_edits
from codesaga.domain.next_edit_imports import go_package_name, imported_names
from codesaga.domain.next_edit_locations import SIMILAR, Candidate
from codesaga.service.next_edit_find import find_candidates


def _ask(before: str, after: str, language: str) -> list[Candidate]:
    """The user turned ``before`` into ``after`` (one edit per changed line); the cursor is
    at the start of the first changed line."""
    history = diff_edits(before, after)
    return find_candidates(after, language, history, (history[0].span.start_line, 1))


def _lines(after: str, found: list[Candidate]) -> list[str]:
    return [after.splitlines()[c.span.start_line - 1].strip() for c in found]


def test_the_names_python_imports_bind() -> None:
    code = (
        "import os, os.path\n"
        "import xml.etree.ElementTree as ET\n"
        "from typing import (\n    Any,  # comment\n    Mapping as M,\n)\n"
        "from .x import *\n"
        "x = 'import y'\n"
    )
    assert imported_names(code, "python") == {"os", "ET", "Any", "M"}


def test_the_names_go_imports_bind() -> None:
    code = (
        'package p\n\nimport "fmt"\n\nimport (\n\t"io/ioutil"\n\tmrand "math/rand"\n'
        '\t_ "embed"\n\t"gopkg.in/yaml.v3"\n\t"github.com/go-chi/chi/v5"\n)\n'
    )
    assert imported_names(code, "go") == {"fmt", "ioutil", "mrand", "yaml", "chi"}
    assert go_package_name("github.com/mattn/go-isatty") == "isatty"


def test_the_names_script_imports_and_requires_bind() -> None:
    code = (
        "import fs from 'node:fs';\n"
        "import def, { a, b as c, type T } from './m';\n"
        "import * as path from 'node:path';\n"
        "import type { U } from './types';\n"
        "import {\n  one,\n  two,\n} from './many';\n"
        "import './side-effect';\n"
        "const send = require('send');\n"
        "const { join, resolve: res } = require('path');\n"
    )
    assert imported_names(code, "typescript") == {
        *("fs", "def", "a", "c", "T", "path", "U", "one", "two", "send", "join", "res"),
    }


GO = """package middleware

import (
	"io"
	"io/ioutil"
	"net/http"

	"github.com/pkg/errors"
)

func drain(r *http.Request) error {
	_, err := io.Copy(ioutil.Discard, r.Body)
	return errors.Wrap(err, "drain")
}

func body(r *http.Request) ([]byte, error) {
	return ioutil.ReadAll(r.Body)
}

func temp() (string, error) {
	return ioutil.TempDir("", "x")
}
"""


def test_a_go_import_taken_away_points_at_the_uses_of_its_package() -> None:
    after = GO.replace('\t"github.com/pkg/errors"\n', "")
    found = _ask(GO, after, "go")
    assert [c.kind for c in found] == [SIMILAR] and found[0].edit is None
    assert _lines(after, found) == ['return errors.Wrap(err, "drain")']


def test_go_io_ioutil_taken_away_has_its_uses_written_as_their_successors() -> None:
    # Go 1.16's deprecation notes: each member has a successor in io or os
    for after in (GO.replace('\t"io/ioutil"\n', ""), GO.replace('"io/ioutil"', '"os"')):
        found = _ask(GO, after, "go")
        assert all(c.kind == SIMILAR and c.edit is not None for c in found)
        expected = (
            after.replace("ioutil.Discard", "io.Discard")
            .replace("ioutil.ReadAll", "io.ReadAll")
            .replace("ioutil.TempDir", "os.MkdirTemp")
        )
        assert apply_edits(after, [c.edit for c in found if c.edit is not None]) == expected


def test_typings_generic_aliases_taken_away_have_their_uses_written_as_the_builtins() -> None:
    code = (
        "from typing import (\n    Any,\n    List,\n    Tuple,\n)\n\n"
        "Pair = Tuple[int, int]\n\n\n"
        "def pairs(items: List[Any]) -> List[Pair]:\n"
        "    seen: List[int] = []  # List of ints\n"
        "    return [(i, i) for i in items if i not in seen]\n"
    )
    after = code.replace("    List,\n    Tuple,\n", "")
    found = _ask(code, after, "python")
    assert all(c.edit is not None for c in found)
    expected = after.replace("Tuple[", "tuple[").replace("List[", "list[")
    assert apply_edits(after, [c.edit for c in found if c.edit is not None]) == expected
    # a List of the file's own, or imported from elsewhere, is not typing's
    other = code.replace("from typing import", "from mytypes import")
    assert all(c.edit is None for c in _ask(other, other.replace("    List,\n", ""), "python"))


def test_a_modules_members_imported_by_name_have_their_uses_written_without_it() -> None:
    code = (
        "import asyncio\n\n\n"
        "async def pause(seconds):\n"
        "    await asyncio.sleep(seconds)\n"
        "    return asyncio.get_running_loop()\n"
    )
    after = code.replace("import asyncio\n", "from asyncio import sleep\n")
    found = _ask(code, after, "python")
    # the member the new import brings is written alone; another is the model's to write
    assert [c.edit is None for c in found] == [False, True]
    assert apply_edits(after, [c.edit for c in found if c.edit is not None]) == after.replace(
        "asyncio.sleep(", "sleep("
    )
    # (not a rename of `asyncio` to `sleep`, which made `sleep.sleep(seconds)`; a name that
    # its import names once less is one)
    code = "from copy import copy\n\nclone = copy(value)\n"
    after = code.replace("import copy", "import deepcopy")
    found = _ask(code, after, "python")
    assert apply_edits(after, [c.edit for c in found if c.edit is not None]) == after.replace(
        "= copy(", "= deepcopy("
    )
    # nor a module replaced by another's member (`time.sleep(1)` is not `sleep.sleep(1)`)
    code = "import time\n\ntime.sleep(1)\n"
    after = code.replace("import time", "from asyncio import sleep")
    assert all(c.edit is None for c in _ask(code, after, "python"))
    # a member the file binds itself is not written alone (`path.exists(path)`)
    code = "import os\n\n\ndef exists(path):\n    return os.path.exists(path)\n"
    after = code.replace("import os", "from os import path")
    assert all(c.edit is None for c in _ask(code, after, "python"))
    code = "const tap = require('tap')\n\ntap.test('pipe', (t) => t.end())\n"
    after = code.replace("const tap = require('tap')", "const { test } = require('tap')")
    found = _ask(code, after, "javascript")
    assert apply_edits(after, [c.edit for c in found if c.edit is not None]) == after.replace(
        "tap.test(", "test("
    )


def test_a_go_import_replaced_by_a_path_that_may_declare_the_name_points_nowhere() -> None:
    code = 'package p\n\nimport "gopkg.in/yaml.v2"\n\nvar f = yaml.Marshal\n'
    for path in ("github.com/goccy/go-yaml", "github.com/example/yaml-ng"):
        assert _ask(code, code.replace("gopkg.in/yaml.v2", path), "go") == []
    # a package whose name the path tells is not that one
    after = code.replace("gopkg.in/yaml.v2", "example.com/internal/xyaml")
    assert _lines(after, _ask(code, after, "go")) == ["var f = yaml.Marshal"]


PYTHON = '''import json
import os


def load(path):
    """Reads json from path."""
    with open(path) as f:
        return json.load(f)


def save(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(data, f)
'''


def test_a_python_import_taken_away_points_at_its_uses_in_code_only() -> None:
    after = PYTHON.replace("import json\n", "")
    found = _ask(PYTHON, after, "python")
    assert _lines(after, found) == ["return json.load(f)", "json.dump(data, f)"]


def test_an_import_replaced_by_another_of_the_name_or_of_a_builtin_points_nowhere() -> None:
    moved = PYTHON.replace("import json\n", "import simplejson as json\n")
    assert _ask(PYTHON, moved, "python") == []
    code = "from io import open\n\nf = open('x')\n"
    assert _ask(code, code.replace("from io import open\n", ""), "python") == []
    # a name the file binds itself after the change (a fallback defined in its place)
    local = PYTHON.replace("import json\n", "json = None\n")
    assert _ask(PYTHON, local, "python") == []


SCRIPT = """const Buffer = require('safe-buffer').Buffer;
const { once } = require('node:events');
import { pEvent } from 'p-event';
export {
  pEvent,
  other,
} from './events.js';

export async function wait(child) {
  await pEvent(child, 'exit');
  return Buffer.from('done');
}
"""


def test_a_script_import_taken_away_points_at_its_uses_not_its_reexport() -> None:
    after = SCRIPT.replace("import { pEvent } from 'p-event';\n", "")
    for language in ("javascript", "typescript"):
        found = _ask(SCRIPT, after, language)
        assert _lines(after, found) == ["await pEvent(child, 'exit');"]


def test_a_require_of_a_global_taken_away_points_nowhere() -> None:
    after = SCRIPT.replace("const Buffer = require('safe-buffer').Buffer;\n", "")
    assert _ask(SCRIPT, after, "javascript") == []


def test_a_name_taken_out_of_a_multiline_import_points_at_its_uses() -> None:
    code = (
        "import {\n\ttype StdioOption,\n\texeca,\n} from '../index.js';\n\n"
        "expectType<StdioOption>('pipe');\nawait execa('x');\n"
    )
    after = code.replace("\ttype StdioOption,\n", "")
    assert _lines(after, _ask(code, after, "typescript")) == ["expectType<StdioOption>('pipe');"]


def test_a_parameter_taken_away_points_at_its_uses_left_in_its_function() -> None:
    code = (
        "export const create = (schema) => {\n"
        "  schema.test('max', function (value, ctx) {\n"
        "    if (!ctx) return true;\n"
        "    return value <= ctx.parent.max;\n"
        "  });\n"
        "  schema.test('min', (value, ctx) => value >= ctx.min);\n"
        "};\n"
    )
    after = code.replace("(value, ctx) {\n    if (!ctx)", "(value) {\n    if (!this)")
    found = _ask(code, after, "javascript")
    # the other function's own `ctx` is left alone
    assert _lines(after, found) == ["return value <= ctx.parent.max;"]
    assert [c.kind for c in found] == [SIMILAR] and found[0].edit is None
    # a name bound again (the user's change declared it in the body) points nowhere
    bound = code.replace("(value, ctx) {\n", "(value) {\n    const ctx = this;\n")
    assert _ask(code, bound, "javascript") == []
