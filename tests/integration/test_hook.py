"""The pre-commit hook in real temporary git repositories, with a scripted rewrite (the real
model's hook run is in tests/e2e/test_hook_e2e.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from codesaga.saga import hook, hook_install
from codesaga.saga.compensators import COMPENSATORS
from codesaga.saga.log import KILL_AFTER_ENV, SagaStore
from codesaga.saga.recovery import recover, state_of

BASE = (
    "def total(values):\n    return sum(values)\n\n\n"
    "def mean(values):\n    return sum(values) / len(values)\n"
)
STAGED = BASE.replace("return sum(values)\n\n", "return sum(values, 0)\n\n")
UNSTAGED_TAIL = "\n\ndef count(values):\n    return len(values)\n"
TYPED = "def total(values: list[float]) -> float:"

# The hook as git runs it, with a scripted rewrite instead of the model.
RUNNER = textwrap.dedent(
    """
    import json, os, sys
    from pathlib import Path
    from codesaga.saga import hook
    from codesaga.saga.log import SagaStore
    state = Path(os.environ["CS_STATE"])
    repo = hook.repo_root()
    def rewrite(path, text, seconds_left):
        from codesaga.domain.errors import InputError
        if path.name == os.environ.get("CS_REFUSE"):  # as the daemon refuses an empty file
            raise InputError(f"{path.name} is empty; there is nothing to change")
        if path.name == os.environ.get("CS_EDITED_MEANWHILE"):  # an editor saves it
            path.write_text(text + "# saved from the editor\\n")
        saving = os.environ.get("CS_SAVE_WHILE", ":").split(":")  # "b.py:a.py": a.py is
        if path.name == saving[0]:  # saved from an editor while b.py's rewrite runs
            (path.parent / saving[1]).write_text(os.environ["CS_SAVED_TEXT"])
        if os.environ.get("CS_RENAME"):  # a small model "tidies" a name callers use
            return text.replace("def total(", "def sum_of_values(")
        if path.name == os.environ.get("CS_UNPARSABLE"):
            return "def broken(:\\n"
        # As the daemon's refactor answers: from the text without a BOM (decode_source).
        text = text.removeprefix("\ufeff")
        return text.replace("def total(values):", "def total(values: list[float]) -> float:")
    try:
        report = hook.run(repo, os.environ.get("CS_MODE", "apply"), ["*.py"], rewrite,
            store=SagaStore(state / "sagas"), patches=state / "patches", max_bytes=1 << 20,
            budget_seconds=float(os.environ.get("CS_BUDGET", "60")), say=print)
    except Exception as exc:
        print("ERROR", exc)
        sys.exit(1)
    print("REPORT " + json.dumps({"applied": report.applied, "skipped": report.skipped,
        "conflict": report.conflict, "patch": str(report.patch) if report.patch else None,
        "suggestions": sorted(report.suggestions)}))
    sys.exit(1 if os.environ.get("CS_MODE") == "check" and report.suggestions else 0)
    """
)


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True, env=env
    ).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "ada@example.com")
    git(root, "config", "user.name", "Ada")
    git(root, "config", "commit.gpgsign", "false")
    return root


@pytest.fixture
def state(tmp_path: Path) -> Path:
    return tmp_path / "state"


def commit_base(repo: Path, text: str = BASE) -> None:
    (repo / "stats.py").write_text(text)
    git(repo, "add", "stats.py")
    git(repo, "commit", "-q", "-m", "base", "--no-verify")


def run_hook(
    repo: Path, state: Path, **env: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, object]]:
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER],
        cwd=repo,
        env={**os.environ, "CS_STATE": str(state), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("REPORT ")]
    return proc, (json.loads(lines[0][7:]) if lines else {})


def stage_with_an_unstaged_tail(repo: Path) -> None:
    """stats.py committed, changed and staged, then changed again (unstaged)."""
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)
    git(repo, "add", "stats.py")
    (repo / "stats.py").write_text(STAGED + UNSTAGED_TAIL)


def install_runner(repo: Path, state: Path) -> None:
    """The scripted hook as the repository's pre-commit hook, so `git commit` runs it."""
    hook_file = repo / ".git" / "hooks" / "pre-commit"
    script = repo.parent / "runner.py"
    script.write_text(RUNNER)
    hook_file.write_text(f'#!/bin/sh\nCS_STATE="{state}" exec "{sys.executable}" "{script}"\n')
    hook_file.chmod(0o755)


def snapshot(repo: Path) -> tuple[dict[str, bytes], str]:
    """The work tree's files and the index's entries (mode, blob hash, path)."""
    files = {
        str(p.relative_to(repo)): p.read_bytes()
        for p in repo.rglob("*")
        if p.is_file() and ".git" not in p.parts
    }
    return files, git(repo, "ls-files", "--stage")


def test_partial_staging_commits_the_refactored_hunk_and_keeps_the_unstaged_one(
    repo: Path, state: Path
) -> None:
    stage_with_an_unstaged_tail(repo)
    install_runner(repo, state)
    git(repo, "commit", "-q", "-m", "change")
    committed = git(repo, "show", "HEAD:stats.py")
    assert committed == STAGED.replace("def total(values):", TYPED)
    assert (repo / "stats.py").read_text() == committed + UNSTAGED_TAIL
    assert git(repo, "diff", "--cached") == ""  # nothing left staged
    (patch,) = (state / "patches").iterdir()
    assert b"def count" in patch.read_bytes() and repo not in patch.parents


@pytest.mark.parametrize(
    "config", [("diff.noprefix", "true"), ("diff.mnemonicPrefix", "true"), ("color.diff", "always")]
)
def test_the_users_diff_settings_do_not_change_the_saved_patch(
    config: tuple[str, str], repo: Path, state: Path
) -> None:
    # With diff.noprefix the saved patch read `diff --git stats.py stats.py`, which
    # `git apply` (-p1) could not place: every partly staged file was rolled back as a
    # conflict.
    git(repo, "config", *config)
    stage_with_an_unstaged_tail(repo)
    proc, report = run_hook(repo, state)
    assert proc.returncode == 0 and not report["conflict"], proc.stdout + proc.stderr
    assert TYPED in git(repo, "show", ":stats.py")
    assert (repo / "stats.py").read_text().endswith(UNSTAGED_TAIL)


@pytest.mark.parametrize("mode", ["apply", "check"])
def test_a_merge_being_committed_is_left_as_it_is(mode: str, repo: Path, state: Path) -> None:
    # The merge's files hold the other branch's changes: apply refactored and restaged them
    # all (a change in neither parent), check blocked the merge.
    commit_base(repo)
    git(repo, "checkout", "-q", "-b", "theirs")
    (repo / "stats.py").write_text(STAGED)
    git(repo, "commit", "-q", "-am", "theirs", "--no-verify")
    git(repo, "checkout", "-q", "main")
    (repo / "other.py").write_text("def other():\n    return 1\n")
    git(repo, "add", "other.py")
    git(repo, "commit", "-q", "-m", "ours", "--no-verify")
    git(repo, "merge", "-q", "--no-commit", "--no-ff", "theirs")
    before = snapshot(repo)
    proc, report = run_hook(repo, state, CS_MODE=mode)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "a merge is being committed" in proc.stdout
    assert report["suggestions"] == [] and snapshot(repo) == before


def test_the_users_post_checkout_hook_is_not_run_by_the_commit(repo: Path, state: Path) -> None:
    commit_base(repo)
    post = repo / ".git" / "hooks" / "post-checkout"
    post.write_text('#!/bin/sh\ntouch "$(git rev-parse --git-dir)/post-checkout-ran"\n')
    post.chmod(0o755)
    (repo / "stats.py").write_text(STAGED)
    git(repo, "add", "stats.py")
    (repo / "stats.py").write_text(STAGED + UNSTAGED_TAIL)
    proc, report = run_hook(repo, state)
    assert proc.returncode == 0 and report["applied"] == ["stats.py"], proc.stdout
    assert not (repo / ".git" / "post-checkout-ran").exists()
    assert (repo / "stats.py").read_text().endswith(UNSTAGED_TAIL)


def test_a_conflict_with_unstaged_changes_rolls_back_and_keeps_them(
    repo: Path, state: Path
) -> None:
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)
    git(repo, "add", "stats.py")
    # The unstaged change touches the very line the refactor rewrites.
    (repo / "stats.py").write_text(STAGED.replace("def total(values):", "def total(values):  # Σ"))
    before = snapshot(repo)
    proc, report = run_hook(repo, state)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["conflict"] is True and report["applied"] == []
    assert snapshot(repo) == before


def test_binary_and_non_utf8_files_are_skipped_untouched(repo: Path, state: Path) -> None:
    commit_base(repo)
    (repo / "blob.py").write_bytes(b"\x00\x01binary")
    (repo / "latin.py").write_bytes("café = 1\n".encode("latin-1"))
    git(repo, "add", "blob.py", "latin.py")
    before = snapshot(repo)
    proc, report = run_hook(repo, state)
    assert proc.returncode == 0
    skipped = "\n".join(map(str, report["skipped"]))  # type: ignore[call-overload]
    assert "blob.py" in skipped and "binary" in skipped
    assert "latin.py" in skipped and "UTF-8" in skipped
    assert snapshot(repo) == before


def test_a_file_whose_name_is_not_utf8_is_skipped_and_the_others_go_on(
    repo: Path, state: Path
) -> None:
    # git gives names as bytes: a Latin-1 name ended the hook with a traceback (exit 1),
    # which blocked the commit in every mode.
    commit_base(repo)
    with open(os.fsencode(repo) + b"/caf\xe9.py", "w") as odd:  # a name only bytes spell
        odd.write(BASE)
    (repo / "stats.py").write_text(STAGED)
    git(repo, "add", "-A")
    proc, report = run_hook(repo, state)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["applied"] == ["stats.py"]
    assert report["skipped"] == ["caf\ufffd.py: its name is not UTF-8; skipped"]


def test_a_name_with_glob_characters_is_that_file_alone(repo: Path, state: Path) -> None:
    # Names went to git as pathspecs: `foo[1].py` matched `foo1.py` too, which was
    # refactored and staged though the user never staged it, and a rollback read its entry.
    commit_base(repo)
    (repo / "foo1.py").write_text(BASE)
    git(repo, "add", "foo1.py")
    git(repo, "commit", "-q", "-m", "foo1", "--no-verify")
    (repo / "foo1.py").write_text(BASE + UNSTAGED_TAIL)  # edited, not staged
    (repo / "foo[1].py").write_text(BASE)
    git(repo, "add", ":(literal)foo[1].py")  # as a person's `git add` of it stages it
    assert git(repo, "diff", "--cached", "--name-only").split() == ["foo[1].py"]
    proc, report = run_hook(repo, state)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["applied"] == ["foo[1].py"]
    assert (repo / "foo1.py").read_text() == BASE + UNSTAGED_TAIL
    assert git(repo, "diff", "--cached", "--name-only").split() == ["foo[1].py"]
    assert TYPED in git(repo, "show", ":foo[1].py")


@pytest.mark.parametrize("mode", ["apply", "check"])
def test_a_file_the_rewrite_refuses_is_skipped_and_the_others_go_on(
    mode: str, repo: Path, state: Path
) -> None:
    # One refused file (an empty `__init__.py`, a file over the context, an answer that
    # does not parse) ended the hook: the commit was blocked and no file was refactored.
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)
    (repo / "__init__.py").write_text("")
    (repo / "bad.py").write_text(BASE)
    git(repo, "add", "stats.py", "__init__.py", "bad.py")
    proc, report = run_hook(
        repo, state, CS_MODE=mode, CS_REFUSE="__init__.py", CS_UNPARSABLE="bad.py"
    )
    assert proc.returncode == (0 if mode == "apply" else 1), proc.stdout + proc.stderr
    skipped = "\n".join(map(str, report["skipped"]))  # type: ignore[call-overload]
    assert "__init__.py: __init__.py is empty" in skipped
    assert "bad.py: the model's rewrite of bad.py is not valid Python" in skipped
    assert report["suggestions"] == ["stats.py"]
    assert (repo / "bad.py").read_text() == BASE and (repo / "__init__.py").read_text() == ""
    if mode == "apply":
        assert report["applied"] == ["stats.py"]
        assert TYPED in git(repo, "show", ":stats.py")


def test_a_staged_symlink_stays_a_symlink(repo: Path, state: Path) -> None:
    # Its blob is the path it points at; the hook read the file through the link, refactored
    # it and staged the result as a regular file (mode 120000 became 100644).
    commit_base(repo)
    (repo / "alias.py").symlink_to("stats.py")
    git(repo, "add", "alias.py")
    before = snapshot(repo)
    proc, report = run_hook(repo, state)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["applied"] == []
    assert report["skipped"] == ["alias.py: a symbolic link, not a file of code; skipped"]
    assert (repo / "alias.py").is_symlink() and snapshot(repo) == before
    assert git(repo, "ls-files", "--stage", "alias.py").startswith("120000 ")


@pytest.mark.parametrize("target", ["notes.py", "gone.py"])  # a link, and a dangling one
def test_a_file_made_a_symlink_in_the_work_tree_is_one_after_the_hook(
    target: str, repo: Path, state: Path
) -> None:
    # Staged as a file, a link in the work tree (an unstaged type change): the rollback
    # wrote the link's target's text back as a regular file, and a dangling link was a
    # traceback that blocked the commit.
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)
    git(repo, "add", "stats.py")
    (repo / "notes.py").write_text("# notes\n")
    (repo / "stats.py").unlink()
    (repo / "stats.py").symlink_to(target)
    index = git(repo, "ls-files", "--stage")
    proc, report = run_hook(repo, state)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (repo / "stats.py").is_symlink() and os.readlink(repo / "stats.py") == target
    assert (repo / "notes.py").read_text() == "# notes\n"
    assert git(repo, "ls-files", "--stage") == index or report["applied"] == ["stats.py"]


def test_files_with_a_bom_keep_it_and_one_unchanged_is_not_restaged(
    repo: Path, state: Path
) -> None:
    # The rewrite came back without the BOM, so every staged file that had one was rewritten
    # and restaged, changed or not, and lost it.
    bom = b"\xef\xbb\xbf"
    commit_base(repo)
    (repo / "stats.py").write_bytes(bom + STAGED.encode())
    (repo / "other.py").write_bytes(bom + b"def other():\n    return 1\n")
    git(repo, "add", "stats.py", "other.py")
    proc, report = run_hook(repo, state)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["applied"] == ["stats.py"]
    typed = bom + STAGED.replace("def total(values):", TYPED).encode()
    assert (repo / "stats.py").read_bytes() == typed
    assert git(repo, "show", ":stats.py").encode() == typed
    assert (repo / "other.py").read_bytes() == bom + b"def other():\n    return 1\n"


def test_crlf_work_tree_with_autocrlf_stays_crlf(repo: Path, state: Path) -> None:
    git(repo, "config", "core.autocrlf", "true")
    commit_base(repo)
    (repo / "stats.py").write_bytes(STAGED.replace("\n", "\r\n").encode())
    git(repo, "add", "stats.py")
    proc, report = run_hook(repo, state)
    assert proc.returncode == 0 and report["applied"] == ["stats.py"], proc.stdout
    work = (repo / "stats.py").read_bytes()
    assert work == STAGED.replace("def total(values):", TYPED).replace("\n", "\r\n").encode()
    assert "\r" not in git(repo, "show", ":stats.py")  # the index has LF


def test_an_empty_repository(repo: Path, state: Path) -> None:
    (repo / "stats.py").write_text(BASE)
    git(repo, "add", "stats.py")
    install_runner(repo, state)
    git(repo, "commit", "-q", "-m", "first")
    assert git(repo, "show", "HEAD:stats.py").startswith(TYPED)


def test_commit_all_refactors_what_commit_a_stages(repo: Path, state: Path) -> None:
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)  # not added: `commit -a` stages it
    install_runner(repo, state)
    git(repo, "commit", "-q", "-a", "-m", "all")
    assert git(repo, "show", "HEAD:stats.py") == STAGED.replace("def total(values):", TYPED)
    assert git(repo, "status", "--porcelain") == ""


def test_commit_with_paths_suggests_and_leaves_index_and_tree_in_step(
    repo: Path, state: Path
) -> None:
    # git commits its own temporary index, then writes back the real index it made before
    # the hook: the refactor went into HEAD and the work tree but not the index (`MM`).
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)
    install_runner(repo, state)
    proc = subprocess.run(
        ["git", "commit", "-m", "paths", "stats.py"], cwd=repo, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    said = proc.stdout + proc.stderr  # git shows the hook's output on stderr
    assert "given paths" in said and '"suggestions": ["stats.py"]' in said
    assert git(repo, "show", "HEAD:stats.py") == STAGED
    assert (repo / "stats.py").read_text() == STAGED
    assert git(repo, "status", "--porcelain") == ""


def test_intent_to_add_files_are_left_alone(repo: Path, state: Path) -> None:
    commit_base(repo)
    (repo / "later.py").write_text("def total(values):\n    pass\n")
    git(repo, "add", "-N", "later.py")
    before = snapshot(repo)
    proc, report = run_hook(repo, state)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["applied"] == [] and report["suggestions"] == []
    assert snapshot(repo) == before


def test_a_held_index_lock_stops_before_anything_changes(repo: Path, state: Path) -> None:
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)
    git(repo, "add", "stats.py")
    before = snapshot(repo)
    (repo / ".git" / "index.lock").write_text("")
    proc, _ = run_hook(repo, state)
    assert proc.returncode == 1 and "index.lock" in proc.stdout
    (repo / ".git" / "index.lock").unlink()
    assert snapshot(repo) == before


def test_suggest_changes_nothing_and_check_fails_the_commit(repo: Path, state: Path) -> None:
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)
    git(repo, "add", "stats.py")
    before = snapshot(repo)
    proc, report = run_hook(repo, state, CS_MODE="suggest")
    assert proc.returncode == 0 and report["suggestions"] == ["stats.py"]
    proc, report = run_hook(repo, state, CS_MODE="check")
    assert proc.returncode == 1 and report["suggestions"] == ["stats.py"]
    assert snapshot(repo) == before


def test_the_time_budget_skips_the_rest_with_a_message(repo: Path, state: Path) -> None:
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)
    git(repo, "add", "stats.py")
    before = snapshot(repo)
    proc, report = run_hook(repo, state, CS_BUDGET="-1")
    assert proc.returncode == 0
    assert "time budget" in proc.stdout and report["applied"] == []
    assert snapshot(repo) == before


def test_install_chains_an_existing_hook_and_skip_bypasses(repo: Path, state: Path) -> None:
    commit_base(repo)
    hooks = repo / ".git" / "hooks"
    mine = hooks / "pre-commit"
    mine.write_text('#!/bin/sh\necho "the old hook ran" > "$(git rev-parse --git-dir)/old-ran"\n')
    mine.chmod(0o755)
    message = hook_install.install(repo, command="false")  # a codesaga that always fails
    assert "previous hook runs first" in message
    (repo / "stats.py").write_text(STAGED)
    git(repo, "add", "stats.py")
    with pytest.raises(subprocess.CalledProcessError):
        git(repo, "commit", "-q", "-m", "blocked by the failing hook")
    assert (repo / ".git" / "old-ran").exists()
    git(repo, "commit", "-q", "-m", "skipped", env={**os.environ, hook.SKIP_ENV: "1"})
    assert git(repo, "show", "HEAD:stats.py") == STAGED
    assert "previous hook is back" in hook_install.uninstall(repo)
    assert "old hook ran" in mine.read_text()


def test_skip_skips_codesaga_alone_and_a_path_with_spaces_runs(
    repo: Path, state: Path, tmp_path: Path
) -> None:
    # CODESAGA_SKIP=1 also skipped the user's own hook (a secrets scanner); and the hook ran
    # `exec /My Projects/venv/bin/codesaga`, split at the space: every commit failed.
    commit_base(repo)
    hooks = repo / ".git" / "hooks"
    theirs = hooks / "pre-commit"
    theirs.write_text('#!/bin/sh\necho "their check failed" >&2\nexit 1\n')
    theirs.chmod(0o755)
    spaced = tmp_path / "My Projects" / "codesaga"
    spaced.parent.mkdir()
    spaced.write_text('#!/bin/sh\necho "codesaga ran: $*" > "$(git rev-parse --git-dir)/ours"\n')
    spaced.chmod(0o755)
    hook_install.install(repo, command=str(spaced))
    (repo / "stats.py").write_text(STAGED)
    git(repo, "add", "stats.py")
    skip = {**os.environ, hook.SKIP_ENV: "1"}
    with pytest.raises(subprocess.CalledProcessError) as blocked:
        git(repo, "commit", "-q", "-m", "their hook still runs", env=skip)
    assert "their check failed" in blocked.value.stderr
    theirs_now = hooks / ("pre-commit" + hook_install.CHAINED_SUFFIX)
    theirs_now.write_text("#!/bin/sh\nexit 0\n")
    git(repo, "commit", "-q", "-m", "skipped", env=skip)
    assert not (repo / ".git" / "ours").exists()  # codesaga itself was skipped
    (repo / "stats.py").write_text(BASE)
    git(repo, "add", "stats.py")
    git(repo, "commit", "-q", "-m", "through the spaced path")
    assert (repo / ".git" / "ours").read_text() == "codesaga ran: hook run\n"


def test_install_refuses_a_hooks_folder_inside_the_work_tree(repo: Path) -> None:
    # core.hooksPath = .githooks (a team's hooks, committed): installing renamed their hook
    # and wrote a file with this machine's path into the repository.
    commit_base(repo)
    (repo / ".githooks").mkdir()
    team = repo / ".githooks" / "pre-commit"
    team.write_text("#!/bin/sh\nexit 0\n")
    git(repo, "config", "core.hooksPath", ".githooks")
    with pytest.raises(hook.InputError, match="inside the repository"):
        hook_install.install(repo, command="codesaga")
    assert sorted(p.name for p in (repo / ".githooks").iterdir()) == ["pre-commit"]
    assert team.read_text() == "#!/bin/sh\nexit 0\n"


APPLY_STEPS = [
    "begin",
    "snapshot",
    "patch-saved",
    "clean",
    "cleaned",
    "generated",
    "write",
    "written",
    "stage",
    "staged",
    "unpatch",
    "unpatched",
]


@pytest.mark.parametrize("step", APPLY_STEPS)
def test_kill_9_at_any_step_then_recover_puts_tree_and_index_back(
    step: str, repo: Path, state: Path
) -> None:
    stage_with_an_unstaged_tail(repo)
    before = snapshot(repo)
    proc, _ = run_hook(repo, state, **{KILL_AFTER_ENV: step})
    assert proc.returncode == -9, proc.stdout + proc.stderr
    store = SagaStore(state / "sagas")
    ((saga_id, outcome),) = recover(store, COMPENSATORS)
    assert "rolled back" in outcome
    assert snapshot(repo) == before
    assert state_of(store.get(saga_id)).status == "rolled-back"


@pytest.mark.parametrize(
    ("stage_it", "killed_after"),
    # "cleaned": killed while the model answers (the whole model call), before any write;
    # the files were taken for half-checked-out ones and put back over the user's work.
    [(False, "written"), (True, "written"), (False, "cleaned")],
)
def test_recover_after_a_killed_hook_keeps_work_done_since(
    stage_it: bool, killed_after: str, repo: Path, state: Path
) -> None:
    # `saga recover` ("safe to run any time") put the snapshot back over whatever the user
    # had written and staged after the hook was killed, and kept no copy of it.
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)
    (repo / "other.py").write_text("def other():\n    return 1\n")
    git(repo, "add", "stats.py", "other.py")
    proc, _ = run_hook(repo, state, **{KILL_AFTER_ENV: killed_after})
    assert proc.returncode == -9
    later = STAGED + "\n\ndef later():\n    return 2\n"
    (repo / "stats.py").write_text(later)  # the user goes on working
    if stage_it:
        git(repo, "add", "stats.py")
    store = SagaStore(state / "sagas")
    ((saga_id, outcome),) = recover(store, COMPENSATORS)
    assert "except stats.py" in outcome and "changed since" in outcome
    assert (repo / "stats.py").read_text() == later
    staged = git(repo, "show", ":stats.py")
    assert staged == (later if stage_it else STAGED)
    # The other file, as the hook left it, is rolled back; the saga keeps the snapshot.
    assert (repo / "other.py").read_text() == "def other():\n    return 1\n"
    log = store.get(saga_id)
    assert state_of(log).status == "rolled-back"
    [conflict] = [e for e in log.events() if e["event"] == "conflict"]
    assert conflict["path"] == "stats.py"
    snapshots = {e["path"]: e["sha"] for e in log.events() if e["event"] == "snapshot"}
    snapshot_blob = snapshots["stats.py"]
    assert log.blob(snapshot_blob) == STAGED.encode()


def test_a_file_saved_while_the_hook_ran_is_named_with_where_the_unstaged_changes_are(
    repo: Path, state: Path
) -> None:
    # Its write refused, the rollback left the file as the editor saved it, without the
    # unstaged changes, and the message said nothing was changed.
    stage_with_an_unstaged_tail(repo)
    proc, _ = run_hook(repo, state, CS_EDITED_MEANWHILE="stats.py")
    assert proc.returncode == 1
    said = proc.stdout
    assert "left as they are (changed while the hook ran): stats.py" in said, said
    patch = said.split("your unstaged changes are in ")[1].split()[0]
    assert "def count" in Path(patch).read_text()
    assert (repo / "stats.py").read_text() == STAGED + "# saved from the editor\n"


def test_a_file_saved_after_the_hook_wrote_it_is_kept_when_the_unstaged_changes_conflict(
    repo: Path, state: Path
) -> None:
    # stats.py is written, then saved from the editor (its buffer, typed on) while util.py's
    # rewrite runs; the unstaged changes no longer apply. The rollback took the failed
    # `git apply` for one killed midway and put the snapshot over the save, keeping no copy.
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)
    (repo / "util.py").write_text("def util():\n    return 1\n")
    git(repo, "add", "stats.py", "util.py")
    (repo / "stats.py").write_text(STAGED + UNSTAGED_TAIL)
    typed = STAGED + UNSTAGED_TAIL + "# typed while the hook ran\n"
    proc, report = run_hook(repo, state, CS_SAVE_WHILE="util.py:stats.py", CS_SAVED_TEXT=typed)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["conflict"] is True and report["applied"] == []
    assert (repo / "stats.py").read_text() == typed
    assert "left as they are (changed while the hook ran): stats.py" in proc.stdout
    assert git(repo, "show", ":stats.py") == STAGED  # the index as the user staged it
    assert (repo / "util.py").read_text() == "def util():\n    return 1\n"


@pytest.mark.parametrize("killed_after", ["clean", "unpatch"])  # inside checkout-index, apply
def test_recover_after_a_hook_killed_inside_git_keeps_what_it_puts_back_over(
    killed_after: str, repo: Path, state: Path
) -> None:
    # Killed inside git's own writes, a file unlike the hook's may be git's write cut short,
    # so the snapshot goes back; but it may as well be work saved since: it is kept.
    stage_with_an_unstaged_tail(repo)
    before = snapshot(repo)
    proc, _ = run_hook(repo, state, **{KILL_AFTER_ENV: killed_after})
    assert proc.returncode == -9
    later = STAGED + "\n\ndef later():\n    return 2\n"
    (repo / "stats.py").write_text(later)
    ((_, outcome),) = recover(SagaStore(state / "sagas"), COMPENSATORS)
    assert snapshot(repo) == before
    kept = Path(outcome.split("stats.py held what the put-back replaced, kept at ")[1].split()[0])
    assert kept.read_text() == later, outcome


def test_after_a_killed_run_the_next_one_says_to_recover_and_apply_waits_for_it(
    repo: Path, state: Path
) -> None:
    # git said only "pre-commit died of signal 9"; the next commit went ahead on top of the
    # half-done run, the user's unstaged changes still only in the saved patch.
    stage_with_an_unstaged_tail(repo)
    before = snapshot(repo)
    proc, _ = run_hook(repo, state, **{KILL_AFTER_ENV: "cleaned"})
    assert proc.returncode == -9
    left = snapshot(repo)
    again, _ = run_hook(repo, state)
    assert again.returncode == 1 and "codesaga saga recover" in again.stdout, again.stdout
    assert snapshot(repo) == left  # the second run changed nothing
    suggested, report = run_hook(repo, state, CS_MODE="suggest")
    assert suggested.returncode == 0 and "was interrupted" in suggested.stdout
    assert report["suggestions"] == ["stats.py"]
    ((_, outcome),) = recover(SagaStore(state / "sagas"), COMPENSATORS)
    assert outcome.startswith("rolled back:") and snapshot(repo) == before
    applied, report = run_hook(repo, state)
    assert applied.returncode == 0 and "interrupted" not in applied.stdout
    assert report["applied"] == ["stats.py"]


def test_apply_leaves_a_file_whose_rewrite_drops_a_name_as_staged_and_suggest_shows_it(
    repo: Path, state: Path
) -> None:
    # Only warned about, the rename went into the user's commit, breaking its callers.
    stage_with_an_unstaged_tail(repo)
    before = snapshot(repo)
    proc, report = run_hook(repo, state, CS_RENAME="1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert report["applied"] == [] and snapshot(repo) == before
    [skipped] = report["skipped"]
    assert skipped.startswith("stats.py: the rewrite no longer defines total")
    _, suggested = run_hook(repo, state, CS_RENAME="1", CS_MODE="suggest")
    assert suggested["suggestions"] == ["stats.py"]


def test_a_rollback_cut_short_and_run_again_still_puts_back_a_file_git_cut_short(
    repo: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first rollback journaled its first put-back; run again, it took that for the hook's
    # last step, no longer saw it was killed inside git, and left the cut-short file as "work
    # done since".
    commit_base(repo)
    (repo / "util.py").write_text("def util():\n    return 1\n")
    (repo / "stats.py").write_text(STAGED)
    git(repo, "add", "stats.py", "util.py")
    for name in ("stats.py", "util.py"):
        (repo / name).write_text((repo / name).read_text() + UNSTAGED_TAIL)
    before = snapshot(repo)
    proc, _ = run_hook(repo, state, **{KILL_AFTER_ENV: "clean"})  # inside checkout-index
    assert proc.returncode == -9
    (repo / "util.py").write_text("def util():\n    ret")  # as git left it, cut short
    put_back, calls = hook._put_back, []

    def killed_at_the_second(*args: Any) -> None:
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        put_back(*args)

    monkeypatch.setattr(hook, "_put_back", killed_at_the_second)
    store = SagaStore(state / "sagas")
    with pytest.raises(KeyboardInterrupt):
        recover(store, COMPENSATORS)
    monkeypatch.setattr(hook, "_put_back", put_back)
    ((_, outcome),) = recover(store, COMPENSATORS)
    assert outcome.startswith("rolled back:"), outcome
    assert snapshot(repo) == before


def test_a_file_a_killed_git_apply_removed_is_put_back(repo: Path, state: Path) -> None:
    # `git apply` removes a file before it writes it again: killed between the two, the
    # file is missing, which is the hook's doing, not work done since.
    stage_with_an_unstaged_tail(repo)
    before = snapshot(repo)
    proc, _ = run_hook(repo, state, **{KILL_AFTER_ENV: "unpatch"})
    assert proc.returncode == -9
    (repo / "stats.py").unlink()
    ((_, outcome),) = recover(SagaStore(state / "sagas"), COMPENSATORS)
    assert outcome.startswith("rolled back:") and snapshot(repo) == before


def test_recover_after_a_killed_commit_all_restores_the_files_without_false_conflicts(
    repo: Path, state: Path
) -> None:
    # `git commit -a` gives the hook .git/index.lock, which git removes when the hook dies;
    # recover read that missing index as empty and named every file "changed since", though
    # it had put them back.
    commit_base(repo)
    (repo / "stats.py").write_text(STAGED)
    before = (repo / "stats.py").read_bytes()
    lock = repo / ".git" / "index.lock"
    lock.write_bytes((repo / ".git" / "index").read_bytes())
    env = {"GIT_INDEX_FILE": str(lock), KILL_AFTER_ENV: "staged"}
    subprocess.run(["git", "add", "stats.py"], cwd=repo, env={**os.environ, **env}, check=True)
    proc, _ = run_hook(repo, state, **env)
    assert proc.returncode == -9
    lock.unlink()  # as git does when its hook dies
    ((_, outcome),) = recover(SagaStore(state / "sagas"), COMPENSATORS)
    assert outcome.startswith("rolled back:") and "except" not in outcome, outcome
    assert (repo / "stats.py").read_bytes() == before
    assert git(repo, "diff", "--cached") == ""  # the real index never had the commit's staging


def test_a_second_ctrl_c_waits_for_the_rollback(
    repo: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Pressed again while the first one's rollback ran, it stopped the rollback half-way:
    # files without their unstaged changes, index entries of the hook's, and no word of it.
    import signal

    stage_with_an_unstaged_tail(repo)
    before = snapshot(repo)
    real = hook.roll_back_hook

    def pressed_again(log: Any) -> list[str]:
        os.kill(os.getpid(), signal.SIGINT)
        return real(log)

    def first_ctrl_c(path: Path, text: str, seconds_left: float) -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(hook, "roll_back_hook", pressed_again)
    monkeypatch.chdir(repo)
    with pytest.raises(KeyboardInterrupt):
        hook.run(
            repo, "apply", ["*.py"], first_ctrl_c, store=SagaStore(state / "sagas"),
            patches=state / "patches", max_bytes=1 << 20, budget_seconds=60, say=print,
        )  # fmt: skip
    assert snapshot(repo) == before
    [saga] = SagaStore(state / "sagas").all()
    assert [e["event"] for e in saga.events()][-1] == "rolled-back"


def test_a_staged_file_over_the_limit_is_skipped_unread(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A staged data file of gigabytes matching the globs was read whole before the size
    # check turned it down.
    commit_base(repo)
    (repo / "huge.py").write_text("x = 1\n" * 1000)
    (repo / "small.py").write_text("y = 2\n")
    git(repo, "add", "huge.py", "small.py")
    asked: list[tuple[str, ...]] = []
    real_git = hook.git

    def recorded(where: Path, *args: str, env: dict[str, str] | None = None) -> bytes:
        asked.append(args)
        return real_git(where, *args, env=env)

    monkeypatch.setattr(hook, "git", recorded)
    report = hook.HookReport()
    targets = hook.staged_targets(repo, ["*.py"], report, max_bytes=1000)
    assert [t.path for t in targets] == ["small.py"]
    assert report.skipped == [
        "huge.py: huge.py is 6,000 bytes, over the 1,000-byte limit; raise "
        "CODESAGA_MAX_FILE_BYTES to accept it"
    ]
    blobs_read = [a for a in asked if a[:2] == ("cat-file", "blob")]
    assert len(blobs_read) == 1  # small.py's alone


def test_a_rollback_that_fails_too_says_how_to_recover_and_recover_does(
    repo: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a full disk `git add` failed, and so did putting the file back: the rollback's
    # own "[Errno 28] No space left on device" replaced the first error, with not a word
    # that the work tree held the rewrite and the unstaged changes were only in the patch.
    import errno

    from codesaga.saga.recovery import RollBackFailedError

    stage_with_an_unstaged_tail(repo)
    before = snapshot(repo)

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(hook, "_restage", no_space)
    monkeypatch.setattr(hook, "_put_back", no_space)
    store = SagaStore(state / "sagas")

    def typed(path: Path, text: str, left: float) -> str:
        return text.replace("def total(values):", TYPED)

    with pytest.raises(RollBackFailedError) as caught:
        hook.run(
            repo, "apply", ["*.py"], typed, store=store, patches=state / "patches",
            max_bytes=1 << 20, budget_seconds=60, say=print,
        )  # fmt: skip
    said = str(caught.value)
    assert "No space left on device; putting the files back, or recording it, failed too" in said
    assert "your unstaged changes in" in said and "run `codesaga saga recover`" in said
    assert snapshot(repo) != before  # the rewrite is in the work tree, as said
    monkeypatch.undo()  # the disk has room again
    ((_, outcome),) = recover(store, COMPENSATORS)
    assert "rolled back" in outcome and snapshot(repo) == before


def test_a_patch_that_could_not_be_saved_is_not_named_as_where_the_changes_are(
    repo: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Named before it was written: on a full disk the message sent the user to a patch
    # file that did not exist, while the changes were still in the work tree.
    import errno

    from codesaga.saga.recovery import RollBackFailedError

    stage_with_an_unstaged_tail(repo)
    written = hook.write_bytes_atomic

    def no_room_for_the_patch(path: Path, data: bytes, **kw: Any) -> None:
        if path.suffix == ".patch":
            raise OSError(errno.ENOSPC, "No space left on device")
        written(path, data, **kw)

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(hook, "write_bytes_atomic", no_room_for_the_patch)
    monkeypatch.setattr(hook, "_put_back", no_space)
    with pytest.raises(RollBackFailedError) as caught:
        hook.run(
            repo, "apply", ["*.py"], lambda path, text, left: text,
            store=SagaStore(state / "sagas"), patches=state / "patches", max_bytes=1 << 20,
            budget_seconds=60, say=print,
        )  # fmt: skip
    assert "unstaged changes in" not in str(caught.value)
    assert (repo / "stats.py").read_text() == STAGED + UNSTAGED_TAIL  # still in the tree
