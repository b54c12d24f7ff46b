from codesaga.domain.completion import split_typed_space, trim_completion


def test_stops_where_the_model_retypes_the_suffix() -> None:
    text = "if n < 2:\n        return n\n    return fib(n - 1)\n\nprint(fib(10))\n"
    assert trim_completion(text, "def fib(n):\n    ", "\n\nprint(fib(10))\n") == (
        "if n < 2:\n        return n\n    return fib(n - 1)"
    )


def test_single_line_and_max_lines() -> None:
    assert trim_completion("a()\nb()\n", "", "", multiline=False) == "a()"
    assert trim_completion("1\n2\n3\n4\n", "", "", max_lines=2) == "1\n2"


def test_whitespace_only_is_dropped() -> None:
    assert trim_completion("  \n\n", "x", "") == ""


def test_does_not_duplicate_the_rest_of_the_line() -> None:
    assert trim_completion("total)", "print(", "total)\n") == ""
    assert trim_completion("a, b)", "f(", ")\n") == "a, b"


def test_stops_when_the_block_ends() -> None:
    text = "n % 2 == 0\nprint(is_even(5))"
    assert trim_completion(text, "def is_even(n):\n    return ", "\n") == "n % 2 == 0"


def test_typed_space_is_split_off_but_indentation_is_not() -> None:
    assert split_typed_space("x = 1\n    return ") == ("x = 1\n    return", " ")
    assert split_typed_space("def f():\n    ") == ("def f():\n    ", "")
    assert split_typed_space("foo(") == ("foo(", "")
