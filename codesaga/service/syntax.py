"""Does a rewrite parse? Python with ``ast``; other languages with tree-sitter grammars from
their maintained PyPI wheels (imported lazily); the rest is a stated skip, never a silent pass.
"""

from __future__ import annotations

import ast
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codesaga.domain.errors import ModelError

if TYPE_CHECKING:
    from codesaga.domain.languages import Language

# language id -> (grammar module, its function returning the language pointer)
GRAMMARS: dict[str, tuple[str, str]] = {
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
    "shell": ("tree_sitter_bash", "language"),
    "json": ("tree_sitter_json", "language"),
    "yaml": ("tree_sitter_yaml", "language"),
}


@dataclass(frozen=True)
class SyntaxCheck:
    ok: bool
    checked: bool  # False: no parser for this language (``note`` says so)
    line: int | None = None
    note: str = ""


def check_syntax(language_id: str, text: str) -> SyntaxCheck:
    if language_id == "python":
        try:
            ast.parse(text)
        except SyntaxError as exc:
            return SyntaxCheck(False, True, exc.lineno, exc.msg)
        except ValueError as exc:  # e.g. NUL bytes
            return SyntaxCheck(False, True, None, str(exc))
        return SyntaxCheck(True, True)
    parser = _parser(language_id)
    if parser is None:
        return SyntaxCheck(True, False, note=f"no parser for {language_id}; syntax not checked")
    tree = parser.parse(text.encode("utf-8"))
    if not tree.root_node.has_error:
        return SyntaxCheck(True, True)
    node = _first_error(tree.root_node)
    line = node.start_point[0] + 1 if node is not None else None
    return SyntaxCheck(False, True, line, "syntax error")


def require_parses(
    language: Language, old: str, new: str, *, name: str, must_parse: bool = False
) -> SyntaxCheck:
    """A rewrite must parse when the original did (a fix: always). Returns the check (its
    ``checked`` says whether a parser looked); raises ``ModelError`` naming the line."""
    check = check_syntax(language.id, new)
    if check.ok or not (must_parse or check_syntax(language.id, old).ok):
        return check
    where = f" (line {check.line})" if check.line else ""
    raise ModelError(
        f"the model's rewrite of {name} is not valid {language.name}{where}: {check.note}; "
        "nothing was changed. Try again with fewer lines or a clearer instruction"
    )


def lost_names(language_id: str, old: str, new: str) -> list[str]:
    """Functions, classes and methods ``old`` defines and ``new`` no longer does (small
    models "tidy" names their callers rely on), and in Python the public module-level
    variables (a constant other modules import). [] when either text cannot be read."""
    before, after = defined_names(language_id, old), defined_names(language_id, new)
    if before is None or after is None:
        return []
    if language_id == "python":
        before += _python_module_variables(old)
        after += _python_module_variables(new)
    return [name for name in dict.fromkeys(before) if name not in after]


def defined_names(language_id: str, text: str) -> list[str] | None:
    """The names of the functions, classes and methods ``text`` defines, in order, not those
    nested inside a function (local helpers are the function's own business). None: no
    parser for the language, or the text does not parse."""
    if language_id == "python":
        try:
            tree = ast.parse(text)
        except (SyntaxError, ValueError):
            return None
        return list(dict.fromkeys(_python_names(tree.body)))
    parser = _parser(language_id)
    if parser is None:
        return None
    root = parser.parse(text.encode("utf-8")).root_node
    if root.has_error:
        return None
    return list(dict.fromkeys(_declared_names(root)))


def _python_module_variables(text: str) -> list[str]:
    """``LIMIT = 3``, ``NAME: str = ...`` and ``A, B = ...`` at module level, without the
    private (``_x``) and dunder ones. The caller has checked that ``text`` parses."""
    names: list[str] = []
    for node in ast.parse(text).body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            elements = target.elts if isinstance(target, ast.Tuple | ast.List) else [target]
            names += [e.id for e in elements if isinstance(e, ast.Name)]
    return [name for name in names if not name.startswith("_")]


def _python_names(body: list[ast.stmt]) -> list[str]:
    names: list[str] = []
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef):
            names.append(node.name)
            names.extend(_python_names(node.body))
    return names


# tree-sitter node types that declare a named function, method, class or type
_DECLARATIONS = frozenset(
    {
        "function_declaration",
        "function_definition",
        "function_item",
        "method_declaration",
        "method_definition",
        "class_declaration",
        "class_definition",
        "interface_declaration",
        "enum_declaration",
        "struct_item",
        "enum_item",
        "trait_item",
        "type_spec",
    }
)


# C and C++: a struct, class, union or enum counts when it has a body (not `struct p x;`)
_C_TYPES = frozenset({"struct_specifier", "class_specifier", "union_specifier", "enum_specifier"})
# C and C++ prototypes: a declaration whose declarator is a function's
_C_PROTOTYPES = frozenset({"declaration", "field_declaration"})


def _declared_names(node: Any) -> list[str]:
    names: list[str] = []
    for child in node.named_children:
        if child.type in _DECLARATIONS:
            # C and C++ name a function inside its declarator: `int *f(int)`, `A::f()`
            name = child.child_by_field_name("name") or _c_function_name(child)
            if name is not None and name.text:
                names.append(name.text.decode("utf-8", "replace"))
            if "function" in child.type or "method" in child.type:
                continue  # not into a function's body
        elif child.type == "variable_declarator" and _is_function(child, "value"):
            # JavaScript/TypeScript `const area = (w, h) => ...` is a function by another name
            name = child.child_by_field_name("name")
            if name is not None and name.type == "identifier" and name.text:
                names.append(name.text.decode("utf-8", "replace"))
            continue
        elif child.type in _ANONYMOUS_FUNCTIONS:
            continue  # a callback's helpers are its own business too
        elif child.type in _C_PROTOTYPES and (name := _c_function_name(child)) is not None:
            names.append(name.text.decode("utf-8", "replace"))
            continue
        elif child.type in _C_TYPES and child.child_by_field_name("body") is not None:
            name = child.child_by_field_name("name")
            if name is not None and name.text:
                names.append(name.text.decode("utf-8", "replace"))
        names.extend(_declared_names(child))
    return names


# function values without a name of their own, per grammar (JS/TS, Go, Rust, Java, C++)
_ANONYMOUS_FUNCTIONS = frozenset(
    {
        "arrow_function",
        "function_expression",
        "function",
        "generator_function",
        "func_literal",
        "closure_expression",
        "lambda_expression",
    }
)


def _is_function(node: Any, field: str) -> bool:
    value = node.child_by_field_name(field)
    return value is not None and value.type in _ANONYMOUS_FUNCTIONS


def _c_function_name(node: Any) -> Any | None:
    """The name node of the function a C/C++ definition or declaration declares (the last
    part of a qualified name: `A::f` defines `f`), None when it declares no function."""
    declarator = node.child_by_field_name("declarator")
    while declarator is not None and declarator.type != "function_declarator":
        if declarator.type not in {"pointer_declarator", "reference_declarator"}:
            return None
        declarator = declarator.child_by_field_name("declarator")
    if declarator is None:
        return None
    name = declarator.child_by_field_name("declarator")
    while name is not None and name.type == "qualified_identifier":
        name = name.child_by_field_name("name")
    # `int (*handler)(int)` declares a pointer variable, not a function
    return name if name is not None and name.type in _C_FUNCTION_NAMES else None


_C_FUNCTION_NAMES = frozenset(
    {"identifier", "field_identifier", "destructor_name", "operator_name"}
)


_parsers: dict[str, Any] = {}


def _parser(language_id: str) -> Any | None:
    if language_id in _parsers:
        return _parsers[language_id]
    parser = None
    grammar = GRAMMARS.get(language_id)
    if grammar is not None:
        try:
            from tree_sitter import Language, Parser

            module = importlib.import_module(grammar[0])
            parser = Parser(Language(getattr(module, grammar[1])()))
        except ImportError:
            parser = None
    _parsers[language_id] = parser
    return parser


def _first_error(node: Any) -> Any | None:
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None
