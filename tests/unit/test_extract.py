from codesaga.domain.extract import blocks_left_out, code_blocks, extract_code, match_layout


def test_code_inside_prose_and_fence() -> None:
    answer = (
        "Here is the refactored code:\n\n```python\ndef f():\n    return 1\n```\n\nIt is shorter."
    )
    assert extract_code(answer, "python") == "def f():\n    return 1"


def test_prefers_block_in_the_files_language_then_the_longest() -> None:
    answer = "```bash\npip install x\n```\nthen\n```py\nx = 1\n```\n```\nlonger = 2 + 3\n```"
    assert extract_code(answer, "python") == "x = 1"
    assert extract_code(answer, "go") == "longer = 2 + 3"


def test_unclosed_fence_of_a_cut_off_answer() -> None:
    blocks = code_blocks("```js\nlet a = 1;\nlet b")
    assert blocks[0].code == "let a = 1;\nlet b" and not blocks[0].closed


def test_longer_fence_keeps_inner_backticks() -> None:
    answer = "````md\n```py\nx\n```\n````"
    assert extract_code(answer) == "```py\nx\n```"


def test_no_fence_drops_leading_prose() -> None:
    assert extract_code("Sure! Here you go:\ndef f():\n    pass\n") == "def f():\n    pass"


def test_no_fence_drops_trailing_prose_and_no_code_is_empty() -> None:
    answer = "def f():\n    pass\n\nThis function does nothing.\n"
    assert extract_code(answer, "python") == "def f():\n    pass"
    assert extract_code("I cannot help with that.", "python") == ""
    assert extract_code("```python\n\n```\nSorry.", "python") == ""  # empty fences
    assert extract_code("x = compute(1)\nprint(x)\n") == "x = compute(1)\nprint(x)"


def test_layout_restores_indent_newline_and_crlf() -> None:
    original = "    if x:\r\n        y()\r\n"
    assert match_layout("if x:\n    z()", original) == "    if x:\r\n        z()\r\n"
    assert match_layout("a = 1\n\n\n", "b = 2") == "a = 1"


def test_no_fence_keeps_code_lines_that_read_like_sentences() -> None:
    # `for item in items:` ended with a colon like "Here is the code:", and a closing
    # comment with a full stop like a remark: both were dropped.
    answer = (
        "for item in items:\n    total += item\nwhile not done:\n    step()\n"
        "# Clean up the temporary files."
    )
    assert extract_code(answer) == answer
    assert extract_code("Here is the fixed loop:\n" + answer + "\n\nThis sums the items.") == answer


def test_the_blocks_extract_code_leaves_out_are_counted() -> None:
    header = "```c\nint area(int w, int h);\n```"
    source = '```c\n#include "point.h"\nint area(int w, int h) { return w * h; }\n```'
    answer = f"The header:\n{header}\nand the source:\n{source}\n"
    assert extract_code(answer) in source and blocks_left_out(answer) == 1
    assert blocks_left_out(f"Only one:\n{source}\n```\n```") == 0  # an empty one is none
    assert blocks_left_out("x = 1\n") == 0
