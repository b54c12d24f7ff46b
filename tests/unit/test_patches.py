"""A patch's hunks for one file, and the file as it was before the patch (what
`codesaga next-edit --diff` gives the daemon as the history)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from codesaga.domain.errors import InputError
from codesaga.domain.patches import before_patch, file_hunks

OLD = "".join(f"line {i}\n" for i in range(1, 21))
NEW = (
    OLD.replace("line 3\n", "line three\n")
    .replace("line 15\n", "")
    .replace("line 20\n", "line 20\n-- a comment\n")
)


def git_diff(tmp_path: Path, old: str, new: str, *options: str, name: str = "app.py") -> str:
    """What `git diff` writes when src/NAME, committed as ``old``, is now ``new``."""

    def git(*args: str) -> str:
        done = subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=tmp_path, capture_output=True, text=True, check=True,
        )  # fmt: skip
        return done.stdout

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / name).write_text(old)
    git("init", "-q")
    git("add", ".")
    git("commit", "-q", "-m", "old")
    (tmp_path / "src" / name).write_text(new)
    return git("diff", *options)


@pytest.mark.parametrize("options", [(), ("-U0",), ("-U1",)])
def test_a_patch_applied_to_a_file_is_taken_back(tmp_path: Path, options: tuple[str, ...]) -> None:
    patch = git_diff(tmp_path, OLD, NEW, *options)
    hunks = file_hunks(patch, "/home/ada/repo/src/app.py")
    assert hunks is not None and len(hunks) >= 1
    assert before_patch(NEW, hunks, "app.py") == OLD


def test_a_file_name_git_quotes(tmp_path: Path) -> None:
    # git writes `+++ "b/src/caf\303\251.py"` for a non-ASCII name: no hunks were found.
    patch = git_diff(tmp_path, OLD, NEW, name="café.py")
    assert '"a/src/caf\\303\\251.py"' in patch
    hunks = file_hunks(patch, "/home/ada/repo/src/café.py")
    assert hunks is not None and before_patch(NEW, hunks, "café.py") == OLD


def test_the_end_of_a_file_without_a_newline(tmp_path: Path) -> None:
    old, new = "a\nb", "a\nc"
    patch = git_diff(tmp_path, old, new)
    assert "No newline" in patch
    hunks = file_hunks(patch, "src/app.py")
    assert hunks is not None and before_patch(new, hunks, "app.py") == old


def test_another_file_or_a_patch_of_another_text(tmp_path: Path) -> None:
    patch = git_diff(tmp_path, OLD, NEW)
    assert file_hunks(patch, "/home/ada/repo/app.py") is None  # not src/app.py
    assert file_hunks(patch, "/home/ada/repo/lib/src/app.py") is not None
    hunks = file_hunks(patch, "src/app.py")
    assert hunks is not None
    with pytest.raises(InputError, match=r"does not match app\.py: the hunk at line 1"):
        before_patch(OLD, hunks, "app.py")  # the patch is not applied to this text


def test_of_two_files_a_path_ends_with_the_longer_match_is_taken() -> None:
    # `git diff` of shapes.py and sub/shapes.py: sub/shapes.py was given the first one's
    # hunks (its path ends with "shapes.py" too), and "the patch does not match" followed.
    def section(name: str, old: str, new: str) -> str:
        return f"--- a/{name}\n+++ b/{name}\n@@ -1 +1 @@\n-{old}\n+{new}\n"

    patch = section("shapes.py", "top", "TOP") + section("sub/shapes.py", "inner", "INNER")
    for path, old in [("/r/sub/shapes.py", "inner"), ("/r/shapes.py", "top")]:
        hunks = file_hunks(patch, path)
        assert hunks is not None and before_patch(old.upper() + "\n", hunks, path) == old + "\n"


def test_a_crlf_files_patch_with_a_blank_context_line() -> None:
    # Its blank context line " \r\n" was read as "\n": the hunk was "not in" the file.
    old = "def total(xs):\r\n    return 1\r\n\r\n\r\ndef m():\r\n    return total(1)\r\n"
    new = old.replace("def total", "def sum_all")
    patch = (
        "--- a/c.py\r\n+++ b/c.py\r\n@@ -1,4 +1,4 @@\r\n"
        "-def total(xs):\r\n+def sum_all(xs):\r\n     return 1\r\n \r\n \r\n"
    ).replace("\r\n", "\n", 3)  # git writes its own lines with LF, the file's as they are
    hunks = file_hunks(patch, "c.py")
    assert hunks is not None and before_patch(new, hunks, "c.py") == old
    trimmed = patch.replace(" \r\n \r\n", "\r\n\r\n")  # an editor trimmed the context's space
    hunks = file_hunks(trimmed, "c.py")
    assert hunks is not None and before_patch(new, hunks, "c.py") == old
