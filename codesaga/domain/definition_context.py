"""Which definitions of other files a completion prompt shows, and how.

The references around the cursor (symbol_refs.py) are resolved to definitions in the symbol
table, preferring the module a name was imported from and the receiver's type when the text
shows it; the most relevant that fit a budget are shown as one outline per file. Between
keystrokes the choice stays as it was unless what the cursor is on (the call or member being
typed) is missing from it or the cursor moved far: the definitions lead the prompt, so any
change to them makes the model read the whole prompt again.
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import msgspec

from codesaga.domain.definitions import (
    CLASS,
    CONSTRUCTORS,
    FIELD,
    FUNCTION,
    METHOD,
    Definition,
    SymbolTable,
    render_file,
)
from codesaga.domain.symbol_refs import (
    IDENT,
    TYPE_LOOKBACK,
    Import,
    Reference,
    assigned_calls,
    imports,
    known_types,
    receiver_type,
)

MAX_AMBIGUOUS = 3  # a name defined more often than this, with nothing to tell which: skipped
MAX_PREFIXED = 10  # members shown for the start of a member's name
MAX_CLASS_MEMBERS = 6  # the constructor and fields shown with a class
MAX_WANTED = 48
ITEM_HEAD = 4  # definitions of each item chosen before the rest of any item
MOVE_LINES = 30  # a cursor that moved further than this has other names around it
MAX_INHERITANCE = 3  # levels of base classes searched for a member
MAX_SAME_NAMED_CLASSES = 4  # classes of one name searched for a member, the nearest first
MAX_OUTLINES = 3  # receivers' classes outlined
MAX_OUTLINE_METHODS = 10
MAX_UNUSED_IMPORTS = 8  # more names imported and not used are a module's re-exports
MENTIONS_SEARCHED = 100_000  # characters each side of the cursor searched for imported names
# Members of the languages' own lists, maps, sets, strings and promises (Python and
# JavaScript/TypeScript). When the receiver's type is not in view, `items.append(` or
# `parts.slice(` almost always calls one of these, whatever a class of the workspace also
# names so.
COMMON_MEMBER_NAMES = """append extend insert remove pop clear copy count index sort reverse
    get keys values items update setdefault add discard union intersection difference issubset
    issuperset join split rsplit splitlines strip lstrip rstrip replace find rfind startswith
    endswith lower upper format encode decode push shift unshift slice splice concat indexOf
    lastIndexOf includes filter map reduce forEach some every entries fill flat flatMap trim
    trimStart trimEnd toLowerCase toUpperCase substring charAt match matchAll padStart padEnd
    repeat toString valueOf has set delete size length then catch finally"""
COMMON_MEMBERS = frozenset(COMMON_MEMBER_NAMES.split())


@dataclass(frozen=True)
class Selection:
    """The definitions a document's prompts show, as (path, outline) chunks, the most relevant
    last (nearest the code being completed)."""

    chunks: tuple[tuple[str, str], ...]
    keys: frozenset[tuple[str, int, str]]


@dataclass
class Scope:
    """What resolving the references of one request needs (made for each, used by one
    thread, with the symbol table's lock held)."""

    table: SymbolTable
    path: str  # the document's: its own definitions are in the prompt already
    language_id: str
    before: str
    after: str
    _types: dict[str, str | None] = field(default_factory=dict)

    @cached_property
    def imports(self) -> dict[str, Import]:
        return imports(self.before, self.language_id) | imports(self.after, self.language_id)

    @cached_property
    def imported_mentions(self) -> dict[str, int]:
        """How often the document names each name it imported (its import counts once),
        within MENTIONS_SEARCHED characters each side of the cursor."""
        names = [i.local for i in self.imports.values() if i.name is not None]
        if not names:
            return {}
        text = self.before[-MENTIONS_SEARCHED:] + "\n" + self.after[:MENTIONS_SEARCHED]
        words = Counter(re.findall(IDENT, text))  # one pass: ~3 ms for 100 KB
        return {name: words[name] for name in names}

    @cached_property
    def called(self) -> set[str]:
        """The names the document uses after a dot (members it calls or reads)."""
        text = self.before[-TYPE_LOOKBACK:] + self.after[:4000]
        return set(re.findall(rf"\.\s*({IDENT})", text))

    @cached_property
    def types(self) -> dict[str, str]:
        return known_types(self.before, self.after, self.language_id)

    @cached_property
    def calls(self) -> dict[str, str]:
        return assigned_calls(self.before, self.after)

    def type_of(self, receiver: str) -> str | None:
        """The class ``receiver`` is an instance of (or is), if the text and table say."""
        if receiver not in self._types:
            self._types[receiver] = None  # a cycle (`node = node.next()`) ends here
            self._types[receiver] = self._find_type(receiver)
        return self._types[receiver]

    def _find_type(self, receiver: str) -> str | None:
        found = receiver_type(receiver, self.types, self.before, self.language_id)
        if found is None and receiver[:1].isupper() and "." not in receiver:
            found = receiver  # `Foo.create(`: the class itself
        if found is not None:
            return found if self.is_class(found) else None
        # What the text does not say, the definitions may: the type a member of a known
        # class is declared with (`state.md`, `this.config.crypto`), the type a function
        # returns (`token = state.push(...)`).
        head, _, member = receiver.rpartition(".")
        if head and head not in self.imports:
            owner = self.type_of(head)
            return self._member_type(owner, member) if owner is not None else None
        callee = self.calls.get(receiver)
        if callee is None or callee == receiver:
            return None
        head, _, name = callee.rpartition(".")
        called = resolve(Reference(name, head), self)
        return self._declared_type(called[0]) if called else None

    def is_class(self, name: str) -> bool:
        return any(d.kind == CLASS for d in self.table.named(name))

    def _member_type(self, owner: str, member: str) -> str | None:
        """The class a member of class ``owner`` (or of a class it extends) is declared as or
        returns; else the type of the constructor's parameter of that name (`self.md = md`,
        TypeScript's `constructor(private md: Md)`)."""
        classes = _classes(owner, self)
        members = [d for c in classes for d in self.table.members(c)]
        for d in members:
            if d.name == member:
                found = self._declared_type(d)
                if found is not None:
                    return found
        for d in members:
            if d.name in CONSTRUCTORS:
                found = _parameter_type(d.signature, member)
                if found is not None and self.is_class(found):
                    return found
        return None

    def _declared_type(self, d: Definition) -> str | None:
        """The first class of the workspace a field's annotation or a function's return type
        names (`md: MarkdownIt`, `-> Token | None`, `): Promise<Client>`)."""
        if d.kind == FIELD:
            found = next((m for m in _ANNOTATION.finditer(d.signature) if m[1] == d.name), None)
        elif d.kind in (METHOD, FUNCTION):
            found = _RETURNS.search(d.signature)
        else:
            return None
        if found is None:
            return None
        names = re.findall(IDENT, found.group(2))
        return next((n for n in names if n[:1].isupper() and self.is_class(n)), None)


_ANNOTATION = re.compile(r"(?<![\w$])([\w$]+)\s*[?!]?\s*:\s*([^=;,)]+)")  # `md: Md`, `x?: X`
_RETURNS = re.compile(r"(\))\s*(?:->|:)\s*([^{=]+?)\s*[:{]?\s*$")  # `) -> X:`, `): X {`
_PARAMETER_PROPERTY = re.compile(  # `(private md: Md`, `, readonly x?: X`, `, md: "Md"`
    rf"[(,]\s*(?:(?:private|public|protected|readonly)\s+)*({IDENT})\s*\??\s*:\s*[\"']?"
    r"(?:[\w$]+\.)*([A-Z][\w$]*)"
)


def _parameter_type(signature: str, name: str) -> str | None:
    """The type a constructor's parameter ``name`` is annotated with, if a class name."""
    return next((m[2] for m in _PARAMETER_PROPERTY.finditer(signature) if m[1] == name), None)


def resolve(ref: Reference, scope: Scope) -> list[Definition]:
    """The definitions ``ref`` most likely names, best first; [] when it names none, or too
    many to tell apart."""
    if ref.receiver:
        return _resolve_member(ref, scope)
    if not ref.name:
        return []
    found = [d for d in scope.table.named(ref.name) if d.path != scope.path and not d.container]
    imported = scope.imports.get(ref.name)
    return _best(found, scope, imported.module if imported else None)


def _resolve_member(ref: Reference, scope: Scope) -> list[Definition]:
    module = _module_of(ref.receiver, scope)
    if module is not None:  # `np.array`, `utils.helper`: a name of that module
        found = [d for d in scope.table.named(ref.name) if not d.container]
        return _best([d for d in found if d.path != scope.path], scope, module)
    type_name = scope.type_of(ref.receiver)
    if type_name is not None:
        classes = _classes(type_name, scope)
        members = [
            d for owner in classes for d in scope.table.members(owner) if d.path != scope.path
        ]
        if ref.prefix:
            if not ref.name:  # `console.|`: the class itself, with its constructor
                return [c for c in classes if c.path != scope.path][:1]
            return [d for d in members if d.name.startswith(ref.name)][:MAX_PREFIXED]
        named = [d for d in members if d.name == ref.name]
        if named:
            return named[:1]
    if ref.prefix or not ref.name or ref.name in COMMON_MEMBERS:
        return []
    # The receiver's type is not in view (or inherits the member): a member of that name,
    # when few classes define one and the language's own collections and strings do not.
    found = [d for d in scope.table.named(ref.name) if d.container and d.path != scope.path]
    return found[:1] if len({d.container for d in found}) <= 2 else []


def _classes(name: str, scope: Scope, depth: int = 0) -> list[Definition]:
    """The classes named ``name`` (the nearest few: a large tree holds many of one name,
    vendored copies, and each with its bases took its members whole: 700 ms for one
    prompt), then the classes they extend (their members are its)."""
    own = [d for d in scope.table.named(name) if d.kind == CLASS]
    if len(own) > MAX_SAME_NAMED_CLASSES:
        own.sort(key=lambda d: -_closeness(d.path, scope.path, None))
        del own[MAX_SAME_NAMED_CLASSES:]
    if depth >= MAX_INHERITANCE:
        return own
    bases = [base for d in own for base in _bases(d.signature) if base != name]
    return own + [c for base in dict.fromkeys(bases) for c in _classes(base, scope, depth + 1)]


def _bases(header: str) -> list[str]:
    """The classes a class header says it extends: `class A(B, C):`, `class A extends B`."""
    found = re.search(r"\bextends\s+([\w.$]+)", header) or re.search(
        r"^\s*class\s+\w+\s*\(([^)]*)\)", header
    )
    if found is None:
        return []
    names = [part.split("[")[0].split("<")[0].strip() for part in found.group(1).split(",")]
    return [n.rsplit(".", 1)[-1] for n in names if n and "=" not in n]


def _module_of(receiver: str, scope: Scope) -> str | None:
    """The module ``receiver`` names when the file imported it as one."""
    imported = scope.imports.get(receiver.split(".")[0])
    if imported is None:
        return None
    if imported.name is None:  # `import a.b as c`, `import * as c from './c'`
        rest = receiver.split(".")[1:]
        return ".".join([imported.module, *rest]) if scope.language_id == "python" else (
            imported.module
        )  # fmt: skip
    if not scope.is_class(imported.name):
        if scope.language_id != "python":  # `import util from './util'`: that module
            return imported.module
        sep = "" if imported.module.endswith(".") else "."  # `from . import utils`
        return f"{imported.module}{sep}{imported.name}"
    return None


def _best(found: list[Definition], scope: Scope, module: str | None) -> list[Definition]:
    """The one of ``found`` the document means: from the module it was imported from (none
    when no candidate is: the name comes from a library), else the nearest; none when too
    many are equally likely."""
    if module is not None:
        found = [d for d in found if module_match(d.path, scope.path, module)]
    if len(found) <= 1:
        return found
    scored = sorted(found, key=lambda d: -_closeness(d.path, scope.path, module))
    closeness = [_closeness(d.path, scope.path, module) for d in scored[:2]]
    if module is None and len(found) > MAX_AMBIGUOUS and closeness[0] == closeness[1]:
        return []
    return scored[:1]


def _closeness(path: str, doc: str, module: str | None) -> int:
    """How well ``path`` fits the module a name was imported from (most), then how many
    folders it shares with the document."""
    shared = len(posixpath.commonpath([path, doc]).split("/")) if path and doc else 0
    return 1000 * module_match(path, doc, module) + shared if module else shared


def module_match(path: str, doc: str, module: str) -> int:
    """How many trailing parts of the module's name ``path`` matches (100: exactly the file a
    relative import names). Python (`.a.b`, `pkg.a`), JS/TS (`./a`, `../b.js`), Go, Rust
    (`crate::a`) and Java (`com.x.a`) spellings."""
    stem = posixpath.splitext(path)[0]
    stem = stem.removesuffix("/__init__").removesuffix("/index").removesuffix("/mod")
    if module.startswith("."):
        if module.startswith(("./", "../")):  # JS/TS
            target = posixpath.normpath(posixpath.join(posixpath.dirname(doc), module))
            target = posixpath.splitext(target)[0] if target.endswith((".js", ".ts")) else target
        else:  # Python: one dot per level up, the first being the document's own package
            dots = len(module) - len(module.lstrip("."))
            base = posixpath.dirname(doc)
            for _ in range(dots - 1):
                base = posixpath.dirname(base)
            rest = module.lstrip(".").replace(".", "/")
            target = posixpath.join(base, rest) if rest else base
        return 100 if stem == target or posixpath.dirname(stem) == target else 0
    parts = [p for p in module.replace("::", "/").replace(".", "/").split("/") if p != "crate"]
    stem_parts = stem.split("/")
    matched = 0
    for want, have in zip(reversed(parts), reversed(stem_parts), strict=False):
        if want != have:
            break
        matched += 1
    if not matched and parts and parts[-1] in stem_parts[:-1]:
        matched = 1  # Go and Java: the module is the file's folder
    return matched


def wanted(refs: Sequence[Reference], scope: Scope) -> list[list[Definition]]:
    """What ``refs`` name, most relevant first, as items: a definition (a class with its
    constructor and first fields) or the outline of a receiver's class (its public methods,
    those the document calls first). Names imported and not used yet come right after the
    call being typed: code is written after its imports, so such a name is likely to be used
    next, and nothing in the text shows how. Imported names used elsewhere than nearby come
    last."""
    items: list[list[Definition]] = []
    seen: set[tuple[str, int, str]] = set()
    outlined: set[str] = set()
    used = {r.name for r in refs}
    mentions = scope.imported_mentions
    unused = [Reference(name) for name, count in mentions.items() if count <= 1]
    if len(unused) > MAX_UNUSED_IMPORTS:  # re-exports (`__init__.py`, `index.ts`), not plans
        unused = []
    early = {r.name for r in unused}
    tail = [Reference(name) for name in mentions if name not in used and name not in early]
    strong = [r for r in refs if r.strong]
    around = [r for r in refs if not r.strong]
    for ref in [*strong, *unused, *around, *tail]:
        for d in resolve(ref, scope):
            if d.key not in seen:
                seen.add(d.key)
                items.append([d, *(_class_members(d, scope.table) if d.kind == CLASS else ())])
        for value in _values(ref):
            type_name = scope.type_of(value)
            if type_name is None or type_name in outlined or len(outlined) >= MAX_OUTLINES:
                continue
            outlined.add(type_name)
            outline = _outline(type_name, scope, inside=value in ("self", "this"))
            if outline:
                items.append(outline)
        if len(items) >= MAX_WANTED:
            break
    return items


def _values(ref: Reference) -> list[str]:
    """The expressions ``ref`` shows whose class may be outlined: its receiver, and the value
    it names (`this.crypto` passed along is an object whose methods may be called next; a
    class named is shown with its constructor, not outlined)."""
    named = f"{ref.receiver}.{ref.name}" if ref.receiver else ref.name
    value = named if ref.name and not ref.prefix and not ref.name[:1].isupper() else ""
    return [v for v in (ref.receiver, value) if v]


def _outline(type_name: str, scope: Scope, *, inside: bool = False) -> list[Definition]:
    """A class and the classes it extends (those in other files), with their public methods
    without documentation: what can be called on an instance."""
    classes = [c for c in _classes(type_name, scope) if c.path != scope.path]
    methods = [
        msgspec.structs.replace(m, doc="")
        for c in classes
        for m in scope.table.members(c)
        if m.kind in (METHOD, FUNCTION)
        and not m.name.startswith("__" if inside else "_")
        and m.path != scope.path
    ]
    methods.sort(key=lambda m: m.name not in scope.called)  # stable: then in file order
    return [*classes[:1], *methods[:MAX_OUTLINE_METHODS]] if classes else []


def covers(selection: Selection, definitions: Sequence[Definition]) -> bool:
    return all(d.key in selection.keys for d in definitions)


@dataclass(frozen=True)
class Choice:
    """What a document's prompts show, and when it was chosen."""

    selection: Selection
    line: int  # the cursor's line (0-based)
    complete: bool  # the index had read the whole workspace
    budget: int
    version: int  # the symbol table's
    # The definitions of each file shown, as the table held them (its tuples: the table
    # keeps a file's tuple while its definitions stay the same).
    files: tuple[tuple[str, tuple[Definition, ...]], ...] = ()


def shown_files(
    selection: Selection, table: SymbolTable
) -> tuple[tuple[str, tuple[Definition, ...]], ...]:
    """What ``Choice.files`` holds for ``selection``."""
    return tuple((path, table.of_file(path)) for path, _ in selection.chunks)


def keeps(
    previous: Choice | None,
    strong: Sequence[Definition],
    line: int,
    *,
    complete: bool,
    budget: int,
    version: int,
    current: Callable[[str], tuple[Definition, ...]] = lambda path: (),
) -> bool:
    """Whether a document's prompts go on showing what they show. They do while the cursor
    stays within MOVE_LINES of where it was chosen, the call or member being typed
    (``strong``) is shown and every file shown defines what it did (``current``: a file's
    definitions now; a changed signature, or a file deleted, is not shown as it was). They
    change once when the index is complete, and while nothing is shown, whenever the index
    has grown: everything after the definitions is read again."""
    return (
        previous is not None
        and all(current(path) is held for path, held in previous.files)
        and covers(previous.selection, strong)
        and abs(line - previous.line) <= MOVE_LINES
        and (previous.complete or not complete)
        and previous.budget == budget
        and (bool(previous.selection.keys) or previous.version == version)
    )


def choose(
    items: Sequence[Sequence[Definition]], budget_chars: int, language_of: Callable[[str], str]
) -> Selection:
    """The most relevant ``items`` that fit ``budget_chars``, rendered one outline per file.
    Each item first gets its own definition and a few more (ITEM_HEAD), in order of
    relevance; what is left of the budget then goes to the rest of each item, in the same
    order: a long outline of one class no longer crowds out the next item's definition. An
    item whose own definition does not fit is left out."""
    chosen: dict[tuple[str, int, str], Definition] = {}
    rank: dict[str, int] = {}  # a file -> the rank of the most relevant item it shows
    groups: set[tuple[str, str]] = set()
    used = 0

    def take(d: Definition, position: int) -> bool:
        nonlocal used
        if d.key in chosen:
            return True
        group = (d.path, d.container or d.name)
        cost = _cost(d) + (len(d.path) + 2 if d.path not in rank else 0)
        if d.container and group not in groups:
            cost += len(d.header or d.container) + 4
        if used + cost > budget_chars:
            return False
        used += cost
        chosen[d.key] = d
        groups.add(group)
        rank.setdefault(d.path, position)
        return True

    taken: list[int] = []  # the items whose own definition fits
    for position, item in enumerate(items):
        if not item or not take(item[0], position):
            continue
        taken.append(position)
        for d in item[1:ITEM_HEAD]:
            take(d, position)
    for position in taken:
        for d in items[position][ITEM_HEAD:]:
            take(d, position)
    files = sorted(rank, key=lambda path: -rank[path])  # the most relevant last
    chunks = tuple(
        (path, render_file([x for x in chosen.values() if x.path == path], language_of(path)))
        for path in files
    )
    return Selection(chunks, frozenset(chosen))


def _class_members(d: Definition, table: SymbolTable) -> list[Definition]:
    """What building an instance needs: the constructor and the public fields."""
    members = [m for m in table.members(d) if m.path == d.path]
    first = [m for m in members if m.name in CONSTRUCTORS or m.name == d.name]
    fields = [m for m in members if m.kind == FIELD and not m.name.startswith(("_", "#"))]
    return (first[:1] + fields)[:MAX_CLASS_MEMBERS]


def _cost(d: Definition) -> int:
    return len(d.signature) + (len(d.doc) + 12 if d.doc else 4) + 5
