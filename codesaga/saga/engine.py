"""Multi-file edits that complete or undo themselves: snapshot → generate → validate →
write → verify, each step journaled (fsync) before it is taken; any failure restores every
file byte for byte, and `recover` finishes or rolls back a saga a crash interrupted.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from codesaga.domain.diff import unified_diff
from codesaga.domain.errors import InputError, VerifyFailedError
from codesaga.domain.languages import detect_language
from codesaga.saga.log import SagaLog, SagaStore, file_sha
from codesaga.service.files import read_source, remove_stale_temps, write_bytes_atomic
from codesaga.service.syntax import SyntaxCheck, require_parses

TERMINAL = ("completed", "rolled-back", "undone")
VERIFY_OUTPUT_CHARS = 4000

# (path, its current text) -> the new text; raises to fail the saga
Rewrite = Callable[[Path, str], str]
Progress = Callable[[str], None]


@dataclass
class SagaResult:
    id: str
    status: str  # completed | rolled-back
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "saga": self.id,
            "status": self.status,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "diffs": self.diffs,
            "notes": self.notes,
        }


@dataclass
class _File:
    path: Path
    original: bytes
    mode: int
    new: bytes | None = None


class SagaRunner:
    def __init__(self, store: SagaStore, max_file_bytes: int, verify_timeout: float = 900.0):
        self.store = store
        self.max_file_bytes = max_file_bytes
        self.verify_timeout = verify_timeout

    def run(
        self,
        kind: str,
        paths: Sequence[Path],
        rewrite: Rewrite,
        *,
        verify: str | None = None,
        cwd: Path | None = None,
        details: dict[str, Any] | None = None,
        progress: Progress = lambda message: None,
    ) -> SagaResult:
        """Run one saga; returns its result, or raises after restoring every file."""
        cwd = cwd or Path.cwd()
        paths = _distinct([p.absolute() for p in paths])
        log = self.store.create()
        log.try_lock()
        log.append(
            "begin",
            kind=kind,
            files=[str(p) for p in paths],
            verify=verify,
            cwd=str(cwd),
            details=details or {},
        )
        result = SagaResult(log.id, "completed")
        try:
            files = self._snapshot(log, paths, progress)
            for i, f in enumerate(files, 1):
                progress(f"{kind} {f.path.name} ({i}/{len(files)})")
                self._generate(log, f, rewrite, result)
            changed = [f for f in files if f.new is not None]
            for f in changed:
                assert f.new is not None
                log.append("write", path=str(f.path))
                write_bytes_atomic(f.path, f.new, expected=f.original, mode=f.mode)
                log.append("written", path=str(f.path))
            if verify and changed:
                progress(f"verifying: {verify}")
                self._verify(log, verify, cwd, [f.path for f in changed])
            log.append("completed")
            return result
        except BaseException as exc:
            log.append("failed", error=str(exc) or type(exc).__name__)
            progress("restoring the files")
            roll_back(log)
            raise
        finally:
            log.unlock()

    def _snapshot(self, log: SagaLog, paths: Sequence[Path], progress: Progress) -> list[_File]:
        progress(f"saving {len(paths)} original file(s)")
        files = []
        for path in paths:
            _, data = read_source(path, self.max_file_bytes)  # binary, too big...: refuse now
            mode = path.stat().st_mode & 0o7777
            digest = log.put_blob(data)
            log.append("snapshot", path=str(path), sha=digest, mode=mode)
            files.append(_File(path, data, mode))
        return files

    def _generate(self, log: SagaLog, f: _File, rewrite: Rewrite, result: SagaResult) -> None:
        text = f.original.decode("utf-8")
        new_text = rewrite(f.path, text)
        check = check_rewrite(f.path, text, new_text)
        if not check.checked:
            result.notes.append(f"{f.path.name}: {check.note}")
        new = new_text.encode("utf-8")
        if new == f.original:
            log.append("unchanged", path=str(f.path))
            result.unchanged.append(str(f.path))
            return
        digest = log.put_blob(new)
        log.append("generated", path=str(f.path), sha=digest, checked=check.checked)
        f.new = new
        result.changed.append(str(f.path))
        result.diffs[str(f.path)] = unified_diff(text, new_text, str(f.path))

    def _verify(self, log: SagaLog, command: str, cwd: Path, changed: list[Path]) -> None:
        files = " ".join(shlex.quote(str(p)) for p in changed)
        line = command.replace("{files}", files)
        log.append("verify", command=line)
        env = {**os.environ, "CODESAGA_FILES": files}
        try:
            proc = subprocess.run(
                line,
                shell=True,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=self.verify_timeout,
            )
            ok, output = proc.returncode == 0, (proc.stdout + proc.stderr)
            why = f"exit code {proc.returncode}"
        except subprocess.TimeoutExpired:
            ok, output, why = False, "", f"no result after {self.verify_timeout:.0f} s"
        tail = output[-VERIFY_OUTPUT_CHARS:]
        log.append("verified", ok=ok, output=tail)
        if not ok:
            raise VerifyFailedError(
                f"--verify {command!r} failed ({why}); every file was restored.\n{tail}".rstrip()
            )


def check_rewrite(path: Path, text: str, new_text: str) -> SyntaxCheck:
    """The rewrite of the file at ``path`` must parse when the original did."""
    return require_parses(detect_language(str(path), text), text, new_text, name=str(path))


# -- reading a saga's state -----------------------------------------------------------------


@dataclass
class SagaState:
    id: str
    kind: str
    status: str  # completed | rolled-back | undone | interrupted (or still running)
    files: list[str]
    created_at: float
    error: str | None
    originals: dict[str, tuple[str, int]]  # path -> (sha, mode)
    generated: dict[str, str]  # path -> new sha
    intents: list[str]  # paths with a "write" event, in order
    written: list[str]
    verify: str | None
    verified: bool | None
    undoing: bool
    conflicts: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "files": self.files,
            "changed": self.written,
            "created_at": self.created_at,
            "error": self.error,
            "verify": self.verify,
            "verified": self.verified,
            "conflicts": self.conflicts,
        }


def state_of(log: SagaLog) -> SagaState:
    events = log.events()
    begin = events[0] if events else {}
    state = SagaState(
        id=log.id,
        kind=str(begin.get("kind", "?")),
        status="interrupted",
        files=list(begin.get("files", [])),
        created_at=float(begin.get("at", 0.0)),
        error=None,
        originals={},
        generated={},
        intents=[],
        written=[],
        verify=begin.get("verify"),
        verified=None,
        undoing=False,
        conflicts=[],
    )
    for e in events:
        kind = e["event"]
        if kind == "snapshot":
            state.originals[e["path"]] = (e["sha"], int(e["mode"]))
        elif kind == "generated":
            state.generated[e["path"]] = e["sha"]
        elif kind == "write":
            state.intents.append(e["path"])
        elif kind == "written":
            state.written.append(e["path"])
        elif kind == "verified":
            state.verified = bool(e["ok"])
        elif kind == "failed":
            state.error = e.get("error")
        elif kind == "undo":
            state.undoing = True
        elif kind == "conflict":
            state.conflicts.append(e["path"])
        elif kind in TERMINAL:
            state.status = kind
    return state


# -- compensation, recovery, undo -------------------------------------------------------------


def roll_back(log: SagaLog) -> SagaState:
    """Put every file the saga may have written back as it was. A file that holds neither
    the original nor the saga's version was changed by someone since: it is left alone
    (their work wins) and reported, with the original kept in the saga's blobs."""
    state = state_of(log)
    for path in reversed(_distinct(state.intents)):
        _restore(log, state, path)
    log.append("rolled-back", conflicts=state.conflicts)
    state.status = "rolled-back"
    return state


def _restore(log: SagaLog, state: SagaState, path: str) -> None:
    original_sha, mode = state.originals[path]
    target = Path(path)
    current_sha = file_sha(target)
    if current_sha == original_sha:
        return
    if current_sha is not None and current_sha != state.generated.get(path):
        log.append(
            "conflict",
            path=path,
            note=f"changed since; left as it is, the original is {log.blob_path(original_sha)}",
        )
        state.conflicts.append(path)
        return
    write_bytes_atomic(target, log.blob(original_sha), mode=mode)
    log.append("restored", path=path)


def recover(store: SagaStore) -> list[tuple[str, str]]:
    """Finish or roll back every saga a crash interrupted: (id, what was done)."""
    done = []
    for log in store.all():
        state = state_of(log)
        if state.status in TERMINAL:
            continue
        if not log.try_lock():
            continue  # still running in another process
        try:
            done.append((log.id, _recover_one(log, state)))
        finally:
            log.unlock()
    return done


def _recover_one(log: SagaLog, state: SagaState) -> str:
    if state.kind == "hook":
        # The commit the hook ran for never happened: put everything back as before it.
        from codesaga.saga.hook import roll_back_hook

        roll_back_hook(log)
        return "rolled back: the files and the index are as before the commit"
    for path in state.intents:  # a write killed midway left its temp file beside the file
        remove_stale_temps(Path(path))
    if state.undoing:
        _undo_files(log, state)
        log.append("undone", recovered=True)
        return "undo finished"
    all_written = set(state.generated) <= set(state.written)
    finished = state.generated and all_written and (state.verify is None or state.verified)
    if finished and state.error is None:
        log.append("completed", recovered=True)
        return "completed (every file was written and verified)"
    rolled = roll_back(log)
    if rolled.conflicts:
        return f"rolled back, except {len(rolled.conflicts)} file(s) changed since"
    return "rolled back: every file is as it was"


def undo(store: SagaStore, saga_id: str) -> SagaState:
    """Revert a completed saga, if none of its files changed since."""
    log = store.get(saga_id)
    state = state_of(log)
    if state.kind == "hook":
        raise InputError(
            f"saga {log.id} is a pre-commit hook's: its changes went into a commit; "
            "use `git revert` (or `git commit --amend`) to take them back"
        )
    if state.status != "completed":
        raise InputError(
            f"saga {log.id} is {state.status}; only a completed saga can be undone"
            + (" (run `codesaga saga recover` first)" if state.status == "interrupted" else "")
        )
    changed_since = [p for p in state.written if file_sha(Path(p)) != state.generated.get(p)]
    if changed_since:
        raise InputError(
            f"cannot undo saga {log.id}: these files changed since it wrote them, and undoing "
            f"would lose that work: {', '.join(changed_since)}"
        )
    if not log.try_lock():
        raise InputError(f"saga {log.id} is busy in another process")
    try:
        log.append("undo")
        _undo_files(log, state)
        log.append("undone")
    finally:
        log.unlock()
    return state_of(log)


def _undo_files(log: SagaLog, state: SagaState) -> None:
    for path in reversed(state.written):
        _restore(log, state, path)


def _distinct(paths: Sequence[Any]) -> list[Any]:
    return list(dict.fromkeys(paths))
