"""The names a file's imports bind, and the ones the user's change took away while the code
still uses them: an import deleted (`"io/ioutil"` gone from a Go import block, `import {
pEvent } from 'p-event'` replaced by another module's) leaves each use of its name broken,
and those uses are where the next edits go. Read from the text with patterns (Python, Go,
JavaScript and TypeScript), not a parser: a file whose imports this misreads only loses
these places. Pure: the service finds the uses (service/next_edit_find.py)."""

from __future__ import annotations

import builtins
import re

from codesaga.domain.next_edit_locations import Change

_NAME = r"[A-Za-z_$][\w$]*"

# -- Python --------------------------------------------------------------------------------

_PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.MULTILINE)
_PY_FROM = re.compile(
    r"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)", re.MULTILINE
)
_PY_BUILTINS = frozenset(dir(builtins))


def _python_names(text: str) -> set[str]:
    names = set()
    for found in _PY_IMPORT.finditer(text):
        for part in found.group(1).split(","):
            words = part.split()
            if len(words) == 3 and words[1] == "as":
                names.add(words[2])
            elif len(words) == 1:
                names.add(words[0].split(".")[0])
    for found in _PY_FROM.finditer(text):
        names.update(n for n in listed_names(found.group(1)) if n != "*")
    return names


_PY_STAR = re.compile(r"^[ \t]*from[ \t]+[\w.]+[ \t]+import[ \t]+\*", re.MULTILINE)


def python_unimported(text: str, name: str) -> bool:
    """Is ``name`` neither a Python builtin nor bound by one of ``text``'s imports (none of
    them a star import, which may bind it)?"""
    return (
        name not in _PY_BUILTINS
        and name not in _python_names(text)
        and _PY_STAR.search(text) is None
    )


def listed_names(listed: str) -> list[str]:
    """The names a Python `from … import` statement's list (what follows `import`) binds,
    in order: each entry's last word (`b` of `a as b`)."""
    listed = re.sub(r"#[^\n]*", "", listed.replace("\\\n", " "))
    return [part.split()[-1] for part in listed.strip().strip("()").split(",") if part.split()]


# -- Go ------------------------------------------------------------------------------------

_GO_BLOCK = re.compile(r"^import[ \t]*\(([^)]*)\)", re.MULTILINE)
_GO_SINGLE = re.compile(r'^import[ \t]+((?:[A-Za-z_]\w*|\.)[ \t]+)?"([^"\n]+)"', re.MULTILINE)
_GO_SPEC = re.compile(
    r'^[ \t]*((?:[A-Za-z_]\w*|\.)[ \t]+)?"([^"\n]+)"[ \t]*(?://[^\n]*)?$', re.MULTILINE
)


def _go_specs(text: str) -> list[tuple[str | None, str]]:
    """Each import's own name (None: the package's) and path."""
    specs = [(m.group(1), m.group(2)) for m in _GO_SINGLE.finditer(text)]
    for block in _GO_BLOCK.finditer(text):
        specs += [(m.group(1), m.group(2)) for m in _GO_SPEC.finditer(block.group(1))]
    return [(None if alias is None else alias.strip(), path) for alias, path in specs]


def go_package_name(path: str) -> str:
    """The name a Go import path's package is most likely declared with: its last element,
    less a major version (`/v2`, `yaml.v3`) and a `go-` prefix or `-go` suffix."""
    parts = path.split("/")
    last = parts[-1]
    if re.fullmatch(r"v\d+", last) and len(parts) > 1:
        last = parts[-2]
    last = re.sub(r"\.v\d+$", "", last)
    last = re.sub(r"^go-|-go$", "", last)
    return re.sub(r"\W", "", last)


def _unsure(path: str) -> bool:
    """Is a Go package's name not to be told from its import path (`github.com/goccy/
    go-yaml`, `github.com/json-iterator/go`)?"""
    last = path.rsplit("/", 1)[-1]
    return not re.fullmatch(r"[A-Za-z_]\w*", last) or last == "go" or last.startswith("go")


def _go_names(text: str) -> set[str]:
    return {alias or go_package_name(path) for alias, path in _go_specs(text)} - {"_", "."}


# -- JavaScript and TypeScript -------------------------------------------------------------

_ES_IMPORT = re.compile(
    r"^[ \t]*import[ \t]+(?:type[ \t]+)?([\w$*{}\s,]*?)[ \t]*\bfrom[ \t]*['\"]", re.MULTILINE
)
_REQUIRED = re.compile(
    rf"^[ \t]*(?:const|let|var)[ \t]+({_NAME}|\{{[^{{}}]*\}})[ \t]*=[ \t]*require\(", re.MULTILINE
)
# What a script may use without importing it: a require or import of one of these that goes
# leaves its uses meaning the global (`var Buffer = require('safe-buffer').Buffer`).
_GLOBAL_WORDS = """AbortController AbortSignal Array ArrayBuffer Blob Boolean Buffer
    BroadcastChannel DOMException Date Error EventEmitter EventTarget File FormData Headers
    Intl JSON Map Math
    MessageChannel Number Object Promise Proxy ReadableStream Reflect RegExp Request Response
    Set String Symbol TextDecoder TextEncoder TransformStream URL URLSearchParams WeakMap
    WeakSet WritableStream atob btoa clearImmediate clearInterval clearTimeout console crypto
    fetch global globalThis performance process queueMicrotask setImmediate setInterval
    setTimeout structuredClone"""
SCRIPT_GLOBALS = frozenset(_GLOBAL_WORDS.split())


def _script_names(text: str) -> set[str]:
    names = set()
    for found in _ES_IMPORT.finditer(text):
        clause = found.group(1)
        braced = re.search(r"\{([^}]*)\}", clause)
        if braced is not None:
            for part in braced.group(1).split(","):
                words = part.split()
                if words[:1] == ["type"]:
                    words = words[1:]
                if len(words) == 3 and words[1] == "as":
                    names.add(words[2])
                elif len(words) == 1:
                    names.add(words[0])
            clause = clause[: braced.start()] + clause[braced.end() :]
        names.update(re.findall(rf"\*\s*as\s+({_NAME})", clause))
        head = re.match(rf"\s*({_NAME})\s*(?:,|$)", clause)
        if head is not None:
            names.add(head.group(1))
    for found in _REQUIRED.finditer(text):
        binding = found.group(1)
        if not binding.startswith("{"):
            names.add(binding)
            continue
        for part in binding.strip("{}").split(","):
            name = part.split(":")[-1].split("=")[0].strip()
            if re.fullmatch(_NAME, name):
                names.add(name)
    return names


# -- the names a change took away ----------------------------------------------------------

_READERS = {
    "python": _python_names,
    "go": _go_names,
    "javascript": _script_names,
    "typescript": _script_names,
}


def imported_names(text: str, language: str | None) -> set[str]:
    """The names ``text``'s imports bind (none for a language this does not read)."""
    reader = _READERS.get(language or "")
    return set() if reader is None else reader(text)


def unimported_names(change: Change, language: str | None) -> list[str]:
    """The names an import bound before ``change`` and no import binds after it, sorted (a
    name the language has without importing it, a builtin or a script's global, left out;
    in Go also a name a remaining import's path may declare, `go-yaml` for `yaml`). None
    when the change removed nothing."""
    if language not in _READERS or not change.removed:
        return []
    gone = imported_names(change.before, language) - imported_names(change.content, language)
    if language == "python":
        gone -= _PY_BUILTINS
    elif language == "go":
        unsure = [path.lower() for _, path in _go_specs(change.content) if _unsure(path)]
        gone = {name for name in gone if not any(name.lower() in path for path in unsure)}
    else:
        gone -= SCRIPT_GLOBALS
    return sorted(gone)


# What a deprecated package's members became, as its documentation says: an import of it
# taken away leaves each use to be written as its successor (`ioutil.ReadAll(r)` to
# `io.ReadAll(r)`), computed. Go's `io/ioutil` (deprecated in Go 1.16).
SUCCESSORS = {
    ("go", "io/ioutil"): {
        "ReadAll": "io.ReadAll",
        "ReadFile": "os.ReadFile",
        "WriteFile": "os.WriteFile",
        "ReadDir": "os.ReadDir",
        "NopCloser": "io.NopCloser",
        "Discard": "io.Discard",
        "TempFile": "os.CreateTemp",
        "TempDir": "os.MkdirTemp",
    },
}


# The deprecated aliases of unittest's TestCase methods (removed in Python 3.12; Python 2's
# `assertItemsEqual` became `assertCountEqual`) and what replaces each: one switched
# (`self.assertEquals` to `self.assertEqual`) is a file's aliases being replaced, though the
# new name is used already.
UNITTEST_ALIASES = {
    "assertEquals": "assertEqual", "failUnlessEqual": "assertEqual",
    "assertNotEquals": "assertNotEqual", "failIfEqual": "assertNotEqual",
    "assertAlmostEquals": "assertAlmostEqual", "failUnlessAlmostEqual": "assertAlmostEqual",
    "assertNotAlmostEquals": "assertNotAlmostEqual", "failIfAlmostEqual": "assertNotAlmostEqual",
    "assert_": "assertTrue", "failUnless": "assertTrue", "failIf": "assertFalse",
    "failUnlessRaises": "assertRaises", "assertRaisesRegexp": "assertRaisesRegex",
    "assertRegexpMatches": "assertRegex", "assertNotRegexpMatches": "assertNotRegex",
    "assertItemsEqual": "assertCountEqual",
}  # fmt: skip


def replaces_alias(language: str | None, old: str, new: str) -> bool:
    """Is ``new`` what replaces the deprecated alias ``old`` (unittest's `assertEquals`)?"""
    return language == "python" and UNITTEST_ALIASES.get(old) == new


# Python's generic aliases in `typing` that the builtins replace (PEP 585, Python 3.9): a
# `from typing import List` taken away leaves each `List[int]` to be written `list[int]`.
TYPING_BUILTINS = {
    "List": "list", "Dict": "dict", "Set": "set", "FrozenSet": "frozenset",
    "Tuple": "tuple", "Type": "type",
}  # fmt: skip
_FROM_TYPING = re.compile(r"^[ \t]*from[ \t]+typing[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)


def builtin_successor(change: Change, language: str | None, name: str) -> str | None:
    """The builtin that replaces ``name`` when ``change`` took away its import from
    `typing` (`List` to `list`); None for any other name or import."""
    if language != "python" or name not in TYPING_BUILTINS:
        return None
    for found in _FROM_TYPING.finditer(change.before):
        if re.search(rf"(?<![\w.]){name}\b(?!\s+as\b)", found.group(1)):
            return TYPING_BUILTINS[name]
    return None


def successors(change: Change, language: str | None, name: str) -> dict[str, str]:
    """What the members of the package ``change``'s import of ``name`` brought became, by
    member; empty when that package has no known successor."""
    if language != "go":
        return {}
    paths = {
        path for alias, path in _go_specs(change.before) if (alias or go_package_name(path)) == name
    }
    return next(
        (SUCCESSORS[("go", path)] for path in sorted(paths) if ("go", path) in SUCCESSORS), {}
    )
