"""Identifiers for next-edit candidates from a tree-sitter syntax tree (JavaScript, TypeScript,
Go, and the other grammars syntax.py loads, with what their node types share): each place a
name's text stands is checked against the tree, so strings, comments and object keys are
told apart from the identifier itself. Parsed once per request, only when a name is needed.
"""

from __future__ import annotations

import re
from typing import Any

from codesaga.domain.next_edit_locations import LineIndex
from codesaga.domain.next_edit_patterns import (
    DEFINITION,
    KEY,
    LOCAL,
    MEMBER_DEFINITION,
    PARAMETER,
    SHORTHAND,
    USE,
    Occurrence,
)
from codesaga.domain.next_edit_signatures import Header
from codesaga.service.next_edit_names import name_matches
from codesaga.service.syntax import parser

Range = tuple[int, int]

IDENTIFIERS = frozenset(
    {
        "identifier",
        "property_identifier",
        "field_identifier",
        "type_identifier",
        "shorthand_property_identifier",
        "shorthand_property_identifier_pattern",
        "private_property_identifier",
        "package_identifier",
    }
)
FUNCTIONS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "function_expression",
        "function",
        "generator_function",
        "arrow_function",
        "method_definition",
        "method_declaration",
        "func_literal",
        "function_item",
        "closure_expression",
        "constructor_declaration",
        "lambda_expression",
        "function_definition",
    }
)
CLASSES = frozenset(
    {"class_declaration", "abstract_class_declaration", "class", "interface_declaration"}
)
# member access node -> (its receiver's field, its member's field)
MEMBER_ACCESS = {
    "member_expression": ("object", "property"),
    "selector_expression": ("operand", "field"),
    "field_expression": ("value", "field"),
    "qualified_type": ("package", "name"),  # Go's `slog.Leveler` as a type
    "nested_type_identifier": ("module", "name"),  # TypeScript's `ts.Node` as a type
}
MEMBER_DECLARATIONS = frozenset(
    {
        "method_definition",
        "public_field_definition",
        "field_definition",
        "method_signature",
        "abstract_method_signature",
        "property_signature",
        "method_declaration",
        "field_declaration",
        "method_elem",
        "method_spec",
    }
)
DECLARATIONS = frozenset(
    {
        "function_declaration",
        "generator_function_declaration",
        "class_declaration",
        "abstract_class_declaration",
        "interface_declaration",
        "type_alias_declaration",
        "enum_declaration",
        "type_spec",
        "variable_declarator",
        "var_spec",
        "const_spec",
        "function_item",
        "struct_item",
        "enum_item",
    }
)
PATTERNS = frozenset(
    {"object_pattern", "array_pattern", "pair_pattern", "rest_pattern", "assignment_pattern"}
)
PARAMETER_LISTS = frozenset({"formal_parameters", "parameter_list", "parameters"})
PARAMETERS = frozenset(
    {"required_parameter", "optional_parameter", "parameter_declaration", "parameter"}
)
_WHITESPACE = re.compile(r"\s+")
_CODE_IN_TEXT = frozenset({"template_substitution", "interpolation", "string_interpolation"})


class TreeNames:
    def __init__(self, root: Any, content: str, index: LineIndex) -> None:
        self.root = root
        self.content = content
        self.index = index
        self.ascii = content.isascii()

    @classmethod
    def read(cls, language: str, content: str, index: LineIndex) -> TreeNames | None:
        ts_parser = parser(language)
        if ts_parser is None:
            return None
        return cls(ts_parser.parse(content.encode("utf-8")).root_node, content, index)

    def _point(self, at: int) -> tuple[int, int]:
        line, column = self.index.position(at)
        if self.ascii:
            return line - 1, column - 1
        start = self.index.starts[line - 1]
        return line - 1, len(self.content[start:at].encode("utf-8"))

    def _at(self, point: tuple[int, int]) -> int:
        row, column = point
        start = self.index.starts[row]
        if self.ascii:
            return start + column
        line = self.index.line_text(row + 1).encode("utf-8")
        return start + len(line[:column].decode("utf-8", "ignore"))

    def _range(self, node: Any) -> Range:
        return self._at(node.start_point), self._at(node.end_point)

    def occurrences(self, name: str) -> list[Occurrence]:
        found = (self.occurrence_at(m.start(), name) for m in name_matches(self.content, name))
        return [o for o in found if o is not None]

    def occurrence_at(self, start: int, name: str) -> Occurrence | None:
        end = start + len(name)
        if self.content[start:end] != name:
            return None
        low, high = self._point(start), self._point(end)
        node = self.root.descendant_for_point_range(low, high)
        if node is None or node.type not in IDENTIFIERS:
            return None
        if node.start_point != low or node.end_point != high:
            return None
        return self._occurrence(node, start, end)

    def in_text(self, at: int) -> bool:
        node = self.root.descendant_for_point_range(self._point(at), self._point(at))
        while node is not None:
            if node.type in _CODE_IN_TEXT:  # `${total}` in a template string is code
                return False
            if "comment" in node.type or "string" in node.type:
                return True
            node = node.parent
        return False

    def header_at(self, start: int, end: int) -> Header | None:
        node = self.root.descendant_for_point_range(self._point(start), self._point(start))
        while node is not None and node.type not in FUNCTIONS:
            node = node.parent
        if node is None:
            return None
        body = node.child_by_field_name("body")
        first, last = self._range(node)
        header_end = self._at(body.start_point) if body is not None else last
        name = node.child_by_field_name("name")
        method = node.type in ("method_definition", "method_declaration")
        declarator = _fallback_of(node)
        if name is None and declarator is not None and declarator.type == "variable_declarator":
            # `var rename = options.rename || function (a, b) {`: the default is `rename`'s
            name = declarator.child_by_field_name("name")
            first = self._range(declarator)[0]
        elif name is None and node.type == "func_literal":
            # Go's `runner := func(ctx context.Context, ...) {`: the variable's
            bound = _go_bound_name(node)
            if bound is not None:
                name, first = bound, self._range(node.parent.parent)[0]
        elif name is None and node.parent is not None and node.parent.type == "pair":
            # an object's method written as a key and a function (`validate: (value) => {`)
            name, method = node.parent.child_by_field_name("key"), True
            first = self._range(node.parent)[0]
        if name is None or not first <= start or end > header_end:
            return None
        return Header(_text(name), first, header_end, method)

    def _functions(self, node: Any) -> tuple[Range, ...]:
        found = []
        while node is not None:
            if node.type in FUNCTIONS:
                found.append(self._range(node))
            node = node.parent
        return tuple(found)

    def _occurrence(self, node: Any, start: int, end: int) -> Occurrence:
        parent = node.parent
        functions = self._functions(parent)
        if node.type == "shorthand_property_identifier":  # `{name}`: the key and the value
            return Occurrence(start, end, SHORTHAND, None, functions)
        if node.type == "shorthand_property_identifier_pattern" and not (
            _parameter(node) or _declared(node)
        ):  # a key alone; `const { levels } = require(…)` binds `levels` too (read below)
            return Occurrence(start, end, KEY, None, functions)
        access = MEMBER_ACCESS.get(parent.type)
        if access is not None and parent.child_by_field_name(access[1]) == node:
            receiver = _WHITESPACE.sub("", _text(parent.child_by_field_name(access[0])))
            role = MEMBER_DEFINITION if _assigned_to(parent) else USE
            return Occurrence(start, end, role, receiver, functions)
        if parent.type in ("pair", "pair_pattern") and parent.child_by_field_name("key") == node:
            return Occurrence(start, end, KEY, None, functions)
        if _struct_literal_key(parent):
            return Occurrence(start, end, USE, "{}", functions)
        if _parameter(node):
            return Occurrence(start, end, PARAMETER, None, functions)
        if node in parent.children_by_field_name("name"):
            return self._named(parent, start, end, functions)
        if _declared(node):
            return Occurrence(start, end, LOCAL if functions else DEFINITION, None, functions)
        return Occurrence(start, end, USE, None, functions)

    def _named(self, parent: Any, start: int, end: int, functions: tuple[Range, ...]) -> Occurrence:
        """The name a declaration declares: a member's, or a function's, type's, variable's."""
        if parent.type in FUNCTIONS:  # the function's name is bound around it, not inside
            functions = self._functions(parent.parent)
        if parent.type in MEMBER_DECLARATIONS:
            container = parent.parent
            while container is not None and container.type not in CLASSES:
                container = container.parent
            inside = self._range(container) if container is not None else None
            return Occurrence(start, end, MEMBER_DEFINITION, None, functions, inside)
        if parent.type in DECLARATIONS or parent.type in FUNCTIONS:
            return Occurrence(start, end, LOCAL if functions else DEFINITION, None, functions)
        return Occurrence(start, end, USE, None, functions)


def _text(node: Any) -> str:
    return str(node.text.decode("utf-8", "replace")) if node is not None and node.text else ""


def _assigned_to(member: Any) -> bool:
    """`this.x = ...` (JavaScript, TypeScript) or `r.x = ...` (Go) assigns the member."""
    parent = member.parent
    if parent is not None and parent.type == "expression_list":
        member, parent = parent, parent.parent
    if parent is None or parent.type not in ("assignment_expression", "assignment_statement"):
        return False
    return bool(parent.child_by_field_name("left") == member)


def _struct_literal_key(parent: Any) -> bool:
    """Go: the `Name` of `T{Name: v}` names a field of T."""
    keyed = parent.parent
    return (
        parent.type == "literal_element"
        and keyed is not None
        and keyed.type == "keyed_element"
        and keyed.child_by_field_name("key") == parent
    )


def _unpattern(node: Any) -> Any:
    """Up through destructuring patterns (`{a, b: c}`, `[x, ...rest]`, `y = 1`) to what
    binds the names in them; a pattern key's name is not bound."""
    while node.parent is not None and node.parent.type in PATTERNS:
        if node.parent.child_by_field_name("key") == node:
            break
        if node.parent.child_by_field_name("right") == node:
            break
        node = node.parent
    return node


def _go_bound_name(literal: Any) -> Any:
    """The identifier a Go function literal is assigned to (`f := func(`, `var f = func(`,
    `f = func(`), in the place it stands among the values; None if it is no such value."""
    values = literal.parent
    statement = values.parent if values is not None else None
    if values is None or statement is None or values.type != "expression_list":
        return None
    at = next(i for i, v in enumerate(values.named_children) if v == literal)
    if statement.type == "var_spec":
        targets = statement.children_by_field_name("name")
    elif statement.type in ("short_var_declaration", "assignment_statement"):
        left = statement.child_by_field_name("left")
        targets = left.named_children if left is not None else []
    else:
        return None
    target = targets[at] if at < len(targets) else None
    return target if target is not None and target.type == "identifier" else None


def _fallback_of(node: Any) -> Any:
    """The parent of a function, past a `||` or `??` whose fallback it is: a variable's
    declarator for `var f = options.f || function () {}`."""
    parent = node.parent
    while (
        parent is not None
        and parent.type == "binary_expression"
        and parent.child_by_field_name("right") == node
        and _text(parent.child_by_field_name("operator")) in ("||", "??")
    ):
        node, parent = parent, parent.parent
    return parent


def _parameter(node: Any) -> bool:
    node = _unpattern(node)
    parent = node.parent
    if parent is None:
        return False
    if parent.type in PARAMETER_LISTS:
        return True
    if parent.type == "arrow_function":
        return bool(parent.child_by_field_name("parameter") == node)
    if parent.type in PARAMETERS or parent.type == "variadic_parameter_declaration":
        named = [*parent.children_by_field_name("name"), parent.child_by_field_name("pattern")]
        return node in named
    return False


def _declared(node: Any) -> bool:
    """Bound by a declaration other than its name field: a loop's or `catch`'s variable, a
    destructuring, Go's `x, y :=` and `for k, v := range`."""
    node = _unpattern(node)
    parent = node.parent
    if parent is None:
        return False
    if parent.type == "variable_declarator":
        return bool(parent.child_by_field_name("name") == node)
    if parent.type == "for_in_statement":
        return bool(parent.child_by_field_name("left") == node)
    if parent.type == "catch_clause":
        return bool(parent.child_by_field_name("parameter") == node)
    if parent.type == "expression_list":
        holder = parent.parent
        declares = holder is not None and holder.type in ("short_var_declaration", "range_clause")
        return declares and bool(holder.child_by_field_name("left") == parent)
    return False
