"""Does a rewrite parse? Python with ``ast``; other languages with tree-sitter grammars from
their maintained PyPI wheels (imported lazily); the rest is a stated skip, never a silent pass.
"""

from __future__ import annotations

import ast
import importlib
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from codesaga.domain.errors import UnusableAnswerError
from codesaga.domain.fix_focus import Function

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
    "tsx": ("tree_sitter_typescript", "language_tsx"),
}
# A language whose files may need another grammar: .tsx files are TypeScript with JSX, which
# the TypeScript grammar reads as errors (and TSX's cannot read `<T>x` casts); a .h file is
# as often C++ as C. A text that either grammar reads is valid.
_READ_ALSO = {"typescript": "tsx", "c": "cpp"}


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
    also = _READ_ALSO.get(language_id)
    if not tree.root_node.has_error or (also is not None and _tree(also, text) is not None):
        return SyntaxCheck(True, True)
    node = _first_error(tree.root_node)
    line = node.start_point[0] + 1 if node is not None else None
    return SyntaxCheck(False, True, line, "syntax error")


def require_parses(
    language: Language, old: str, new: str, *, name: str, must_parse: bool = False
) -> SyntaxCheck:
    """A rewrite must parse when the original did (a fix: always). Returns the check (its
    ``checked`` says whether a parser looked); raises ``UnusableAnswerError`` naming the
    line."""
    check = check_syntax(language.id, new)
    if check.ok or not (must_parse or check_syntax(language.id, old).ok):
        return check
    where = f" (line {check.line})" if check.line else ""
    raise UnusableAnswerError(
        f"the model's rewrite of {name} is not valid {language.name}{where}: {check.note}; "
        "nothing was changed. Try again with fewer lines or a clearer instruction"
    )


def lost_names(language_id: str, old: str, new: str) -> list[str]:
    """The functions, classes and methods ``old`` defines (in Python also its public
    module-level variables: constants other modules import) that ``new`` no longer binds
    under any form: small models "tidy" names their callers rely on. A name ``new`` still
    binds (a constant now imported, a method now an arrow-function field) is not lost.
    [] when either text cannot be read."""
    if language_id == "python":
        before, after = _python_body(old), _python_body(new)
        if before is None or after is None:
            return []
        kept = set(_python_names(after) + _python_variables(after) + _python_imports(after))
        public = [v for v in _python_variables(before) if not v.startswith("_")]
        return [n for n in dict.fromkeys(_python_names(before) + public) if n not in kept]
    old_root, new_root = _tree(language_id, old), _tree(language_id, new)
    if old_root is None or new_root is None:
        return []
    bound = set(_declared_names(new_root, any_value=True))
    return [n for n in dict.fromkeys(_declared_names(old_root)) if n not in bound]


def repeated_definitions(language_id: str, old: str, new: str) -> list[str]:
    """The top-level functions and classes ``new`` defines more than once, and more often
    than ``old`` does: a model that answered a few lines with the whole file, spliced in
    their place, defines the file's again (and it still parses). [] when either text cannot
    be read."""
    before, after = (
        _top_level_definitions(language_id, old),
        _top_level_definitions(language_id, new),
    )
    if before is None or after is None:
        return []
    had = Counter(before)
    return [name for name, n in Counter(after).items() if n > 1 and n > had[name]]


def _top_level_definitions(language_id: str, text: str) -> list[str] | None:
    if language_id == "python":
        body = _python_body(text)
        if body is None:
            return None
        kinds = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
        # The module's own statements only, not a branch's (`if sys.version_info ...: def f`,
        # `try: def dumps ... except: def dumps`), and not a decorated one (`@overload`,
        # `@f.register def _`): those define a name again on purpose.
        return [n.name for n in body if isinstance(n, kinds) and not n.decorator_list]
    root = _tree(language_id, text)
    if root is None:
        return None
    names = []
    for child in root.named_children:
        declared = child.child_by_field_name("declaration") or child  # `export function f`
        if declared.type in _DEFINED_ONCE:
            name = declared.child_by_field_name("name")
            if name is not None:
                names.append(_text(name))
    return names


# What a file defines once: functions and classes (not interfaces, which TypeScript merges,
# nor Go's methods, one per type, nor Rust's items, which `#[cfg(...)]` picks between).
_DEFINED_ONCE = frozenset(
    {"function_declaration", "function_definition", "class_declaration", "class_definition"}
)


def defined_names(language_id: str, text: str) -> list[str] | None:
    """The names of the functions, classes and methods ``text`` defines, in order, not those
    nested inside a function (local helpers are the function's own business). None: no
    parser for the language, or the text does not parse."""
    if language_id == "python":
        body = _python_body(text)
        return None if body is None else list(dict.fromkeys(_python_names(body)))
    root = _tree(language_id, text)
    return None if root is None else list(dict.fromkeys(_declared_names(root)))


def functions_in(language_id: str, text: str) -> list[Function]:
    """The functions and methods ``text`` defines (not those nested inside a function), with
    the lines they span; [] when there is no parser for the language or it does not parse."""
    if language_id == "python":
        body = _python_body(text)
        return [] if body is None else _python_functions(body)
    root = _tree(language_id, text)
    return [] if root is None else _tree_functions(root)


def _python_functions(body: list[ast.stmt]) -> list[Function]:
    found: list[Function] = []
    for node in _python_statements(body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list])
            last = node.end_lineno or node.lineno
            found.append(
                Function(node.name, first, last, node.lineno if first < node.lineno else None)
            )
        elif isinstance(node, ast.ClassDef):
            found.extend(_python_functions(node.body))
    return found


def _tree_functions(node: Any) -> list[Function]:
    found: list[Function] = []
    for child in node.named_children:
        is_function = "function" in child.type or "method" in child.type
        if child.type in _DECLARATIONS and is_function:
            name = child.child_by_field_name("name")
            if name is not None:
                found.append(_spanning(_text(name), child))
            continue
        if child.type in _BINDINGS:
            name = child.child_by_field_name("name") or child.child_by_field_name("property")
            value = child.child_by_field_name("value")
            if name is not None and value is not None and value.type in _ANONYMOUS_FUNCTIONS:
                # `const area = (w) => ...;`: the whole statement, `const` and all
                statement = child.parent if child.parent is not None else child
                found.append(_spanning(_text(name), statement))
                continue
        if child.type in _ANONYMOUS_FUNCTIONS:
            continue
        found.extend(_tree_functions(child))
    return found


def _spanning(name: str, node: Any) -> Function:
    return Function(name, node.start_point[0] + 1, node.end_point[0] + 1)


def _python_body(text: str) -> list[ast.stmt] | None:
    try:
        return ast.parse(text).body
    except (SyntaxError, ValueError):
        return None


def _tree(language_id: str, text: str) -> Any | None:
    """The root node of ``text``'s syntax tree (by the language's other grammar when its own
    reads an error); None: no grammar, or a syntax error."""
    parser = _parser(language_id)
    if parser is None:
        return None
    root = parser.parse(text.encode("utf-8")).root_node
    if not root.has_error:
        return root
    also = _READ_ALSO.get(language_id)
    return _tree(also, text) if also else None


_PY_BLOCKS = (ast.If, ast.Try, ast.TryStar, ast.With, ast.AsyncWith, ast.For, ast.AsyncFor)


def _python_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements a module or class body runs itself, also inside its if / try / with /
    for blocks (`try: import ujson as json`), not inside functions."""
    for node in body:
        yield node
        if isinstance(node, _PY_BLOCKS):
            blocks = (getattr(node, name, []) for name in ("body", "orelse", "finalbody"))
            for block in blocks:
                yield from _python_statements(block)
            for handler in getattr(node, "handlers", []):
                yield from _python_statements(handler.body)


def _python_names(body: list[ast.stmt]) -> list[str]:
    names: list[str] = []
    for node in _python_statements(body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.ClassDef):
            names.append(node.name)
            names.extend(_python_names(node.body))
    return names


def _python_variables(body: list[ast.stmt]) -> list[str]:
    """``LIMIT = 3``, ``NAME: str = ...``, ``A, *REST = ...`` at module level (a bare
    ``X: int`` binds nothing)."""
    names: list[str] = []
    for node in _python_statements(body):
        if isinstance(node, ast.Assign):
            names += [name for target in node.targets for name in _assigned(target)]
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            names += _assigned(node.target)
    return names


def _assigned(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Starred):
        return _assigned(target.value)
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _assigned(element)]
    return []


def _python_imports(body: list[ast.stmt]) -> list[str]:
    return [
        alias.asname or alias.name.split(".")[0]
        for node in _python_statements(body)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]


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
# a name bound to a value: JS/TS/Java variables, JS/TS class fields
_BINDINGS = frozenset({"variable_declarator", "field_definition", "public_field_definition"})
_BINDING_NAMES = frozenset({"identifier", "property_identifier"})
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


def _declared_names(node: Any, *, any_value: bool = False) -> list[str]:
    """Named functions, methods, classes and types below ``node``, not inside functions;
    also names bound to function values (`const area = (w) => ...`), and with
    ``any_value`` names bound to anything (what a rewrite may turn a function into)."""
    names: list[str] = []
    for child in node.named_children:
        if child.type in _DECLARATIONS:
            name = child.child_by_field_name("name")
            if name is not None:
                names.append(_text(name))
            else:  # C and C++ name a function inside its declarator: `int *f(int)`, `A::f()`
                names += _c_function_names(child)
            if "function" in child.type or "method" in child.type:
                continue  # not into a function's body
        elif child.type in _BINDINGS:
            name = child.child_by_field_name("name") or child.child_by_field_name("property")
            value = child.child_by_field_name("value")
            is_function = value is not None and value.type in _ANONYMOUS_FUNCTIONS
            if name is not None and name.type in _BINDING_NAMES and (is_function or any_value):
                names.append(_text(name))
            if is_function:
                continue
        elif child.type in _ANONYMOUS_FUNCTIONS:
            continue  # a callback's helpers are its own business too
        elif child.type in _C_PROTOTYPES and (prototypes := _c_function_names(child)):
            names += prototypes
            continue
        elif child.type in _C_TYPES and child.child_by_field_name("body") is not None:
            name = child.child_by_field_name("name")
            if name is not None:
                names.append(_text(name))
        elif child.type == "type_definition":  # C `typedef struct {...} Point;`
            names += [
                _text(d)
                for d in child.children_by_field_name("declarator")
                if d.type == "type_identifier"
            ]
        names.extend(_declared_names(child, any_value=any_value))
    return [name for name in names if name]


def _c_function_names(node: Any) -> list[str]:
    """The functions a C/C++ definition or declaration declares (`int f(int), g(int);`),
    by the last part of a qualified name (`A::f` defines `f`); [] when it declares none."""
    names = []
    for declarator in node.children_by_field_name("declarator"):
        # through `*f(...)` and `&f(...)` to the function's own declarator
        while declarator is not None and declarator.type in _C_WRAPPERS:
            inner = declarator.child_by_field_name("declarator")
            declarator = inner if inner is not None else _first_named(declarator)
        if declarator is None or declarator.type != "function_declarator":
            continue
        name = declarator.child_by_field_name("declarator")
        while name is not None and name.type == "qualified_identifier":
            name = name.child_by_field_name("name")
        # `int (*handler)(int)` declares a pointer variable, not a function
        if name is not None and name.type in _C_FUNCTION_NAMES:
            names.append(_text(name))
    return names


_C_WRAPPERS = frozenset({"pointer_declarator", "reference_declarator"})
_C_FUNCTION_NAMES = frozenset(
    {"identifier", "field_identifier", "destructor_name", "operator_name"}
)


def _first_named(node: Any) -> Any | None:
    return node.named_children[0] if node.named_children else None


def _text(node: Any) -> str:
    return str(node.text.decode("utf-8", "replace")) if node.text else ""


# A tree-sitter Parser keeps the tree it is building, so two threads must not share one
# (tasks run on worker threads): each thread gets its own. A Language is immutable, shared.
_languages: dict[str, Any] = {}
_languages_lock = threading.Lock()


class _ThreadParsers(threading.local):
    def __init__(self) -> None:
        self.by_language: dict[str, Any] = {}


_parsers = _ThreadParsers()


def parser(language_id: str) -> Any | None:
    """This thread's tree-sitter parser for ``language_id``; None: no grammar for it."""
    return _parser(language_id)


def module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements a Python module or class body runs itself (see _python_statements)."""
    return _python_statements(body)


def _parser(language_id: str) -> Any | None:
    parsers = _parsers.by_language
    if language_id not in parsers:
        language = _language(language_id)
        if language is None:
            parsers[language_id] = None
        else:
            from tree_sitter import Parser

            parsers[language_id] = Parser(language)
    return parsers[language_id]


def _language(language_id: str) -> Any | None:
    """The grammar for ``language_id``; None when there is none (or its wheel is missing)."""
    with _languages_lock:
        if language_id not in _languages:
            language = None
            grammar = GRAMMARS.get(language_id)
            if grammar is not None:
                try:
                    from tree_sitter import Language

                    module = importlib.import_module(grammar[0])
                    language = Language(getattr(module, grammar[1])())
                except ImportError:
                    language = None
            _languages[language_id] = language
        return _languages[language_id]


def _first_error(node: Any) -> Any | None:
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None
