"""The installed hook, run by a real `git commit`, with the real daemon and model."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

from tests.conftest import Cli

SOURCE = "def area(w, h):\n    return w * h\n"


def git(repo: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=False
    )


def make_repo(cli: Cli, tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    for args in (
        ("init", "-q", "-b", "main"),
        ("config", "user.email", "ada@example.com"),
        ("config", "user.name", "Ada"),
        ("config", "commit.gpgsign", "false"),
    ):
        assert git(repo, *args, env=cli.env).returncode == 0
    cli.cwd = repo
    assert cli("hook", "install").returncode == 0
    (repo / "area.py").write_text(SOURCE)
    git(repo, "add", "area.py", env=cli.env)
    return repo


def test_apply_mode_commits_the_refactored_file(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(cli, tmp_path)
    (repo / "__init__.py").write_text("")  # the daemon refuses it: skipped, not the end
    git(repo, "add", "__init__.py", env=cli.env)
    env = {**cli.env, "CODESAGA_HOOK_MODE": "apply", "CODESAGA_HOOK_INSTRUCTION": "add type hints"}
    proc = git(repo, "commit", "-m", "area", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "refactored and restaged 1 file(s)" in proc.stderr, proc.stderr
    assert "__init__.py: " in proc.stderr and "empty" in proc.stderr, proc.stderr
    assert git(repo, "show", "HEAD:__init__.py", env=env).stdout == ""
    committed = git(repo, "show", "HEAD:area.py", env=env).stdout
    function = ast.parse(committed).body[0]
    assert isinstance(function, ast.FunctionDef) and function.name == "area"
    assert function.returns is not None  # the hints were added to what was committed
    assert all(arg.annotation is not None for arg in function.args.args), committed
    assert (repo / "area.py").read_text() == committed  # the work tree has them too
    assert git(repo, "status", "--porcelain", env=env).stdout == ""
    saga = re.search(r"\(saga (\S+)\)", proc.stderr)
    assert saga is not None, proc.stderr
    shown = cli("saga", "show", saga.group(1))
    assert shown.returncode == 0 and "area.py" in shown.stdout, shown.stdout + shown.stderr


def test_suggest_mode_never_blocks_even_without_a_model(cli: Cli, tmp_path: Path) -> None:
    repo = make_repo(cli, tmp_path)
    env = {**cli.env, "CODESAGA_MODEL": str(tmp_path / "missing.gguf")}
    proc = git(repo, "commit", "-m", "area", env=env)
    assert proc.returncode == 0, proc.stderr
    assert "suggest mode never blocks" in proc.stderr
    assert git(repo, "show", "HEAD:area.py", env=env).stdout == SOURCE


def test_a_blocking_hook_exits_with_the_code_of_what_stopped_it(cli: Cli, tmp_path: Path) -> None:
    # It exited 1 (usage) whatever went wrong; a missing model is 3, as for any command.
    make_repo(cli, tmp_path)
    env = {"CODESAGA_HOOK_MODE": "apply", "CODESAGA_MODEL": str(tmp_path / "missing.gguf")}
    proc = cli("hook", "run", **env)
    assert proc.returncode == 3, proc.stderr
    assert "what the hook did was undone" in proc.stderr


def test_the_time_budget_cancels_the_refactor_in_flight(cli: Cli, tmp_path: Path) -> None:
    # The budget was looked at between files only: a slow or stuck daemon held `git commit`
    # for as long as the refactor took (up to rewrite_budget_seconds, 300 s, per file).
    import json

    repo = make_repo(cli, tmp_path)
    assert cli("daemon", "start").returncode == 0  # the budget is the model's, not the start's
    env = {**cli.env, "CODESAGA_HOOK_MODE": "apply", "CODESAGA_HOOK_BUDGET_SECONDS": "0.3"}
    proc = git(repo, "commit", "-m", "area", env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "time budget reached: 1 file(s) skipped" in proc.stderr, proc.stderr
    assert git(repo, "show", "HEAD:area.py", env=env).stdout == SOURCE
    listed = json.loads(cli("requests", "--type", "refactor", "--json").stdout)["requests"]
    assert [r["status"] for r in listed] == ["cancelled"]
