"""The definitions a source file makes (domain/definitions.py says what one is): Python with
``ast``, as syntax.py reads it; JavaScript, TypeScript, Go, Rust and Java with the tree-sitter
grammars syntax.py loads. Bodies are not entered: a function's helpers are its own business.

A parse holds the GIL, which would stall the daemon's other threads on a large file; tree-
sitter reads the text in slices through a callback that lets them run in between.
"""

from __future__ import annotations

import ast
import re
import time
from collections.abc import Iterator
from typing import Any

import msgspec

from codesaga.domain.definitions import (
    CLASS,
    FIELD,
    FUNCTION,
    METHOD,
    TYPE,
    Definition,
    first_doc_line,
    one_line,
)
from codesaga.service.syntax import module_statements, parser

LANGUAGES = frozenset({"python", "javascript", "typescript", "go", "rust", "java"})
MAX_FIELDS = 24  # fields of one class kept (enums and settings classes have hundreds)
MAX_FIELD_CHARS = 120
READ_SLICE = 4096  # bytes tree-sitter reads between two chances for other threads to run
AST_SLICE = 16_384  # characters of Python parsed at once
MAX_AST_SLICE = 128 * 1024  # a top-level block longer than this is not read


def extract_definitions(language_id: str, text: str, path: str) -> list[Definition] | None:
    """What ``text`` (the file ``path``) defines, in order; None when the language has no
    extractor or the text cannot be read as it (a Python syntax error)."""
    found: list[Definition] | None = None
    if language_id == "python":
        found = _python(text, path)
    elif language_id in LANGUAGES:
        root = _parse(language_id, text)
        found = None if root is None else _Walk(language_id, path).top(root)
    return None if found is None else [_without_strings(d) for d in found]


# A string literal: its quotes kept, its text left out. One cut short (a line cut at
# MAX_FIELD_CHARS, a string that goes on past the line) runs to the line's end. A backslash
# is read one way only: read either way, a string left open backtracked exponentially, and
# a 3 kB generated file held the GIL, and with it the whole daemon, for 40 s.
_LITERAL = (
    r"""(?P<prefix>[rbfuRBFU]{0,2})(?P<q>["'`])"""
    r"""(?:\\.|(?!(?P=q))[^\\\n])*(?:(?P=q)|\\?(?=\n)|\\?$)"""
)
_STRING = re.compile(_LITERAL)
_DEFAULT = re.compile(r"(=\s*)" + _LITERAL)  # a parameter's default: `key: str = "sk-…"`


def _without_strings(d: Definition) -> Definition:
    """A constant's or field's value, and a parameter's default, are shown without the text
    of their strings: a setting file's `SECRET_KEY = "sk-…"` (ignored by git, perhaps)
    would otherwise go into every prompt that mentions the name, to whatever server answers
    it. Strings elsewhere in a signature are types (`node: "Node"`, `mode: "r" | "w"`)."""
    if d.kind != FIELD:
        shown = _DEFAULT.sub(r"\1\g<prefix>\g<q>...\g<q>", d.signature)
        return d if shown == d.signature else msgspec.structs.replace(d, signature=shown)
    assigned = _ASSIGN.search(d.signature)
    if assigned is None:  # an annotation only (`md: "Markdown"`): a type, kept
        return d
    at = assigned.end()
    value = _STRING.sub(r"\g<prefix>\g<q>...\g<q>", d.signature[at:])
    return msgspec.structs.replace(d, signature=d.signature[:at] + value)


_ASSIGN = re.compile(r"(?<![=!<>:])=(?!=)")  # `=`, not `==`, `!=`, `<=`, `>=` or `:=`


# -- Python ---------------------------------------------------------------------------------


def _python(text: str, path: str) -> list[Definition] | None:
    """A large file is parsed in slices cut before top-level definitions, letting other
    threads run between them (``ast`` holds the GIL: ~25 ms for 100 kB); None when it does
    not parse (a single slice)."""
    lines = text.split("\n")
    out: list[Definition] = []
    slices = list(_python_slices(lines))
    for start, end in slices:
        if len(slices) > 1:
            time.sleep(0)
        if sum(len(line) + 1 for line in lines[start:end]) > MAX_AST_SLICE:
            continue  # a data table or generated code, and a long hold of the GIL: skipped
        try:
            tree = ast.parse("\n".join(lines[start:end]))
        except (SyntaxError, ValueError):
            if len(slices) == 1:
                return None
            continue  # a slice cut inside a string: what it defines is lost, not the rest
        ast.increment_lineno(tree, start)
        for node in module_statements(tree.body):
            out += _python_definition(node, lines, path, None)
    return out


def _python_slices(lines: list[str]) -> Iterator[tuple[int, int]]:
    """(start, end) line ranges of about AST_SLICE characters, each starting at a top-level
    `def`, `class` or decorator after a blank line, outside triple-quoted strings (where
    examples in docstrings put their own `class` lines)."""
    start, size, in_string = 0, 0, False
    for i, line in enumerate(lines):
        boundary = (
            not in_string
            and line.startswith(("def ", "class ", "async def ", "@"))
            and i > 0
            and not lines[i - 1].strip()
        )
        if boundary and size >= AST_SLICE:
            yield start, i
            start, size = i, 0
        size += len(line) + 1
        in_string ^= (line.count('"""') + line.count("'''")) % 2 == 1
    yield start, len(lines)


def _python_definition(
    node: ast.stmt, lines: list[str], path: str, owner: tuple[str, str] | None
) -> list[Definition]:
    container, header = owner or ("", "")
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        if owner and node.name.startswith("__") and node.name not in ("__init__", "__call__"):
            return []
        decorators = [d.id for d in node.decorator_list if isinstance(d, ast.Name)]
        if any(d.endswith("setter") for d in _decorator_names(node)):
            return []  # the property's getter says it already
        shown = [f"@{d}" for d in decorators if d in ("property", "staticmethod", "classmethod")]
        signature = "\n".join([*shown, _python_header(node, lines)])
        kind = METHOD if owner else FUNCTION
        doc = first_doc_line(ast.get_docstring(node) or "")
        return [Definition(node.name, kind, path, node.lineno, signature, doc, container, header)]
    if isinstance(node, ast.ClassDef):
        own = _python_header(node, lines)
        doc = first_doc_line(ast.get_docstring(node) or "")
        found = [Definition(node.name, CLASS, path, node.lineno, own, doc, container, header)]
        fields = 0
        for child in module_statements(node.body):
            members = _python_definition(child, lines, path, (node.name, own))
            fields += sum(m.kind == FIELD for m in members)
            if fields <= MAX_FIELDS or not all(m.kind == FIELD for m in members):
                found += members
        return found
    if isinstance(node, ast.AnnAssign | ast.Assign):
        targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if len(names) != 1 or (not owner and not _module_constant(names[0])):
            return []
        text = "\n".join(lines[node.lineno - 1 : (node.end_lineno or node.lineno)])
        signature = one_line(text.strip(), MAX_FIELD_CHARS)
        return [Definition(names[0], FIELD, path, node.lineno, signature, "", container, header)]
    return []


def _decorator_names(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [ast.unparse(d) for d in node.decorator_list]


def _module_constant(name: str) -> bool:
    """`TIMEOUT = 5`, `Json = dict[str, Any]`: names other modules import; not `_cache = {}`."""
    return name.isupper() or (name[:1].isupper() and not name.startswith("_"))


def _python_header(
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef, lines: list[str]
) -> str:
    """`def f(a: int) -> str:` as written (on one line), without decorators, comments or
    body."""
    first = node.body[0]
    if first.lineno == node.lineno:  # `def f(): return 1`
        header = [lines[node.lineno - 1][: first.col_offset]]
    else:
        header = lines[node.lineno - 1 : first.lineno - 1]
    kept = []
    for line in header:
        code = _COMMENT.sub("", line)
        kept.append(code)
        if code.rstrip().endswith(":"):
            break
    return one_line("\n".join(kept))


_COMMENT = re.compile(r"\s+#[^'\"]*$")


# -- tree-sitter languages ------------------------------------------------------------------

_KINDS = {
    "function_declaration": FUNCTION,
    "generator_function_declaration": FUNCTION,
    "function_item": FUNCTION,
    "class_declaration": CLASS,
    "abstract_class_declaration": CLASS,
    "interface_declaration": CLASS,
    "enum_declaration": CLASS,
    "record_declaration": CLASS,
    "struct_item": CLASS,
    "enum_item": CLASS,
    "trait_item": CLASS,
    "type_alias_declaration": TYPE,
    "type_item": TYPE,
    "type_alias": TYPE,
    "method_definition": METHOD,
    "method_signature": METHOD,
    "abstract_method_signature": METHOD,
    "method_declaration": METHOD,
    "constructor_declaration": METHOD,
    "function_signature_item": METHOD,
    "method_elem": METHOD,
    "public_field_definition": FIELD,
    "field_definition": FIELD,
    "property_signature": FIELD,
    "field_declaration": FIELD,
}
# Nodes whose children are walked for more top-level definitions.
_SCOPES = frozenset(
    {
        "program",
        "source_file",
        "export_statement",
        "type_declaration",
        "lexical_declaration",
        "variable_declaration",
        "ambient_declaration",
        "expression_statement",
        "internal_module",
        "module",
        "mod_item",
        "statement_block",
        "declaration_list",
    }
)
_COMMENTS = frozenset({"comment", "line_comment", "block_comment"})
_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function"})


class _Walk:
    def __init__(self, language_id: str, path: str) -> None:
        self.language = language_id
        self.path = path
        self.out: list[Definition] = []

    def top(self, root: Any) -> list[Definition]:
        self._scope(root, depth=0)
        return self.out

    def _scope(self, node: Any, depth: int) -> None:
        if depth > 6:
            return
        for child in node.named_children:
            kind = _KINDS.get(child.type)
            if child.type == "impl_item":
                self._impl(child)
            elif child.type == "type_spec":
                self._go_type(child)
            elif child.type == "variable_declarator":
                self._bound_function(child, node)
            elif kind in (CLASS, TYPE, FUNCTION) or (kind == METHOD and self.language == "go"):
                self._definition(child, kind, "", "")
            elif _descends(child, node):
                self._scope(child, depth + 1)

    def _definition(self, node: Any, kind: str, container: str, header: str) -> None:
        name_node = node.child_by_field_name("name")
        if node.type == "field_declaration" and name_node is None:
            name_node = _java_field_name(node)
        if node.type == "method_declaration" and self.language == "go":
            container = _go_receiver(node)
        if name_node is None:
            return
        name = _text(name_node)
        body = node.child_by_field_name("body")
        signature = self._signature(node, body, kind)
        if self.language == "go" and kind == TYPE:
            signature = "type " + signature
        doc = _doc(node)
        self.out.append(
            Definition(
                name, kind, self.path, node.start_point[0] + 1, signature, doc, container, header
            )
        )
        if kind == CLASS and body is not None:
            self._members(body, name, signature)

    def _signature(self, node: Any, body: Any | None, kind: str) -> str:
        end = body.start_byte if body is not None and kind != TYPE else node.end_byte
        raw = _source_without_comments(node, end)
        limit = MAX_FIELD_CHARS if kind == FIELD else None
        signature = one_line(raw, limit) if limit else one_line(raw)
        return signature.rstrip(" {;").rstrip()

    def _members(self, body: Any, container: str, header: str) -> None:
        fields = 0
        for child in body.named_children:
            kind = _KINDS.get(child.type)
            if kind is None:
                continue
            if kind == FIELD:
                fields += 1
                if fields > MAX_FIELDS:
                    continue
            self._definition(child, kind, container, header)

    def _impl(self, node: Any) -> None:
        """Rust: the methods of an `impl` belong to its type (whatever trait it implements)."""
        type_node = node.child_by_field_name("type")
        body = node.child_by_field_name("body")
        if type_node is None or body is None:
            return
        inner = type_node.child_by_field_name("type") or type_node
        header = one_line(node.text[: body.start_byte - node.start_byte].decode("utf-8", "replace"))
        self._members(body, _text(inner), header.rstrip(" {"))

    def _go_type(self, node: Any) -> None:
        """Go: `type P struct {...}` is a class whose fields are members; `type I interface`
        one whose methods are; any other `type T U` a type."""
        name_node = node.child_by_field_name("name")
        shape = node.child_by_field_name("type")
        if name_node is None or shape is None:
            return
        name = _text(name_node)
        if shape.type not in ("struct_type", "interface_type"):
            self._definition(node, TYPE, "", "")
            return
        header = f"type {name} {shape.type.removesuffix('_type')}"
        doc = _doc(node.parent if node.parent is not None else node)
        line = node.start_point[0] + 1
        self.out.append(Definition(name, CLASS, self.path, line, header, doc))
        members = shape.named_children
        if shape.type == "struct_type" and members:
            members = members[0].named_children  # the field_declaration_list
        for child in members:
            kind = _KINDS.get(child.type)
            if kind is not None:
                self._definition(child, kind, name, header)

    def _bound_function(self, node: Any, declaration: Any) -> None:
        """`const area = (w, h) => ...`: a function by another name."""
        value = node.child_by_field_name("value")
        name_node = node.child_by_field_name("name")
        if value is None or name_node is None or value.type not in _FUNCTION_VALUES:
            return
        body = value.child_by_field_name("body")
        end = body.start_byte if body is not None else value.end_byte
        raw = _source_without_comments(declaration, end)
        signature = one_line(raw).rstrip(" {")
        line = declaration.start_point[0] + 1
        doc = _doc(declaration)
        self.out.append(Definition(_text(name_node), FUNCTION, self.path, line, signature, doc))


def _descends(child: Any, parent: Any) -> bool:
    """Whether ``child`` holds more top-level definitions: a block only as a namespace's."""
    if child.type == "statement_block":
        return parent.type in ("internal_module", "module")
    return child.type in _SCOPES


def _java_field_name(node: Any) -> Any | None:
    """Java: `int x = 1;` names its field in a declarator; Go: a struct's `X, Y int`."""
    declarator = node.child_by_field_name("declarator")
    if declarator is not None:
        return declarator.child_by_field_name("name")
    for child in node.named_children:
        if child.type == "field_identifier":
            return child
    return None


def _go_receiver(node: Any) -> str:
    receiver = node.child_by_field_name("receiver")
    if receiver is None:
        return ""
    for param in receiver.named_children:
        shape = param.child_by_field_name("type")
        while shape is not None and shape.type in ("pointer_type", "generic_type"):
            inner = shape.child_by_field_name("type")
            shape = inner if inner is not None else (shape.named_children or [None])[0]
        if shape is not None:
            return _text(shape)
    return ""


def _doc(node: Any) -> str:
    """The first line of the comment right above ``node`` (or above the `export` holding it):
    the top of a run of `///` lines, a `/** ... */` block, a `//` comment."""
    target = (
        node.parent if node.parent is not None and node.parent.type == "export_statement" else node
    )
    comment = None
    line = target.start_point[0]
    sibling = target.prev_named_sibling
    while sibling is not None and sibling.type in _COMMENTS and sibling.end_point[0] >= line - 1:
        comment, line = sibling, sibling.start_point[0]
        sibling = sibling.prev_named_sibling
    return first_doc_line(_text(comment)) if comment is not None else ""


def _source_without_comments(node: Any, end: int) -> str:
    """``node``'s text up to byte ``end``, without the comments in it: a type's members'
    `/** ... */` documentation cost the prompt's budget and say little in one line."""
    data: bytes = node.text[: end - node.start_byte]
    cuts: list[tuple[int, int]] = []
    stack = list(node.children)
    while stack:
        child = stack.pop()
        if child.start_byte >= end:
            continue
        if child.type in _COMMENTS:
            cuts.append((child.start_byte - node.start_byte, child.end_byte - node.start_byte))
        else:
            stack.extend(child.children)
    for start, stop in sorted(cuts, reverse=True):
        data = data[:start].rstrip(b" \t") + b" " + data[stop:].lstrip(b" \t")
    return data.decode("utf-8", "replace")


def _text(node: Any) -> str:
    return str(node.text.decode("utf-8", "replace")) if node is not None and node.text else ""


def _parse(language_id: str, text: str) -> Any | None:
    """The syntax tree's root; tree-sitter recovers from errors, so a file being edited still
    yields what it defines. None: no grammar."""
    ts_parser = parser(language_id)
    if ts_parser is None:
        return None
    data = text.encode("utf-8")

    def read(offset: int, _point: Any) -> bytes:
        time.sleep(0)  # let the daemon's other threads have the GIL
        return data[offset : offset + READ_SLICE]

    return ts_parser.parse(read).root_node
