"""Reading a fetched repository's history: its commits (newest first) with the files each
changed, and the text of a file at a commit. The repositories are bare git directories;
nothing here writes to them."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType


@dataclass(frozen=True)
class Change:
    path: str
    added: int
    deleted: int


@dataclass(frozen=True)
class Commit:
    sha: str
    parent: str
    changes: tuple[Change, ...]


def commits(git_dir: Path, limit: int) -> Iterator[Commit]:
    """Up to ``limit`` commits of HEAD's history that are not merges, newest first; binary
    changes and root commits left out."""
    cmd = [
        "git", f"--git-dir={git_dir}", "log", "--no-merges", "--no-renames",
        f"--max-count={limit}", "--format=@%H %P", "--numstat", "HEAD",
    ]  # fmt: skip
    with subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, errors="replace") as proc:
        assert proc.stdout is not None
        sha, parent = "", ""
        changes: list[Change] = []
        for line in proc.stdout:
            if line.startswith("@"):
                if sha and parent:
                    yield Commit(sha, parent, tuple(changes))
                ids = line[1:].split()
                sha, parent, changes = ids[0], (ids[1] if len(ids) > 1 else ""), []
            elif line.strip():
                added, deleted, path = line.rstrip("\n").split("\t", 2)
                if added != "-" and deleted != "-":
                    changes.append(Change(path, int(added), int(deleted)))
        if sha and parent:
            yield Commit(sha, parent, tuple(changes))


class Blobs:
    """Files' texts at commits, through one ``git cat-file --batch``; a missing blob (a
    snapshot may lack some), or one that is not UTF-8, is None."""

    def __init__(self, git_dir: Path) -> None:
        self.proc = subprocess.Popen(
            ["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def text(self, rev: str, path: str) -> str | None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(f"{rev}:{path}\n".encode())
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().decode().split()
        if len(header) != 3 or header[1] != "blob":
            return None
        data = self.proc.stdout.read(int(header[2]) + 1)[:-1]
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        self.proc.wait(10)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> Blobs:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def git_dir_of(mirrors: Path, repo: str) -> Path:
    """Where the search tool's ``fetch`` puts ``owner/name``: ``mirrors/owner+name/repo``, a
    bare repository, or for some repositories a ``.git`` directory inside it."""
    bare = mirrors / repo.replace("/", "+") / "repo"
    inside = bare / ".git"
    return inside if inside.is_dir() else bare
