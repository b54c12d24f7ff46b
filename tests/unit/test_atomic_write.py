"""Atomic writes over a file the user may be saving: their save wins."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import codesaga.fs as fs
from codesaga.domain.errors import InputError


def test_a_file_changed_before_the_write_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "a.py"
    file.write_text("original\n")
    file.write_text("saved by the user\n")
    with pytest.raises(InputError, match="changed while CodeSaga was working"):
        fs.write_atomic(file, "model rewrite\n", expected=b"original\n")
    assert file.read_text() == "saved by the user\n"


@pytest.mark.parametrize("how", ["in place", "renamed over", "deleted"])  # as editors save
def test_a_save_while_the_new_bytes_are_synced_is_not_written_over(
    how: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bytes were compared before the temp file was written and synced (tens of
    # milliseconds on a busy disk); a save in between was replaced by the rewrite.
    file = tmp_path / "a.py"
    file.write_text("original\n")
    saved = "original\nuser's new line\n"
    real_fsync, fired = os.fsync, []

    def fsync_while_the_editor_saves(fd: int) -> None:
        real_fsync(fd)
        if not fired:
            fired.append(fd)
            if how == "in place":
                file.write_text(saved)
            elif how == "deleted":
                file.unlink()
            else:
                (tmp_path / "a.py.swp").write_text(saved)
                os.replace(tmp_path / "a.py.swp", file)

    monkeypatch.setattr(fs.os, "fsync", fsync_while_the_editor_saves)
    with pytest.raises(InputError, match="changed while CodeSaga was working"):
        fs.write_atomic(file, "model rewrite\n", expected=b"original\n")
    assert fired and sorted(p.name for p in tmp_path.iterdir()) == (
        [] if how == "deleted" else ["a.py"]
    )
    assert how == "deleted" or file.read_text() == saved  # and no temp file is left


def test_an_unchanged_file_is_written_keeping_its_mode(tmp_path: Path) -> None:
    file = tmp_path / "a.py"
    file.write_text("original\n")
    file.chmod(0o640)
    fs.write_atomic(file, "model rewrite\n", expected=b"original\n")
    assert file.read_text() == "model rewrite\n" and file.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize(("umask", "mode"), [(0o077, 0o600), (0o022, 0o644), (0o002, 0o664)])
def test_a_new_file_gets_the_mode_the_umask_gives(umask: int, mode: int, tmp_path: Path) -> None:
    # A new file was 0644 whatever the umask: a chat exported under umask 077 (code in it)
    # was readable by every user of the machine.
    old = os.umask(umask)
    try:
        fs.write_atomic(tmp_path / "chat.md", "# chat\n")
    finally:
        os.umask(old)
    assert (tmp_path / "chat.md").stat().st_mode & 0o777 == mode
