"""The code at the lines a failing check names, for the model that fixes the file."""

from __future__ import annotations

from pathlib import Path

from codesaga.domain.failing_lines import Frame, failing_lines, frames
from codesaga.fs import project_reader

PYTHON_TRACEBACK = """Traceback (most recent call last):
  File "/p/test_stats.py", line 6, in <module>
    assert got == 2.5, f"median([4, 1, 3, 2]) returned {got}"
  File "/usr/lib/python3.11/site-packages/x.py", line 3, in f
AssertionError: median([4, 1, 3, 2]) returned 3.5
"""
NODE_STACK = """/p/test_groups.js:10
assert.deepStrictEqual(groups.red.map((p) => p.name), ["ann", "cy"]);
AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:
    at Object.<anonymous> (/p/test_groups.js:10:8)
    at Module._compile (node:internal/modules/cjs/loader:1521:14)
    at helper (src/groups.ts:4:2)
"""
PYTEST = "tests/test_calc.py:12: in test_mean\n    assert mean([2, 4]) == 3\nE   AssertionError\n"


def test_frames_of_python_node_and_pytest_output_without_installed_code() -> None:
    assert frames(PYTHON_TRACEBACK) == [Frame("/p/test_stats.py", 6)]
    assert frames(NODE_STACK) == [Frame("/p/test_groups.js", 10), Frame("src/groups.ts", 4)]
    assert frames(PYTEST) == [Frame("tests/test_calc.py", 12)]
    assert frames("ValueError: no digits here, line 3") == []


def test_the_lines_up_to_each_place_are_shown_numbered_with_the_place_marked() -> None:
    test = "\n".join(f"line {n}" for n in range(1, 31))
    output = 'File "t.py", line 6, in a\nFile "t.py", line 25, in b\n'
    shown = failing_lines(output, {"t.py": test}.get)
    assert shown.startswith("The code at the failing lines (marked >):\nt.py:\n```\n")
    body = shown.split("```\n", 1)[1].rsplit("\n```", 1)[0]
    assert body.splitlines() == [
        "   2 | line 2", "   3 | line 3", "   4 | line 4", "   5 | line 5", ">  6 | line 6",
        "  ...",
        "  21 | line 21", "  22 | line 22", "  23 | line 23", "  24 | line 24", "> 25 | line 25",
    ]  # fmt: skip


def test_nothing_is_shown_for_files_that_cannot_be_read_or_lines_past_their_end() -> None:
    assert failing_lines(PYTHON_TRACEBACK, lambda path: None) == ""
    assert failing_lines('File "t.py", line 9, in f', {"t.py": "one line"}.get) == ""


def test_the_reader_keeps_to_the_project_and_skips_the_file_being_fixed(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "test_calc.py").write_text("assert mean([2, 4]) == 3\n")
    (project / "calc.py").write_text("def mean(v): ...\n")
    (project / "big.py").write_text("x = 1\n" * 100)
    (project / "blob.py").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "secret.py").write_text("TOKEN = 'x'\n")
    (project / "link.py").symlink_to(tmp_path / "secret.py")
    read = project_reader(project, 200, exclude=[project / "calc.py"])
    assert read("test_calc.py") == "assert mean([2, 4]) == 3\n"
    assert read(str(project / "test_calc.py")) == "assert mean([2, 4]) == 3\n"
    for refused in ("calc.py", "big.py", "blob.py", "../secret.py", "link.py", "missing.py"):
        assert read(refused) is None, refused
    assert read(str(tmp_path / "secret.py")) is None
