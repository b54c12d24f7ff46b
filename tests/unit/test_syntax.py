"""Syntax checks with tree-sitter from many threads at once (tasks run on worker threads)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from codesaga.domain.errors import UnusableAnswerError
from codesaga.domain.languages import detect_language
from codesaga.service.syntax import (
    SyntaxCheck,
    check_syntax,
    defined_names,
    repeated_definitions,
    require_parses,
)

# Large enough that a parse takes a while, so parses on different threads overlap.
GOOD = "\n".join(f"function f{i}(a, b) {{ return a * {i} + b; }}" for i in range(400))
BAD = GOOD + "\nfunction broken(a, { return a; }\n"


def test_parses_from_several_threads_at_once_agree_with_one_thread() -> None:
    expected = (check_syntax("javascript", GOOD), check_syntax("javascript", BAD))
    names = defined_names("javascript", GOOD)
    assert expected[0].ok and not expected[1].ok and expected[1].line == 401
    assert names is not None and len(names) == 400
    start = threading.Barrier(8)

    def parse_repeatedly(_: int) -> list[tuple[SyntaxCheck, SyntaxCheck, list[str] | None]]:
        start.wait()
        return [
            (
                check_syntax("javascript", GOOD),
                check_syntax("javascript", BAD),
                defined_names("javascript", GOOD),
            )
            for _ in range(30)
        ]

    with ThreadPoolExecutor(8) as pool:
        results = [r for rs in pool.map(parse_repeatedly, range(8)) for r in rs]
    assert all((good, bad) == expected and found == names for good, bad, found in results)


@pytest.mark.parametrize(
    ("language", "old", "new", "repeated"),
    [
        (
            "python",
            "def f():\n    pass\n",
            "def f():\n    pass\n\n\ndef f():\n    return 1\n",
            ["f"],
        ),
        # A fallback in try/except is a branch: not counted.
        (
            "python",
            "def f(): pass\n",
            "try:\n    def f(): return 1\nexcept ImportError:\n    def f(): pass\n",
            [],
        ),
        ("java", "class A {}\n", "class A {}\nclass A {}\n", ["A"]),
        (
            "python",
            "class A:\n    def run(self): pass\n",
            "class A:\n    def run(self): pass\n\n\nclass B:\n    def run(self): pass\n",
            [],
        ),
        (
            "typescript",
            "export function f() {}\n",
            "export function f() {}\nexport function f() {}\n",
            ["f"],
        ),
        # Overloads and singledispatch registrations define a name again on purpose.
        (
            "python",
            "def f(x):\n    return x\n",
            "@overload\ndef f(x: int) -> int: ...\n@overload\ndef f(x: str) -> str: ...\n"
            "def f(x):\n    return x\n",
            [],
        ),
        (
            "typescript",
            "function f(a: any) {}\n",
            "function f(a: string): void;\nfunction f(a: number): void;\nfunction f(a: any) {}\n",
            [],
        ),
        # Branches and merged declarations define a name again on purpose.
        (
            "python",
            "def f():\n    pass\n",
            "if sys.version_info >= (3, 9):\n    def f(): pass\nelse:\n    def f(): pass\n",
            [],
        ),
        (
            "typescript",
            "interface Opts { a: number }\n",
            "interface Opts { a: number }\ninterface Opts { b: string }\n",
            [],
        ),
        (
            "rust",
            "fn home() -> u8 { 1 }\n",
            "#[cfg(unix)]\nfn home() -> u8 { 1 }\n#[cfg(windows)]\nfn home() -> u8 { 2 }\n",
            [],
        ),
        # Go's methods are per type: another type's String() is no repeat.
        (
            "go",
            'package p\n\nfunc (a A) String() string { return "" }\n',
            'package p\n\nfunc (a A) String() string { return "" }\n\n'
            'func (b B) String() string { return "" }\n',
            [],
        ),
        ("go", "package p\n\nfunc f() {}\n", "package p\n\nfunc f() {}\n\nfunc f() {}\n", ["f"]),
    ],
)
def test_a_rewrite_that_defines_a_top_level_name_again_is_found(
    language: str, old: str, new: str, repeated: list[str]
) -> None:
    assert repeated_definitions(language, old, new) == repeated


@pytest.mark.parametrize(
    ("path", "valid", "broken"),
    [
        # JSX in a .tsx file: the TypeScript grammar read it as an error, so a fix of any
        # React component was refused ("not valid TypeScript") and a refactor warned.
        ("App.tsx", "export const A = (n: number) => <div>{n}</div>;\n",
         "export const A = (n: number) => <div>{n}</div;\n"),
        ("cast.ts", "const x = <number>y;\n", "const x = <number>;\n"),
        # a C++ header named .h
        ("shape.h", "class Shape { public: virtual double area() const = 0; };\n",
         "class Shape { public: virtual double area( const = 0; };\n"),
    ],
)  # fmt: skip
def test_a_file_is_valid_when_its_languages_other_grammar_reads_it(
    path: str, valid: str, broken: str
) -> None:
    language = detect_language(path)
    assert check_syntax(language.id, valid).ok
    assert not check_syntax(language.id, broken).ok
    assert require_parses(language, valid, valid, name=path, must_parse=True).ok
    with pytest.raises(UnusableAnswerError):
        require_parses(language, valid, broken, name=path, must_parse=True)


def test_a_makefile_is_not_checked_as_a_shell_script() -> None:
    # It was read with the bash grammar: a fix of any Makefile was refused.
    makefile = "CC ?= cc\nifeq ($(DEBUG),1)\nCFLAGS += -g\nendif\n\nall: app\n\tgo build ./...\n"
    language = detect_language("Makefile")
    check = require_parses(language, makefile, makefile + "x", name="Makefile", must_parse=True)
    assert not check.checked and "no parser for makefile" in check.note
