"""Reading a saga's journal, and making it whole again: roll back, recover after a crash,
undo. How a saga of each kind is rolled back is a table (``Compensators``): a saga kind
with its own (the git hook's puts the index back too) brings it, so this module knows
nothing of the kinds there are.
"""

from __future__ import annotations

import contextlib
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from codesaga.domain.errors import InputError
from codesaga.fs import remove_stale_temps, write_bytes_atomic
from codesaga.saga.log import SagaLog, SagaStore, file_bytes, file_sha, sha256
from codesaga.service.processes import end_group_left_running

# "tried": a saga run without --apply: its passing rewrite was shown, every file put back.
TERMINAL = ("completed", "rolled-back", "undone", "tried")


@dataclass(frozen=True)
class Compensator:
    """How an interrupted saga of one kind is put back (``recover``), and why a completed
    one cannot be undone file by file, if it cannot (``undo`` refuses with this reason)."""

    roll_back: Callable[[SagaLog], list[str]]  # the paths changed since, left as they are
    recovered: str  # what `saga recover` says it did
    not_undoable: str | None = None


Compensators = Mapping[str, Compensator]


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
    trial: bool = False  # without --apply: whatever happens, the files end as they were
    # Files left as they were because the saga's copy of their original is damaged.
    damaged: list[str] = field(default_factory=list)
    # path -> the shas its --verify runs left it with (a formatter as the check rewrites it):
    # the saga's own doing, like what it generated
    checked: dict[str, set[str]] = field(default_factory=dict)
    # path -> where what a put-back overwrote is kept: a file that held what a --verify run
    # left in it (the check's doing, or the user's save while it ran: no telling which)
    kept: dict[str, str] = field(default_factory=dict)
    # The --verify run under way when the saga's process died, as a process tag (see
    # service/processes.py); None: none was.
    check_left: str | None = None

    def holds_its_own(self, path: str, sha: str | None) -> bool:
        """Whether a file holding ``sha`` holds what the saga itself put there."""
        return sha == self.generated.get(path) or sha in self.checked.get(path, ())

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
        trial=begin.get("apply") is False,
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
        elif kind == "check-running":
            state.check_left = e.get("leader")
        elif kind in ("verified", "check-stopped"):
            state.check_left = None
            if kind == "verified":
                state.verified = bool(e["ok"])
            for path, sha in e.get("shas", {}).items():
                state.checked.setdefault(path, set()).add(sha)
        elif kind == "retry":  # the files are put back next; the attempt that follows counts
            state.written, state.verified = [], None
        elif kind == "failed":
            state.error = e.get("error")
        elif kind == "undo":
            # Until "undone": an undo stopped part-way (killed, a full disk) is unfinished,
            # for `saga recover` or another `saga undo` to finish.
            state.undoing, state.status = True, "interrupted"
            state.conflicts, state.damaged = [], []
        elif kind == "conflict":
            state.conflicts.append(e["path"])
        elif kind == "damaged":
            state.damaged.append(e["path"])
        elif kind in TERMINAL:
            state.status = kind
    return state


# -- compensation, recovery, undo -------------------------------------------------------------


_T = TypeVar("_T")


class RollBackFailedError(InputError):
    """A saga failed, and putting its files back failed too (a full disk): nothing is lost,
    what it took is in the saga, and ``codesaga saga recover`` ends it once the cause is gone."""


def rolled_back(log: SagaLog, failure: BaseException, roll: Callable[[], _T], also: str = "") -> _T:
    """``failure`` journaled, then ``roll()``'s result; if it fails too, a
    ``RollBackFailedError`` saying what to do (the rollback's own error replaced the
    failure's, with no word of the files left half done)."""
    with contextlib.suppress(OSError):  # a full disk: the rollback is tried all the same
        log.append("failed", error=str(failure) or type(failure).__name__)
    try:
        return roll()
    except Exception as undone:
        raise RollBackFailedError(
            f"{str(failure) or type(failure).__name__}; putting the files back, or recording "
            f"it, failed too ({undone}). Nothing is lost: the originals are kept in saga "
            f"{log.id}{also}. Once the cause is mended (disk space freed, say), run "
            "`codesaga saga recover`"
        ) from failure


def roll_back(log: SagaLog) -> SagaState:
    """Put every file the saga may have written back as it was, and end the saga."""
    state = put_back(log)
    log.append("rolled-back", conflicts=state.conflicts)
    state.status = "rolled-back"
    return state


def put_back(log: SagaLog) -> SagaState:
    """Put every file the saga may have written back as it was (the saga goes on: a retry,
    or a trial that only shows its rewrite). A file that holds neither the original nor the
    saga's version was changed by someone since: it is left alone (their work wins) and
    reported in ``conflicts``, with the original kept in the saga's blobs."""
    state = state_of(log)
    for path in reversed(_distinct(state.intents)):
        _restore(log, state, path)
    return state


def _restore(log: SagaLog, state: SagaState, path: str) -> None:
    original_sha, mode = state.originals[path]
    target = Path(path)
    held = file_bytes(target)  # read once: judged, then written over
    current_sha = sha256(held) if held is not None else None
    if current_sha == original_sha:
        return
    if current_sha is not None and not state.holds_its_own(path, current_sha):
        _leave(log, state, path, "since")
        return
    try:
        original = log.blob(original_sha)
    except InputError:
        # Said as such, not as the user's edit; the file stays as it is, and the put-back
        # goes on with the others (one damaged copy stopped every later recovery).
        log.append("damaged", path=path, note="its stored original is damaged")
        state.damaged.append(path)
        return
    with contextlib.suppress(OSError):
        # Its mode as it is now: a chmod since (+x, read-only) is the user's, as the saga
        # wrote the file with the original's.
        mode = stat.S_IMODE(target.stat().st_mode)
    kept = None
    if held is not None and current_sha != state.generated.get(path):
        # What a --verify run left: a formatter's, or the user's own save while the check
        # ran. The original goes back either way, and that text is kept, never lost.
        kept = log.put_blob(held)
    try:
        write_bytes_atomic(target, original, mode=mode, expected=held)
    except InputError:  # saved in these milliseconds: their save wins, as above
        _leave(log, state, path, "meanwhile")
        return
    if kept is not None:
        state.kept[path] = str(log.blob_path(kept))
    log.append("restored", path=path, kept=kept)


def _leave(log: SagaLog, state: SagaState, path: str, when: str) -> None:
    """``path`` was changed by someone else: left as it is, and said (a conflict)."""
    original = log.blob_path(state.originals[path][0])
    log.append(
        "conflict", path=path, note=f"changed {when}; left as it is, the original is {original}"
    )
    state.conflicts.append(path)


def left_alone(log: SagaLog, state: SagaState) -> str:
    """What a put-back did not do as asked, for the user: files changed by someone else
    (left as they are) and files whose text from a --verify run was replaced (kept)."""
    said = [
        f"{path} changed meanwhile and was left as it is; its original is kept at "
        f"{log.blob_path(state.originals[path][0])}"
        for path in _distinct(state.conflicts)
    ]
    said += [
        f"{path} was left as it is: the saga's copy of its original is damaged"
        for path in _distinct(state.damaged)
    ]
    said += [
        f"{path} was changed while --verify ran (by the check, or saved meanwhile); it is "
        f"back as it was, and what it held then is kept at {blob}"
        for path, blob in state.kept.items()
    ]
    return "\n".join(said)


def recover(store: SagaStore, compensators: Compensators) -> list[tuple[str, str]]:
    """Finish or roll back every saga a crash interrupted: (id, what was done)."""
    done = []
    for log in store.all():
        state = state_of(log)
        if state.status in TERMINAL:
            continue
        if not log.try_lock():
            continue  # still running in another process
        try:
            state = state_of(log)  # it may have ended between the read above and the lock
            if state.status in TERMINAL:
                continue
            try:
                done.append((log.id, _recover_one(log, state, compensators.get(state.kind))))
            except Exception as exc:  # said, and the other sagas are recovered all the same
                done.append((log.id, f"not recovered: {exc}"))
        finally:
            log.unlock()
    return done


def _recover_one(log: SagaLog, state: SagaState, own: Compensator | None) -> str:
    if state.check_left is not None:
        # Its process was killed (kill -9, a power cut spares no one) while --verify ran in
        # a session of its own: the check runs on, and a formatter or a test writing the
        # files would change them after they are put back.
        end_group_left_running(state.check_left)
    if state.undoing:
        return _finish_undo(log, state, recovered=True)
    if own is not None:
        conflicts = own.roll_back(log)
        kept = "".join(
            f"; {path} held what the put-back replaced, kept at {blob}"
            for path, blob in log.kept().items()
        )
        if conflicts:
            return (
                f"rolled back, except {', '.join(conflicts)}: changed since it stopped, left "
                f"as they are (what they held before: codesaga saga show {log.id}){kept}"
            )
        return own.recovered + kept
    for path in state.intents:  # a write killed midway left its temp file beside the file
        remove_stale_temps(Path(path))
    all_written = set(state.generated) <= set(state.written)
    verified = state.verify is None or state.verified
    finished = state.generated and all_written and verified and not state.trial
    if finished and state.error is None:
        log.append("completed", recovered=True)
        return "completed (every file was written and verified)"
    rolled = roll_back(log)
    if rolled.conflicts or rolled.damaged:
        return f"rolled back, except: {left_alone(log, rolled)}"
    return "rolled back: every file is as it was"


def undo(store: SagaStore, saga_id: str, compensators: Compensators) -> SagaState:
    """Revert a completed saga, if none of its files changed since (one deleted since, or
    already back as it was, loses nothing); or finish an undo that stopped part-way."""
    log = store.get(saga_id)
    state = state_of(log)
    own = compensators.get(state.kind)
    if own is not None and own.not_undoable:
        raise InputError(f"saga {log.id} {own.not_undoable}")
    resuming = state.undoing and state.status == "interrupted"
    if state.status != "completed" and not resuming:
        raise InputError(
            f"saga {log.id} is {state.status}; only a completed saga can be undone"
            + (" (run `codesaga saga recover` first)" if state.status == "interrupted" else "")
        )
    # Files left as they were by an undo stopped part-way (saved over meanwhile) stay so.
    left = set(state.conflicts) if resuming else set()
    changed_since, damaged = [], []
    for path in _distinct(state.written):  # each file read once, before anything is put back
        original = state.originals[path][0]
        sha = file_sha(Path(path))
        if sha is None or sha == original:
            continue  # deleted since (put back: nothing lost) or back as it was already
        if path not in left and not state.holds_its_own(path, sha):
            changed_since.append(path)
        elif not _intact(log, original):
            damaged.append(path)
    if changed_since:
        raise InputError(
            f"cannot undo saga {log.id}: these files changed since it wrote them, and undoing "
            f"would lose that work: {', '.join(changed_since)}"
        )
    if damaged:  # all or nothing
        raise InputError(
            f"cannot undo saga {log.id}: its stored copy of {damaged[0]}'s original is "
            "damaged; nothing was undone"
        )
    if not log.try_lock():
        raise InputError(f"saga {log.id} is busy in another process")
    try:
        if not resuming:
            log.append("undo")
        _finish_undo(log, state_of(log))
    except Exception as exc:
        # Said as such: a bare OSError named a temporary file, and nothing said that some
        # files were back and others not.
        raise InputError(
            f"undoing saga {log.id} stopped part-way ({exc}); nothing is lost: the files not "
            "put back yet are as the saga left them, and their originals are kept in it. "
            f"Once the cause is mended, run `codesaga saga undo {log.id}` again to finish"
        ) from exc
    finally:
        log.unlock()
    return state_of(log)


def _intact(log: SagaLog, digest: str) -> bool:
    """Whether the saga's stored copy ``digest`` is whole."""
    try:
        log.blob(digest)
    except InputError:
        return False
    return True


def _finish_undo(log: SagaLog, state: SagaState, *, recovered: bool = False) -> str:
    """Put back every file the saga wrote (those back already are skipped), then end it."""
    for path in _distinct(state.intents):  # a write killed midway left its temp file
        remove_stale_temps(Path(path))
    _undo_files(log, state)
    log.append("undone", conflicts=state.conflicts, **({"recovered": True} if recovered else {}))
    if state.conflicts or state.damaged:
        return f"undo finished, except: {left_alone(log, state)}"
    return "undo finished"


def _undo_files(log: SagaLog, state: SagaState) -> None:
    for path in reversed(_distinct(state.written)):
        _restore(log, state, path)


def _distinct(paths: Sequence[Any]) -> list[Any]:
    return list(dict.fromkeys(paths))
