"""Which names a rewrite drops: Python by ast, other languages by their tree-sitter grammar."""

from __future__ import annotations

import pytest

from codesaga.service.syntax import defined_names, lost_names

PYTHON = """
def area(w, h):
    def helper():  # a local helper is the function's own business
        return w
    return w * h


class Stack:
    def push(self, x): ...

    async def pop(self): ...
"""


def test_python_names_are_functions_classes_and_methods_not_local_helpers() -> None:
    assert defined_names("python", PYTHON) == ["area", "Stack", "push", "pop"]
    tidied = PYTHON.replace("def area", "def compute_area").replace("def helper", "def inner")
    assert lost_names("python", PYTHON, tidied) == ["area"]


@pytest.mark.parametrize(
    ("language", "code", "names"),
    [
        (
            "javascript",
            "function area(w, h) { function inner() {} }\nclass Stack { push(x) {} }",
            ["area", "Stack", "push"],
        ),
        (
            "javascript",
            "export const area = (w, h) => { function inner() {} return w * h };\n"
            "let scale = function (x) { return x };\nconst LIMIT = 3;\n"
            "app.get('/', () => { function helper() {} });\n",
            ["area", "scale"],  # arrow and function values count; constants, callbacks do not
        ),
        (
            "typescript",
            "export function area(w: number): number { return w }\ninterface Point { x: number }",
            ["area", "Point"],
        ),
        (
            "go",
            "package main\ntype Stack struct{}\nfunc (s *Stack) Push(x int) {}\nfunc main() {}\n",
            ["Stack", "Push", "main"],
        ),
        (
            "rust",
            "struct Stack;\nimpl Stack { fn new() -> Stack { Stack } }\nfn main() {}\n",
            ["Stack", "new", "main"],
        ),
        ("java", "class Stack { void push(int x) {} }", ["Stack", "push"]),
        (
            "c",
            "static int *square(int x) { int inner(void); return 0; }\nint area(int w, int h);\n"
            "struct point { int x; };\nstruct point origin;\nint (*handler)(int);\n",
            ["square", "area", "point"],  # a prototype counts; a pointer variable does not
        ),
        (
            "cpp",
            "class Stack { public: void push(int x); int size() const { return 0; } ~Stack(); };\n"
            "void Stack::push(int x) {}\nnamespace util { template <typename T> T max(T a) "
            "{ return a; } }\n",
            ["Stack", "push", "size", "~Stack", "max"],  # Stack::push is push
        ),
        (
            "cpp",
            "int& get() { return x; }\nclass A { A& operator=(const A&); };\n"
            "int f(int), g(int);\ntypedef struct { int x; } Point;\n",
            ["get", "A", "operator=", "f", "g", "Point"],  # by reference, two at once, typedef
        ),
    ],
)
def test_other_languages_by_their_grammar(language: str, code: str, names: list[str]) -> None:
    assert defined_names(language, code) == names


def test_python_public_module_variables_count_only_for_what_is_lost() -> None:
    old = (
        "LIMIT = 3\nNAME: str = 'x'\nLOW, *HIGH = 1, 9\n_cache = {}\n__all__ = ['f']\n"
        "WIDTH: int\ntry:\n    VERSION = '1'\nexcept ImportError:\n    pass\n"
    )
    new = "NAME: str = 'x'\nLOW = 1\n"
    assert lost_names("python", old, new) == ["LIMIT", "HIGH", "VERSION"]  # WIDTH binds nothing
    assert defined_names("python", old) == []  # the prompt's keep-list names definitions only
    moved_into_class = "class Config:\n    LIMIT = 3\n"
    assert lost_names("python", "LIMIT = 3\n", moved_into_class) == ["LIMIT"]


def test_a_name_the_rewrite_still_binds_in_another_form_is_not_lost() -> None:
    python = "LIMIT = 3\n\n\ndef area(w):\n    return w\n"
    rebound = (
        "from .consts import LIMIT\n\ntry:\n    def area(w):\n        return w\n"
        "except NameError:\n    pass\n"
    )
    assert lost_names("python", python, rebound) == []
    assert lost_names("python", python, "import LIMIT\narea = len\n") == []
    js = "class A { handle() {} }\nconst f = () => 1;\n"
    js_rebound = "class A { handle = () => {} }\nconst f = useCallback(() => 1);\n"
    assert lost_names("javascript", js, js_rebound) == []
    assert lost_names("javascript", js, "class A {}\n") == ["handle", "f"]
    java = "class Job { Runnable run = () -> {}; }"
    assert lost_names("java", java, "class Job { Runnable run = this::go; }") == []


def test_nothing_is_said_when_either_side_cannot_be_read() -> None:
    assert lost_names("python", "def area(:\n", "") == []  # does not parse
    assert lost_names("cobol", "anything", "") == []  # no grammar
    assert lost_names("javascript", "function area() {}", "function (") == []
