"""`codesaga next-edit`'s diff headers: named so that git apply and patch -p1 take them."""

from __future__ import annotations

from pathlib import Path

import pytest

from codesaga.cli.commands.next_edit import _diff_name


def test_the_file_is_named_from_here_however_it_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `a/tmp/repo/src/calc.py` (absolute, `../`, or through a link to this folder) applied
    # nowhere.
    repo = tmp_path / "repo"
    (repo / "src").mkdir(parents=True)
    (tmp_path / "link").symlink_to(repo)
    monkeypatch.chdir(repo)
    for given in (repo / "src/calc.py", Path("../repo/src/calc.py"), tmp_path / "link/src/calc.py"):
        assert _diff_name(given) == "src/calc.py", given
    assert _diff_name(Path("src/calc.py")) == "src/calc.py"
    assert _diff_name(Path("/elsewhere/calc.py")) == "/elsewhere/calc.py"  # not below here
