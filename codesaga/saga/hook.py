"""The git pre-commit hook: refactor what is staged without ever losing the user's work.

Only the staged files that match the globs are touched. In ``apply`` mode, a saga:

1. snapshot each file's work-tree bytes and index entry (journaled, fsynced);
2. save the unstaged changes of those files as a binary patch outside the repository;
3. make the files match the index (``git checkout``, so autocrlf and filters apply);
4. refactor, validate, write atomically, ``git add``;
5. in every case, put the unstaged changes back (``git apply``). If they conflict with what
   the hook wrote, the hook's writes are rolled back and the user's changes are kept.

Any failure, or ``codesaga saga recover`` after a crash, puts every snapshot file and index
entry back byte for byte. ``suggest`` and ``check`` modes read the staged blobs and change
nothing.
"""

from __future__ import annotations

import contextlib
import fnmatch
import itertools
import os
import signal
import stat
import subprocess
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codesaga.domain.diff import unified_diff
from codesaga.domain.errors import CancelledError, InputError, UnusableAnswerError, UsageError
from codesaga.domain.source import BOM, check_size, decode_source, keep_bom
from codesaga.fs import private_dir, remove_stale_temps, write_bytes_atomic, write_link_atomic
from codesaga.saga.checks import check_names_kept, check_rewrite
from codesaga.saga.log import SagaLog, SagaStore, file_bytes, file_sha, sha256
from codesaga.saga.recovery import TERMINAL, rolled_back

MODES = ("suggest", "apply", "check")
BUDGET_SLACK = 0.5  # seconds a rewrite cancelled at the deadline may be told of it early
SKIP_ENV = "CODESAGA_SKIP"

# A file's path and text, and the seconds left of the hook's budget: its rewrite. Past
# them, it is cancelled (raising CancelledError).
Rewrite = Callable[[Path, str, float], str]
Say = Callable[[str], None]


class GitError(InputError):
    pass


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> bytes:
    # Every path is a file's name, never a pattern: `foo[1].py` also matched `foo1.py`.
    literal = {**(os.environ if env is None else env), "GIT_LITERAL_PATHSPECS": "1"}
    proc = subprocess.run(["git", *args], cwd=repo, env=literal, capture_output=True, check=False)
    if proc.returncode != 0:
        message = proc.stderr.decode(errors="replace").strip() or f"exit {proc.returncode}"
        raise GitError(f"git {' '.join(args[:2])}: {message}")
    return proc.stdout


def repo_root(cwd: Path | None = None) -> Path:
    try:
        out = git(cwd or Path.cwd(), "rev-parse", "--show-toplevel")
    except (GitError, FileNotFoundError):
        raise InputError("not inside a git repository (or git is not installed)") from None
    return Path(out.decode().strip())


# -- run --------------------------------------------------------------------------------------


@dataclass
class HookReport:
    suggestions: dict[str, str] = field(default_factory=dict)  # path -> diff
    applied: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # "path: why"
    patch: Path | None = None
    saga: str | None = None
    conflict: bool = False


@dataclass
class _Target:
    path: str  # relative to the repository root, as git names it
    index_mode: str
    index_sha: str
    staged: bytes


def staged_targets(
    repo: Path, globs: Sequence[str], report: HookReport, max_bytes: int
) -> list[_Target]:
    """The staged files matching ``globs``; those it cannot take go in ``report.skipped``
    (one over ``max_bytes`` is not read: a staged data file of gigabytes was, whole)."""
    names = git(repo, "diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z")
    wanted = []
    for raw in filter(None, names.split(b"\0")):
        try:
            name = raw.decode()
        except UnicodeDecodeError:  # git gives names as the bytes they are
            shown = raw.decode(errors="replace")
            if _matches(shown, globs):
                report.skipped.append(f"{shown}: its name is not UTF-8; skipped")
            continue
        if _matches(name, globs):
            wanted.append(name)
    if not wanted:
        return []
    entries = git(repo, "ls-files", "--stage", "-z", "--", *wanted).decode().split("\0")
    targets = []
    for entry in filter(None, entries):
        meta, path = entry.split("\t", 1)
        mode, sha, _ = meta.split(" ")
        # A submodule, or a symlink: its blob is the link's target path, not code, and
        # writing the file back would replace the link with a copy of what it points at.
        if mode in ("160000", "120000"):
            what = "a submodule" if mode == "160000" else "a symbolic link"
            report.skipped.append(f"{path}: {what}, not a file of code; skipped")
            continue
        try:
            check_size(int(git(repo, "cat-file", "-s", sha)), path, max_bytes)
        except InputError as exc:
            report.skipped.append(f"{path}: {exc}")
            continue
        targets.append(_Target(path, mode, sha, git(repo, "cat-file", "blob", sha)))
    return targets


def _matches(path: str, globs: Sequence[str]) -> bool:
    name = path.rsplit("/", 1)[-1]
    return any(fnmatch.fnmatch(path, g) or fnmatch.fnmatch(name, g) for g in globs)


def run(
    repo: Path,
    mode: str,
    globs: Sequence[str],
    rewrite: Rewrite,
    *,
    store: SagaStore,
    patches: Path,
    max_bytes: int,
    budget_seconds: float,
    say: Say,
) -> HookReport:
    if mode not in MODES:
        raise UsageError(f"hook mode must be one of {', '.join(MODES)}, not {mode!r}")
    report = HookReport()
    concluding = _concluding(repo)
    if concluding:
        # Its files hold the other side's changes too: refactored, they would be a change
        # of neither parent; checked, every file the other side touched would block it.
        say(f"a {concluding} is being committed: the hook leaves it as it is")
        return report
    deadline = time.monotonic() + budget_seconds
    usable = []
    for t in staged_targets(repo, globs, report, max_bytes):
        try:
            decode_source(t.staged, t.path, max_bytes)
        except InputError as exc:
            report.skipped.append(f"{t.path}: {exc}")
            continue
        usable.append(t)
    if not usable:
        return report
    if mode == "apply" and _partial_commit():
        say(
            "`git commit` was given paths: git writes back the index it made before this "
            "hook, so files restaged now would be out of step with it; showing the "
            "suggestions instead (to apply them, `git add` the files and commit without paths)"
        )
        mode = "suggest"
    interrupted = _interrupted_runs(store, repo)
    if interrupted:
        told = (
            f"an earlier run of this hook was interrupted (saga {interrupted[0]}): the files "
            "and index it took are not put back yet (your unstaged changes among them); run "
            "`codesaga saga recover`, then commit again"
        )
        if mode == "apply":  # a second run on top would take the half-done state for yours
            raise InputError(f"{told} (or skip the hook: git commit --no-verify)")
        say(told)
    if mode != "apply":
        _suggest(repo, usable, rewrite, deadline, report, say)
        return report
    _apply(repo, usable, rewrite, deadline, report, say, store, patches)
    return report


def _interrupted_runs(store: SagaStore, repo: Path) -> list[str]:
    """The ids of this repository's hook sagas that were killed before they ended (and that
    no process is running now): ``codesaga saga recover`` puts them back."""
    found = []
    for log in store.all():
        events = log.events()
        begin = events[0] if events else {}
        if begin.get("kind") != "hook" or begin.get("repo") != str(repo):
            continue
        if any(e["event"] in TERMINAL for e in events) or not log.try_lock():
            continue
        log.unlock()
        found.append(log.id)
    return found


def _concluding(repo: Path) -> str | None:
    """The merge, cherry-pick or revert this commit concludes, if any."""
    for head, what in (
        ("MERGE_HEAD", "merge"),
        ("CHERRY_PICK_HEAD", "cherry-pick"),
        ("REVERT_HEAD", "revert"),
    ):
        path = Path(git(repo, "rev-parse", "--git-path", head).decode().strip())
        if (path if path.is_absolute() else repo / path).exists():
            return what
    return None


def _partial_commit() -> bool:
    """Whether this is `git commit PATHS...`: git commits a temporary index of its own
    (``next-index-PID.lock``) and then writes the real one it prepared before the hooks ran
    (`commit -a` and `commit -i` give the hook the real index, ``index.lock``)."""
    index = os.environ.get("GIT_INDEX_FILE", "")
    return Path(index).name.startswith("next-index-")


def _over_budget(
    deadline: float, remaining: Sequence[_Target], report: HookReport, say: Say
) -> bool:
    if time.monotonic() <= deadline:
        return False
    _skip_the_rest(remaining, report, say)
    return True


def _skip_the_rest(remaining: Sequence[_Target], report: HookReport, say: Say) -> None:
    for t in remaining:
        report.skipped.append(f"{t.path}: skipped, the hook's time budget ran out")
    say(f"time budget reached: {len(remaining)} file(s) skipped (hook_budget_seconds)")


def _rewrites(
    repo: Path,
    targets: list[_Target],
    read: Callable[[_Target], str],
    rewrite: Rewrite,
    deadline: float,
    report: HookReport,
    say: Say,
    *,
    keep_names: bool = False,
) -> Iterator[tuple[_Target, str, str]]:
    """Each target's text and its checked rewrite, until the time budget runs out. A file
    whose rewrite is refused (empty, over the context, an answer that does not parse; with
    ``keep_names``, one that no longer defines a name) is skipped with the reason; the
    others go on."""
    for i, t in enumerate(targets):
        if _over_budget(deadline, targets[i:], report, say):
            return
        say(f"refactoring {t.path} ({i + 1}/{len(targets)})")
        text = read(t)
        body = text.removeprefix(BOM)  # as the model is shown any file
        try:
            new = rewrite(repo / t.path, body, deadline - time.monotonic())
            check_rewrite(Path(t.path), body, new)
            if keep_names:
                check_names_kept(Path(t.path), body, new)
        except (InputError, UnusableAnswerError) as exc:
            report.skipped.append(f"{t.path}: {exc}")
            continue
        except CancelledError:
            if time.monotonic() < deadline - BUDGET_SLACK:
                raise  # not the budget's doing
            _skip_the_rest(targets[i:], report, say)  # cancelled at the deadline
            return
        yield t, text, keep_bom(text, new)  # unchanged stays unchanged, byte for byte


def _suggest(
    repo: Path,
    targets: list[_Target],
    rewrite: Rewrite,
    deadline: float,
    report: HookReport,
    say: Say,
) -> None:
    staged = _rewrites(repo, targets, lambda t: t.staged.decode(), rewrite, deadline, report, say)
    for t, text, new in staged:
        diff = unified_diff(text, new, t.path)
        if diff:
            report.suggestions[t.path] = diff


def _apply(
    repo: Path,
    targets: list[_Target],
    rewrite: Rewrite,
    deadline: float,
    report: HookReport,
    say: Say,
    store: SagaStore,
    patches: Path,
) -> None:
    """The saga: every step is journaled before it is taken, so ``roll_back_hook`` can undo
    it after a failure here or a crash (``codesaga saga recover``)."""
    _refuse_a_locked_index(repo)
    log = _begin(store, repo, targets, report)
    paths = [t.path for t in targets]
    try:
        _snapshot(log, repo, targets)
        patch = _save_unstaged(log, repo, paths, patches, report, say)
        _check_out_staged(log, repo, targets)
        changed = _write_rewrites(log, repo, targets, rewrite, deadline, report, say)
        if changed:
            _restage(log, repo, changed)
        if patch is not None:
            _put_back_unstaged(log, repo, paths, patch, report, say)
        report.applied = changed
        log.append("completed")
    except BaseException as exc:
        also = f", your unstaged changes in {report.patch}" if report.patch else ""
        with _uninterrupted():  # a second Ctrl-C would leave it half rolled back
            left = rolled_back(log, exc, lambda: roll_back_hook(log), also)
        if left:  # changed while the hook ran: kept as they are, without the unstaged part
            where = f"; your unstaged changes are in {report.patch}" if report.patch else ""
            say(f"left as they are (changed while the hook ran): {', '.join(left)}{where}")
        for path, blob in log.kept().items():
            say(f"{path} is back as before the commit; what it held then is kept at {blob}")
        if not report.conflict:
            raise
        report.applied = []
        report.suggestions = {}
        log.append("kept-user-changes")
    finally:
        log.unlock()


@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """Ctrl-C waits until the block is done (in the main thread: where signals arrive)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _refuse_a_locked_index(repo: Path) -> None:
    """Raise ``GitError`` if another git command holds the index this commit uses."""
    git_dir = Path(git(repo, "rev-parse", "--absolute-git-dir").decode().strip())
    index = Path(os.environ.get("GIT_INDEX_FILE") or git_dir / "index")
    if not index.is_absolute():
        index = repo / index
    if (git_dir / "index.lock").exists() and index == git_dir / "index":
        raise GitError(
            f"git's index is locked ({git_dir / 'index.lock'} exists): another git command is "
            "running, or one crashed; remove that file if none runs, then commit again"
        )


def _begin(store: SagaStore, repo: Path, targets: list[_Target], report: HookReport) -> SagaLog:
    """A new hook saga, locked, its first event naming the repository, files and index."""
    log = store.create()
    log.try_lock()
    report.saga = log.id
    log.append(
        "begin",
        kind="hook",
        repo=str(repo),
        files=[t.path for t in targets],
        index_file=os.environ.get("GIT_INDEX_FILE"),
    )
    return log


def _snapshot(log: SagaLog, repo: Path, targets: list[_Target]) -> None:
    """Journal each file's work-tree bytes and mode and its index entry, which
    ``roll_back_hook`` puts back (a file missing from the work tree gets no blob)."""
    for t in targets:
        file = repo / t.path
        link = file.is_symlink()  # staged as a file, a link in the work tree: kept a link
        exists = link or file.exists()
        data = _link_text(file) if link else file.read_bytes() if exists else b""
        mode = stat.S_IMODE(file.stat().st_mode) if exists and not link else 0o644
        log.append(
            "snapshot",
            path=t.path,
            sha=log.put_blob(data) if exists else None,
            mode=mode,
            link=link,
            index_mode=t.index_mode,
            index_sha=t.index_sha,
        )


_LINK = b"symbolic link to "  # how a link's snapshot starts: it is never read through


def _link_text(file: Path) -> bytes:
    return _LINK + os.fsencode(os.readlink(file))


def _held(file: Path) -> str | None:
    """The sha256 of what ``file`` holds, as a snapshot stores it (a link: where it
    points, so that a link put back is a link, and a dangling one is no error)."""
    return sha256(_link_text(file)) if file.is_symlink() else file_sha(file)


def _save_unstaged(
    log: SagaLog, repo: Path, paths: list[str], patches: Path, report: HookReport, say: Say
) -> Path | None:
    """The files' unstaged changes as a binary patch outside the repository, or None if
    they have none."""
    # The plain form `git apply` takes back, whatever the user's diff settings say
    # (diff.noprefix, mnemonic prefixes, textconv drivers).
    patch = git(
        repo,
        "diff",
        "--binary",
        "--no-color",
        "--no-ext-diff",
        "--no-textconv",
        "--src-prefix=a/",
        "--dst-prefix=b/",
        "--",
        *paths,
    )
    if not patch:
        return None
    private_dir(patches)
    saved = patches / f"{log.id}.patch"
    write_bytes_atomic(saved, patch, mode=0o600)
    report.patch = saved  # named once it is there (a full disk: the changes are in the tree)
    log.append("patch-saved", patch=str(saved))
    say(f"unstaged changes saved to {saved}")
    return saved


def _check_out_staged(log: SagaLog, repo: Path, targets: list[_Target]) -> None:
    """Make the work-tree files match the index (through git's filters, so autocrlf holds).
    What each file will hold is journaled first: a rollback knows it for the hook's own."""
    shas = {
        t.path: sha256(git(repo, "cat-file", "--filters", f"--path={t.path}", t.index_sha))
        for t in targets
    }
    log.append("clean", shas=shas)
    # checkout-index, not `git checkout -- paths`: that also runs the user's post-checkout
    # hook (git-lfs's, say) in the middle of their commit.
    git(repo, "checkout-index", "--force", "--", *shas)
    log.append("cleaned")  # from here a file unlike the hook's is the user's work


def _write_rewrites(
    log: SagaLog,
    repo: Path,
    targets: list[_Target],
    rewrite: Rewrite,
    deadline: float,
    report: HookReport,
    say: Say,
) -> list[str]:
    """Refactor the work tree's (now the staged) content and write each file that changed;
    the paths written, their diffs in ``report.suggestions``."""
    changed = []
    worktree = _rewrites(
        repo,
        targets,
        lambda t: (repo / t.path).read_bytes().decode("utf-8"),
        rewrite,
        deadline,
        report,
        say,
        keep_names=True,  # written into the commit unseen: shown, a suggestion may rename
    )
    for t, text, new_text in worktree:
        if new_text == text:
            continue
        _write(log, repo, t.path, text, new_text)
        changed.append(t.path)
        report.suggestions[t.path] = unified_diff(text, new_text, t.path)
    return changed


def _write(log: SagaLog, repo: Path, path: str, text: str, new_text: str) -> None:
    """Journal the new content and the intent, write it atomically (only over ``text``),
    journal that it was written."""
    new = new_text.encode("utf-8")
    log.append("generated", path=path, sha=log.put_blob(new))
    log.append("write", path=path)
    write_bytes_atomic(repo / path, new, expected=text.encode("utf-8"))
    log.append("written", path=path)


def _restage(log: SagaLog, repo: Path, changed: list[str]) -> None:
    # The blobs `git add` will stage (through the same filters), journaled first: a rollback
    # knows those index entries for the hook's own.
    blobs = {
        path: git(repo, "hash-object", f"--path={path}", "--", path).decode().strip()
        for path in changed
    }
    log.append("stage", blobs=blobs)
    git(repo, "add", "--", *changed)
    log.append("staged")


def _put_back_unstaged(
    log: SagaLog, repo: Path, paths: list[str], patch: Path, report: HookReport, say: Say
) -> None:
    """Apply the saved unstaged changes again. If they conflict with what the hook wrote,
    ``report.conflict`` is set and the ``GitError`` raised: the caller rolls the hook back,
    which keeps the user's changes."""
    log.append("unpatch")
    try:
        git(repo, "apply", "--whitespace=nowarn", str(patch))
    except GitError:
        # `git apply` checks every hunk before it writes: failed, it wrote nothing, so a
        # file unlike the hook's is the user's work (saved meanwhile), not a write cut short.
        log.append("unpatch-failed")
        report.conflict = True
        say("the refactor conflicts with your unstaged changes: rolling it back")
        raise
    log.append("unpatched", shas={path: _held(repo / path) for path in paths})


def roll_back_hook(log: SagaLog) -> list[str]:
    """Every snapshot file and index entry back as it was before the hook (byte for byte),
    unless it holds what none of the hook's steps put there: then someone changed it since
    (the hook was killed and the work went on), and it is left as it is, their work winning;
    those paths are returned (the snapshot stays in the saga's blobs). Killed inside git's
    own writes, a file unlike the hook's may be cut short by git or saved since by the user:
    it is put back, and what it held is kept in the saga's blobs (a "restored" event's
    ``kept``, as ``recovery`` keeps what a put-back overwrote)."""
    events = log.events()
    begin = events[0]
    repo = Path(begin["repo"])
    env = dict(os.environ)
    index_file = begin.get("index_file")
    if index_file:
        env["GIT_INDEX_FILE"] = index_file
    # `git commit -a` gives the hook an index of its own (index.lock), which git threw away
    # when the hook died: none of the hook's staging is left to undo there.
    index_gone = index_file is not None and not (repo / str(index_file)).exists()
    files, entries = _hooks_own(events)
    snapshots = {e["path"]: e for e in events if e["event"] == "snapshot"}
    # Killed inside `git checkout` or `git apply`, which remove a file before they write it
    # again: a file missing or cut short there is the hook's own too, so all are put back.
    # (The hook's own last step: a rollback cut short and run again has journaled more.)
    steps = list(itertools.takewhile(lambda e: e["event"] not in _ROLLING_BACK, events))
    midway = steps[-1]["event"] in ("clean", "unpatch")
    conflicts = []
    for path, e in snapshots.items():
        file = repo / path
        remove_stale_temps(file)  # a write killed midway left its temp file beside it
        link = file.is_symlink()
        # Read once: what is judged below is what is written over.
        held = _link_text(file) if link else file_bytes(file)
        current = sha256(held) if held is not None else None
        theirs = current != e["sha"] and current not in files.get(path, ())
        if theirs and not midway:
            conflicts.append(path)
        else:
            kept = log.put_blob(held) if theirs and held is not None else None
            try:
                _put_back(log, file, e, current, None if link else held)
            except InputError:  # saved in these milliseconds: their save wins
                conflicts.append(path)
            else:
                if kept is not None:
                    log.append("restored", path=path, kept=kept)
        if index_gone:
            continue
        staged = git(repo, "ls-files", "--stage", "-z", "--", path, env=env).decode()
        blob = staged.split(" ")[1] if staged else None
        if blob not in (e["index_sha"], *entries.get(path, ())):
            if path not in conflicts:
                conflicts.append(path)
            continue
        entry = f"{e['index_mode']},{e['index_sha']},{path}"
        git(repo, "update-index", "--cacheinfo", entry, env=env)
    for path in conflicts:
        sha = snapshots[path]["sha"]
        where = log.blob_path(sha) if sha else "none: it did not exist"
        note = f"changed since the hook stopped; left as it is, the file before it is {where}"
        log.append("conflict", path=path, note=note)
    log.append("rolled-back", conflicts=conflicts)
    return conflicts


_ROLLING_BACK = ("failed", "restored", "conflict", "rolled-back")  # a rollback's own events


def _put_back(
    log: SagaLog, file: Path, snapshot: dict[str, Any], current: str | None, held: bytes | None
) -> None:
    """``file`` as its ``snapshot`` had it (absent, a link, or bytes and mode), written only
    over the bytes it ``held`` (``InputError`` if it changed since)."""
    if snapshot["sha"] is None:
        with contextlib.suppress(FileNotFoundError):
            file.unlink()
    elif current != snapshot["sha"] and snapshot.get("link"):
        write_link_atomic(file, os.fsdecode(log.blob(snapshot["sha"]).removeprefix(_LINK)))
    elif current != snapshot["sha"]:
        write_bytes_atomic(
            file, log.blob(snapshot["sha"]), mode=int(snapshot["mode"]), expected=held
        )


def _hooks_own(events: list[dict[str, Any]]) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """What the hook's steps may have left in each file (sha256s: checked out, rewritten,
    with the unstaged changes put back) and in each index entry (blob ids restaged)."""
    files: dict[str, set[str]] = {}
    entries: dict[str, set[str]] = {}
    for e in events:
        if e["event"] in ("clean", "unpatched"):
            for path, sha in e.get("shas", {}).items():
                files.setdefault(path, set()).add(sha)
        elif e["event"] == "generated":
            files.setdefault(e["path"], set()).add(e["sha"])
        elif e["event"] == "stage":
            for path, blob in e.get("blobs", {}).items():
                entries.setdefault(path, set()).add(blob)
    return files, entries
