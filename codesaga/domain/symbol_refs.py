"""What the code around the cursor refers to: the call being typed, the member being typed and
its receiver, the names used nearby (nearest first) and the names the file imports, with the
module each comes from; and, where the text shows it, the type of a receiver.

Read with regular expressions, not a parser: the text is mid-edit and rarely parses, and this
runs on every keystroke. Most words found name nothing of the workspace; the symbol table
decides which do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

IDENT = r"[A-Za-z_$][\w$]*"
_CHAIN = re.compile(rf"{IDENT}(?:\s*(?:\.|::|\?\.)\s*{IDENT})*")
_SEPARATOR = re.compile(r"\s*(?:\?\.|\.|::)\s*")
CALL_LOOKBACK = 1500  # characters before the cursor searched for the call being typed
TYPE_LOOKBACK = 16_000  # characters before the cursor searched for a receiver's type
LINES_ABOVE, LINES_BELOW = 40, 12
MAX_REFERENCES = 200
MAX_CHAIN = 4
# Words that are never a definition of the workspace worth showing (in any language).
NOISE_WORDS = (
    "self this cls super if else elif for while return def class import from as in not and "
    "or is None True False null undefined true false function const let var new await async "
    "yield lambda with try except finally raise throw catch func fn pub mut impl struct enum "
    "type interface public private protected static void int str bool float string number "
    "any object print len range dict list set tuple isinstance package use go defer"
)
NOISE = frozenset(NOISE_WORDS.split())
_DECLARING = frozenset({"def", "function", "fn", "func", "class", "interface", "struct"})


@dataclass(frozen=True)
class Reference:
    name: str  # "" with a receiver: whatever member of it is about to be typed
    receiver: str = ""  # the expression before the dot: `self`, `console`, `self.items`
    strong: bool = False  # the call or member being typed at the cursor
    prefix: bool = False  # ``name`` is only the start of the word being typed


@dataclass(frozen=True)
class Import:
    local: str  # the name the file uses
    module: str  # where it comes from, as written: `.console`, `./util`, `net/http`
    name: str | None  # the name imported from the module; None: ``local`` is the module


def _parts(chain: str) -> list[str]:
    return _SEPARATOR.split(chain.strip())


def call_at_cursor(before: str) -> tuple[str, str] | None:
    """(receiver, name) of the innermost call whose arguments are being typed: `a.b.run(x, `
    gives ("a.b", "run"). None outside a call, or in a definition's parameters."""
    depth = 0
    tail = before[-CALL_LOOKBACK:]
    for i in range(len(tail) - 1, -1, -1):
        c = tail[i]
        if c in ")]}":
            depth += 1
        elif c in "([{":
            if depth:
                depth -= 1
                continue
            if c == "{" and re.search(r"(?:\)|=>|\w)\s*$", tail[:i]):
                return None  # a block, not an object literal: no call encloses the cursor
            if c == "(" and (callee := _CALLEE.search(tail[max(0, i - 300) : i])) is not None:
                return _callee(tail[:i], callee)  # else a parenthesized group: look further
        elif c == ";" and not depth:
            return None
    return None


_CALLEE = re.compile(rf"({_CHAIN.pattern})\s*(?:<[^<>()]*>)?\s*$")


def _callee(text: str, found: re.Match[str]) -> tuple[str, str] | None:
    """The function a call whose parenthesis ``text`` ends before calls (``found``: the
    name before it, in the last 300 characters)."""
    start = len(text) - len(found.string) + found.start()
    word = re.search(rf"({IDENT})\s+$", text[max(0, start - 40) : start])
    if word is not None and word.group(1) in _DECLARING:
        return None  # `def area(w, ` declares a function: nothing to look up
    parts = _parts(found.group(1))[-MAX_CHAIN:]
    if parts[-1] in NOISE:
        return None
    return ".".join(parts[:-1]), parts[-1]


_MEMBER = re.compile(rf"({_CHAIN.pattern})\s*(?:\.|::|\?\.)\s*({IDENT})?$")


def member_at_cursor(before: str) -> tuple[str, str] | None:
    """(receiver, what is typed of the member) when the cursor follows `receiver.`: ("self",
    "to") for `self.to|`, ("console", "") for `console.|`."""
    found = _MEMBER.search(before[-300:])
    if found is None:
        return None
    return ".".join(_parts(found.group(1))[-MAX_CHAIN:]), found.group(2) or ""


def strong_references(before: str) -> list[Reference]:
    """What the cursor is on: the member being typed, then the call being typed."""
    refs: list[Reference] = []
    member = member_at_cursor(before)
    if member is not None:
        receiver, typed = member
        refs.append(Reference(typed, receiver, strong=True, prefix=True))
    call = call_at_cursor(before)
    if call is not None:
        receiver, name = call
        refs.append(Reference(name, receiver, strong=True))
    return refs


def references(before: str, after: str) -> list[Reference]:
    """The strong references, then the names on the cursor's line and around it, nearest
    first (a line below counts as twice as far as one above), each once."""
    refs = strong_references(before)
    above = before.split("\n")
    below = after.split("\n")
    current = above[-1] + below[0]
    lines = [current]
    for distance in range(1, LINES_ABOVE + 1):
        if distance <= len(above) - 1:
            lines.append(above[-1 - distance])
        if distance % 2 == 0 and distance // 2 < len(below):
            lines.append(below[distance // 2])
    seen = {(r.name, r.receiver) for r in refs}
    for line in lines:
        if line.lstrip().startswith(("#", "//", "*", "/*")):
            continue
        for ref in _line_references(line):
            if (ref.name, ref.receiver) not in seen:
                seen.add((ref.name, ref.receiver))
                refs.append(ref)
                if len(refs) >= MAX_REFERENCES:
                    return refs
    return refs


def _line_references(line: str) -> list[Reference]:
    refs = []
    for found in _CHAIN.finditer(_without_strings(line)):
        parts = _parts(found.group(0))[:MAX_CHAIN]
        for i, name in enumerate(parts):
            if name not in NOISE and len(name) > 1:
                refs.append(Reference(name, ".".join(parts[:i])))
    return refs


def _without_strings(line: str) -> str:
    # A backslash is read one way only: read either way, typing a regular expression's
    # escapes into a string not closed yet doubled the time per escape (5 s at 24).
    return _STRING.sub('""', line)


_STRING = re.compile(r"""(["'`])(?:\\.|(?!\1)[^\\\n])*\1""")


# -- imports ------------------------------------------------------------------------------

_PY_FROM = re.compile(r"^[ \t]*from[ \t]+([.\w]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]*)", re.M)
_PY_IMPORT = re.compile(r"^[ \t]*import[ \t]+([\w., \t]+)", re.M)
# The names between `import`/`export` and `from`: never another statement (a line starting
# with import or export, or what no import list holds: `:`, `=`, brackets), and bounded.
# Unbounded, every `export` of a file without semicolons or quotes scanned on to the file's
# end (16 s for 280 KB of TypeScript interfaces, on every completion in a call) and took an
# `export interface ... export { b } from` for one list.
_JS_IMPORT = re.compile(
    r"""^[ \t]*(?:import|export)[ \t]+(?:type[ \t]+)?"""
    r"""((?:(?!\n[ \t]*(?:import|export)\b)[^;'"():=<>\[\]]){0,1000}?)[ \t\n]*"""
    r"""from[ \t]+['"]([^'"]+)['"]""",
    re.M,
)
_JS_REQUIRE = re.compile(
    r"""(?:const|let|var)\s+(\{[^}]*\}|\w+)\s*=\s*require\(\s*['"]([^'"]+)['"]\s*\)"""
)
_GO_IMPORT = re.compile(r"""^[ \t]*(?:import[ \t]+)?(?:(\w+|\.)[ \t]+)?"([^"\n]+)"$""", re.M)
_RUST_USE = re.compile(r"^[ \t]*(?:pub[ \t]+)?use[ \t]+([\w:]+?)(?:::\{([^}]*)\})?[ \t]*;", re.M)
_RUST_AS = re.compile(r"(\w+)(?:\s+as\s+(\w+))?")
_JAVA_IMPORT = re.compile(r"^[ \t]*import[ \t]+(?:static[ \t]+)?([\w.]+)[ \t]*;", re.M)


def imports(text: str, language_id: str) -> dict[str, Import]:
    """The names ``text`` imports, by the name it uses them under."""
    found: list[Import] = []
    if language_id == "python":
        found = _python_imports(text)
    elif language_id in ("javascript", "typescript"):
        found = _js_imports(text)
    elif language_id == "go":
        for alias, path in _GO_IMPORT.findall(_go_import_block(text)):
            found.append(Import(alias or path.rsplit("/", 1)[-1], path, None))
    elif language_id == "rust":
        for path, group in _RUST_USE.findall(text):
            module, _, last = path.rpartition("::")
            items = _RUST_AS.findall(group) if group else [(last, "")]
            base = path if group else module
            found += [Import(alias or name, base, name) for name, alias in items if name]
    elif language_id == "java":
        for path in _JAVA_IMPORT.findall(text):
            module, _, name = path.rpartition(".")
            found.append(Import(name, module, name))
    return {i.local: i for i in found if i.local and i.local != "*"}


def _python_imports(text: str) -> list[Import]:
    found = []
    for module, names in _PY_FROM.findall(text):
        for item in names.strip("()").replace("\n", " ").split(","):
            name, _, alias = item.split("#")[0].strip().partition(" as ")
            if name.strip():
                found.append(Import((alias or name).strip(), module, name.strip()))
    for names in _PY_IMPORT.findall(text):
        for item in names.split(","):
            module, _, alias = item.strip().partition(" as ")
            module = module.strip()
            if module:
                found.append(Import(alias.strip() or module.split(".")[0], module, None))
    return found


def _js_imports(text: str) -> list[Import]:
    found = []
    pairs = _JS_IMPORT.findall(text) + _JS_REQUIRE.findall(text)
    for clause, module in pairs:
        clause = clause.strip()
        names = re.search(r"\{([^}]*)\}", clause)
        if names is not None:
            for item in names.group(1).split(","):
                name, _, alias = item.replace("type ", "").strip().partition(" as ")
                name = name.partition(":")[0].strip()  # `{a: b}` in a require
                if name:
                    found.append(Import((alias or name).strip(), module, name))
            clause = clause[: names.start()] + clause[names.end() :]
        star = re.search(r"\*\s*as\s+(\w+)", clause)
        if star is not None:
            found.append(Import(star.group(1), module, None))
            clause = clause.replace(star.group(0), "")
        default = clause.strip(" ,")
        if re.fullmatch(IDENT, default):
            found.append(Import(default, module, "default"))
    return found


def _go_import_block(text: str) -> str:
    blocks = re.findall(r"^import[ \t]*\(([^)]*)\)", text, re.M)
    singles = re.findall(r"^import[ \t]+[^(\n][^\n]*", text, re.M)
    return "\n".join([*blocks, *singles])


# -- the type of a receiver ---------------------------------------------------------------


def enclosing_class(before: str, language_id: str) -> str | None:
    """The class (Rust: the impl's type) the cursor is in, for `self` and `this`."""
    if language_id == "python":
        indent = _indent(before.rsplit("\n", 1)[-1]) if before.strip() else 0
        for line in reversed(before[-TYPE_LOOKBACK * 4 :].split("\n")):
            if not line.strip():
                continue
            level = _indent(line)
            found = re.match(r"\s*class\s+(\w+)", line)
            if found and level < indent:
                return found.group(1)
            indent = min(indent, level) if line.strip() else indent
        return None
    pattern = r"\bimpl(?:<[^>]*>)?\s+(?:[\w:<>]+\s+for\s+)?(\w+)" if language_id == "rust" else (
        r"\bclass\s+(\w+)"
    )  # fmt: skip
    text = before[-TYPE_LOOKBACK * 4 :]
    classes = list(re.finditer(pattern, text))
    if language_id in ("javascript", "typescript"):
        # A function that declares what `this` is (`function attr(this: Cheerio<T>, ...)`,
        # a class's methods written apart from it), when it comes after the last class.
        functions = list(_THIS_PARAMETER.finditer(text))
        if functions and (not classes or functions[-1].start() > classes[-1].start()):
            return functions[-1].group(1)
    return classes[-1].group(1) if classes else None


_THIS_PARAMETER = re.compile(r"\bfunction\b[^(]{0,200}\(\s*this\s*:\s*(?:[\w$]+\.)*([A-Z][\w$]*)")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


_TYPE = r"(?:[\w$]+\.)*([A-Z][\w$]*)"
_NAME = rf"(?<![\w.$])((?:self\.|this\.)?{IDENT})"
_ASSIGNED = re.compile(  # `x = Foo(`, `x = new Foo<T>(`, `x := &Foo{`, `let x = Foo::new(`
    rf"{_NAME}\s*(?::=|=)\s*(?:await\s+)?(?:new\s+)?&?{_TYPE}\s*(?:<[^<>\n]*>)?\s*(?:[({{]|::)"
)
_ANNOTATED = re.compile(  # `x: Foo`, `x?: Foo`, `self.x: Foo`, `let x: &mut Foo`
    rf"{_NAME}\s*[?!]?[ \t]*:[ \t]*(?:&\s*)?(?:mut\s+)?{_TYPE}"
)
# Python's annotations, which also name a class as a string (a forward reference, its
# quotes matched) or inside Optional: `env: "Environment"`, `parent: t.Optional["Node"]`.
_PY_ANNOTATED = re.compile(
    rf"{_NAME}\s*:[ \t]*(?:(?:\w+\.)?Optional\[(?=[\"']|(?:[\w$]+\.)*[A-Z][\w$]*\]))?"
    rf"([\"']?){_TYPE}\2"
)
_CALLED = re.compile(  # `x = state.push(`, `const t = await this.client.fetch<T>(`
    rf"{_NAME}[ \t]*(?::=|=)[ \t]*(?:await[ \t]+)?({_CHAIN.pattern})[ \t]*(?:<[^<>\n]*>)?\("
)
_GO_DECLARED = re.compile(rf"{_NAME}[ \t]+\*?{_TYPE}\b")  # `p *Point`, `var p Point`
_JAVA_DECLARED = re.compile(rf"\b([A-Z][\w$]*)(?:<[^<>\n]*>)?[ \t]+({IDENT})\s*[;=,)]")


def known_types(before: str, after: str, language_id: str) -> dict[str, str]:
    """What the text near the cursor says of names' types: name (or `self.name`) -> the
    class name of the last assignment from a constructor call or annotation that says it."""
    text = _typing_window(before, after)
    found: list[tuple[int, str, str]] = []
    annotated = _PY_ANNOTATED if language_id == "python" else _ANNOTATED
    patterns = [_ASSIGNED, annotated]
    if language_id == "go":
        patterns.append(_GO_DECLARED)
    for pattern in patterns:  # each names the name first and the type last
        found += [(m.start(), m[1], m[pattern.groups]) for m in pattern.finditer(text)]
    if language_id == "java":
        found += [(m.start(), m.group(2), m.group(1)) for m in _JAVA_DECLARED.finditer(text)]
    types: dict[str, str] = {}
    for _, name, type_name in sorted(found):
        if name.split(".")[-1] not in NOISE:
            types[name] = type_name
            if name.startswith(("self.", "this.")):
                types.setdefault(name.split(".", 1)[1], type_name)
    return types


def assigned_calls(before: str, after: str) -> dict[str, str]:
    """Names the text near the cursor last assigned a call's result: name -> the function
    called, as written (`state.push`), when it is not a class's constructor."""
    text = _typing_window(before, after)
    calls: dict[str, str] = {}
    for found in _CALLED.finditer(text):
        name, callee = found.group(1), ".".join(_parts(found.group(2)))
        if name.split(".")[-1] not in NOISE and not callee.rsplit(".", 1)[-1][:1].isupper():
            calls[name] = callee
    return calls


def _typing_window(before: str, after: str) -> str:
    """The text around the cursor read for what names were assigned."""
    return before[-TYPE_LOOKBACK:] + "\n" + after[:2000]


def receiver_type(
    receiver: str, types: dict[str, str], before: str, language_id: str
) -> str | None:
    """The type (class) name the text shows ``receiver`` has (``types``: known_types): the
    class the cursor is in for `self` and `this`. None when the text does not say."""
    if receiver in ("self", "this"):
        return enclosing_class(before, language_id)
    if receiver.startswith(("self.", "this.")):
        this = "self." + receiver[5:] if receiver.startswith("this.") else receiver
        return types.get(this) or types.get("this." + receiver[5:]) or types.get(receiver[5:])
    return types.get(receiver)
