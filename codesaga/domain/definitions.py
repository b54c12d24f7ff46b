"""What a definition is, for the completion prompt: a named function, method, class, field or
type in some file of the workspace, with its signature as written and the first line of its
documentation; a table of them by name; and how the ones chosen from one file read in a
prompt (an outline of that file: signatures, no bodies)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

import msgspec

CLASS, FUNCTION, METHOD, FIELD, TYPE = "class", "function", "method", "field", "type"
MAX_SIGNATURE_CHARS = 240  # a longer header (a huge parameter list) is cut
MAX_DOC_CHARS = 120
CONSTRUCTORS = frozenset({"__init__", "constructor", "new"})


class Definition(msgspec.Struct, frozen=True, gc=False):
    """gc=False: a large workspace holds some 140,000 of these, and each full collection of
    the garbage collector walked them all (a 250 ms pause, held by whichever completion it
    landed on). They hold strings and a number only, so they cannot form a cycle."""

    name: str
    kind: str  # CLASS (also interfaces, structs, traits, enums), FUNCTION, METHOD, FIELD, TYPE
    path: str
    line: int  # 1-based: where it starts, for the order within a file
    signature: str  # its header as written, on one line: `def area(w: int) -> int:`
    doc: str = ""  # the first line of its docstring or of the comment before it
    container: str = ""  # the class (struct, impl, interface) a member belongs to
    header: str = ""  # that container's header as written (`class Shape(Base):`)

    @property
    def key(self) -> tuple[str, int, str]:
        return (self.path, self.line, self.name)


def one_line(text: str, limit: int = MAX_SIGNATURE_CHARS) -> str:
    """A header written over several lines, on one: `def f(\\n    a,\\n) -> X:` reads
    `def f(a) -> X:`, which costs fewer tokens and says the same; cut at ``limit``."""
    parts = [part.strip() for part in text.strip().split("\n")]
    line = " ".join(part for part in parts if part)
    for opener in ("(", "[", "{", "<"):
        line = line.replace(opener + " ", opener)
    for closer in (")", "]", "}", ">"):
        line = line.replace(", " + closer, closer).replace("," + closer, closer)
        line = line.replace(" " + closer, closer)
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def first_doc_line(text: str, limit: int = MAX_DOC_CHARS) -> str:
    """The first line that says something of a docstring or comment, without its markers."""
    for raw in text.strip().split("\n"):
        line = raw.strip().lstrip("/*#!").strip().rstrip("*/").strip()
        if line and not line.startswith("@"):
            return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
    return ""


class SymbolTable:
    """The definitions of the files indexed so far, by file, by name and by container.

    Not thread-safe: its owner guards it (lookups and a file's swap are both short).
    """

    def __init__(self) -> None:
        self._files: dict[str, tuple[Definition, ...]] = {}
        # Tuples, not lists: a tuple of objects the collector does not track is untracked
        # too, so a full collection does not walk one per name either.
        self._names: dict[str, tuple[Definition, ...]] = {}
        self._members: dict[str, tuple[Definition, ...]] = {}
        self.size = 0  # definitions held
        self.version = 0  # changes whenever a file's definitions do

    def __contains__(self, path: str) -> bool:
        return path in self._files

    def __len__(self) -> int:
        return len(self._files)

    def put(self, path: str, definitions: Sequence[Definition]) -> None:
        """``path`` now defines ``definitions`` (replacing what it defined before)."""
        if self._files.get(path) == tuple(definitions):
            return
        self.drop(path)
        self._files[path] = tuple(definitions)
        _add(self._names, definitions, lambda d: d.name)
        _add(self._members, definitions, lambda d: d.container)
        self.size += len(definitions)
        self.version += 1

    def drop(self, path: str) -> None:
        """``path`` is gone (or no longer indexed)."""
        old = self._files.pop(path, None)
        if old is None:
            return
        for d in old:
            _remove(self._names, d.name, path)
            if d.container:
                _remove(self._members, d.container, path)
        self.size -= len(old)
        self.version += 1

    def paths(self) -> list[str]:
        return list(self._files)

    def named(self, name: str) -> list[Definition]:
        return list(self._names.get(name, ()))

    def members(self, container: Definition | str, near: str | None = None) -> list[Definition]:
        """The members of a class (by its definition, or by name near the file ``near``): in
        its folder, where Go and Rust put methods in other files of the same package."""
        if isinstance(container, Definition):
            name, near = container.name, container.path
        else:
            name = container
        found = self._members.get(name, ())
        if near is None:
            return list(found)
        folder = near.rpartition("/")[0]  # as dirname, a tenth of the cost per member
        return [d for d in found if d.path.rpartition("/")[0] == folder]

    def of_file(self, path: str) -> tuple[Definition, ...]:
        return self._files.get(path, ())


def _add(
    index: dict[str, tuple[Definition, ...]],
    definitions: Iterable[Definition],
    key: Callable[[Definition], str],
) -> None:
    """Files define a name a few times each: one new tuple per name of the file, not per
    definition (a name such as ``__init__`` has thousands)."""
    grouped: dict[str, list[Definition]] = {}
    for d in definitions:
        if name := key(d):
            grouped.setdefault(name, []).append(d)
    for name, more in grouped.items():
        index[name] = index.get(name, ()) + tuple(more)


def _remove(index: dict[str, tuple[Definition, ...]], name: str, path: str) -> None:
    kept = tuple(d for d in index.get(name, ()) if d.path != path)
    if kept:
        index[name] = kept
    else:
        index.pop(name, None)


# -- how the chosen definitions of one file read --------------------------------------------


def render_file(definitions: Iterable[Definition], language_id: str) -> str:
    """An outline of one file showing ``definitions``: each with its documentation's first
    line, members inside their class's header, in the file's order. Python as Python
    (docstrings, ``...`` bodies), the brace languages with ``//`` comments and braces."""
    python = language_id == "python"
    groups: dict[tuple[str, str | int], list[Definition]] = {}
    for d in sorted(set(definitions), key=lambda d: (d.line, bool(d.container))):
        groups.setdefault(_group(d, language_id), []).append(d)
    lines: list[str] = []
    for (kind, _), members in sorted(groups.items(), key=lambda item: item[1][0].line):
        first = members[0]
        head = kind == "top" or (first.kind == CLASS and not _nested(first, language_id))
        if head:
            members = members[1:]
            lines += _render(first, "", python, has_members=bool(members))
        else:
            header = first.header or first.container
            lines.append(header if python or header.endswith("{") else header + " {")
        for member in members:
            lines += _render(member, "    ", python, has_members=False)
        if not python and kind == "class":
            lines.append("}")
    return "\n".join(lines)


def _nested(d: Definition, language_id: str) -> bool:
    """Shown inside its container's header (Go's methods name their receiver themselves)."""
    return bool(d.container) and not (language_id == "go" and d.signature.startswith("func"))


def _group(d: Definition, language_id: str) -> tuple[str, str | int]:
    """What ``d`` is shown with: its container's members, or on its own."""
    if _nested(d, language_id):
        return ("class", d.container)
    if d.kind == CLASS:
        return ("class", d.name)
    return ("top", d.line)


def _render(d: Definition, indent: str, python: bool, *, has_members: bool) -> list[str]:
    signature = [indent + line for line in d.signature.split("\n")]  # decorators first
    if python:
        if d.doc:
            return [*signature, f'{indent}    """{d.doc}"""']
        if not has_members and d.kind != FIELD:
            signature[-1] += " ..."
        return signature
    comment = [f"{indent}// {d.doc}"] if d.doc else []
    if d.kind == CLASS and not indent and not d.signature.endswith("{"):
        signature[-1] += " {"
    return [*comment, *signature]
