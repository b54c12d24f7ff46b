"""Which function a fix's retry asks for: the one a failing test line calls."""

from __future__ import annotations

from codesaga.domain.failing_lines import failing_lines
from codesaga.domain.fix_focus import Function, failing_function
from codesaga.service.syntax import functions_in

STATS = '''"""Statistics."""
import functools


def mean(values):
    return sum(values) / len(values)


@functools.cache
def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


class Report:
    def render(self):
        return str(mean([1]))
'''


def test_python_functions_and_methods_with_their_lines() -> None:
    assert functions_in("python", STATS) == [
        Function("mean", 5, 6),
        Function("median", 9, 12, 10),  # its decorator included
        Function("render", 16, 17),
    ]
    assert functions_in("python", "def broken(:\n") == []


def test_javascript_functions_arrow_functions_and_methods() -> None:
    source = (
        "function clamp(x, lo, hi) {\n  return Math.min(hi, Math.max(lo, x));\n}\n\n"
        "const lastN = (items, n) => {\n  return items.slice(-n);\n};\n\n"
        "class Cart {\n  total() {\n    return 0;\n  }\n}\n\n"
        "module.exports = { clamp, lastN, Cart };\n"
    )
    assert functions_in("javascript", source) == [
        Function("clamp", 1, 3),
        Function("lastN", 5, 7),  # the whole `const` statement
        Function("total", 10, 12),
    ]


def _shown(test: str, output: str) -> str:
    return failing_lines(output, lambda path: test if path.endswith("test_stats.py") else None)


def test_the_function_the_failing_line_calls() -> None:
    test = (
        "from stats import mean, median\n\n"
        "assert mean([1, 2]) == 1.5\nassert median([4, 1, 3, 2]) == 2.5\n"
    )
    output = 'Traceback (most recent call last):\n  File "test_stats.py", line 4, in <module>\n'
    functions = functions_in("python", STATS)
    assert failing_function(functions, _shown(test, output)) == Function("median", 9, 12, 10)


def test_else_the_nearest_call_above_the_failing_line() -> None:
    test = "from stats import mean\n\ngot = mean([1, 2])\nassert got == 2, got\n"
    output = 'File "test_stats.py", line 4, in <module>\nAssertionError: 1.5\n'
    functions = functions_in("python", STATS)
    assert failing_function(functions, _shown(test, output)) == Function("mean", 5, 6)


def test_no_function_when_the_test_calls_none_of_the_files_or_a_name_defined_twice() -> None:
    test = "import json\n\nassert json.loads('1') == 2\n"
    output = 'File "test_stats.py", line 3, in <module>\n'
    functions = functions_in("python", STATS)
    assert failing_function(functions, _shown(test, output)) is None
    assert failing_function(functions, "") is None
    twice = [Function("render", 1, 2), Function("render", 4, 5)]
    assert failing_function(twice, "t.py:\n```\n> 3 | assert a.render() == b.render()\n```") is None
