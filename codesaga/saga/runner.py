"""Multi-file edits that complete or undo themselves: snapshot → generate → validate →
write → verify, each step journaled (fsync) before it is taken; any failure restores every
file byte for byte (``saga.recovery`` finishes or rolls back a saga a crash interrupted).

When ``--verify`` fails and attempts are left, the files are put back and the model is asked
again with the command's output (each attempt a journaled step), so the saga ends with a
rewrite that passed or with every file as it was. Without ``apply`` (a trial), the passing
rewrite is shown and the files are put back too.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from codesaga.domain.diff import unified_diff
from codesaga.domain.errors import InputError, VerifyFailedError
from codesaga.domain.failing_lines import MAX_FILE_BYTES, failing_lines
from codesaga.domain.prompts import fence
from codesaga.domain.retry import FailedRewrite
from codesaga.domain.source import BOM, keep_bom
from codesaga.fs import distinct_files, project_reader, read_source, write_bytes_atomic
from codesaga.saga.checks import check_rewrite
from codesaga.saga.log import SagaLog, SagaStore, file_sha
from codesaga.saga.recovery import left_alone, put_back, roll_back, rolled_back
from codesaga.service.processes import process_tag

VERIFY_OUTPUT_CHARS = 4000
VERIFY_TIMEOUT = 900.0  # seconds a --verify command may run
# The end of a failing verify's output shown to the model: where the error usually is.
FEEDBACK_OUTPUT_CHARS = 2000


@dataclass(frozen=True)
class Ask:
    """What one rewrite of a file may take: its most model answers, and the rewrite that
    ``--verify`` refused last time, to repair (None: the first time)."""

    attempts: int = 1
    retry: FailedRewrite | None = None


@dataclass(frozen=True)
class Rewritten:
    text: str  # the whole new file
    attempts: int = 1  # the model answers it took
    failed_checks: Sequence[str] = ()  # why each refused answer was refused, in order


# (path, its current text, what it may take) -> the new text; raises to fail the saga
Rewrite = Callable[[Path, str, Ask], "str | Rewritten"]
Progress = Callable[[str], None]


@dataclass
class SagaResult:
    id: str
    status: str  # completed | rolled-back | tried (without apply: shown, not kept)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)  # path -> the model answers taken

    def to_dict(self) -> dict[str, Any]:
        return {
            "saga": self.id,
            "status": self.status,
            "changed": self.changed,
            "unchanged": self.unchanged,
            "diffs": self.diffs,
            "notes": self.notes,
            "attempts": self.attempts,
        }


@dataclass
class _File:
    path: Path
    original: bytes
    mode: int
    new: bytes | None = None
    attempts: int = 0  # model answers so far
    retry: FailedRewrite | None = None


@dataclass(frozen=True)
class _Plan:
    kind: str
    verify: str | None
    cwd: Path
    attempts: int  # most model answers per file
    deadline: float  # time.monotonic() after which no retry starts


@dataclass(frozen=True)
class _Failure:
    """A verify that failed: why (an exit code, a timeout) and the end of its output."""

    command: str
    why: str
    output: str
    code: str = ""  # the code at the lines the output names (a test's), for the model

    def problem(self) -> str:
        """What the model is told on the next attempt."""
        tail = self.output[-FEEDBACK_OUTPUT_CHARS:].strip() or "(no output)"
        said = f"With that code, `{self.command}` fails ({self.why}):\n{fence(tail, 'text')}"
        return f"{said}\n{self.code}" if self.code else said

    def error(self, attempts: int, *, changed: bool = True) -> VerifyFailedError:
        """``changed``: whether the last answer changed any file (when none did, the check ran
        on them as they were: "the files were put back" would say something that was not)."""
        if not changed:
            which = f"last answer (of {attempts})" if attempts > 1 else "answer"
            said = f"still fails ({self.why}) and the model's {which} changed nothing"
            return VerifyFailedError(
                f"--verify {self.command!r} {said}; the files are as they were."
                f"\n{self.output}".rstrip()
            )
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        return VerifyFailedError(
            f"--verify {self.command!r} failed ({self.why}){tries}; the files were put back."
            f"\n{self.output}".rstrip()
        )


class SagaRunner:
    def __init__(
        self, store: SagaStore, max_file_bytes: int, verify_timeout: float = VERIFY_TIMEOUT
    ):
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
        attempts: int = 1,
        budget_seconds: float = 300.0,
        apply: bool = True,
    ) -> SagaResult:
        """Run one saga; returns its result, or raises after restoring every file.

        ``attempts``: the most model answers per file, a failing ``verify`` included;
        ``budget_seconds``: no retry starts after this long; ``apply=False``: a trial that
        puts every file back once the rewrite has passed (status "tried")."""
        cwd = cwd or Path.cwd()
        # One file named twice (a link to it, `x/../a.py`) is one file: snapshotted twice,
        # its second write found it "changed while CodeSaga was working" and undid the saga.
        paths = [path.absolute() for path in distinct_files(paths)]
        log = self.store.create()
        log.try_lock()
        log.append(
            "begin",
            kind=kind,
            files=[str(p) for p in paths],
            verify=verify,
            cwd=str(cwd),
            details=details or {},
            attempts=attempts,
            apply=apply,
        )
        result = SagaResult(log.id, "completed")
        try:
            files = self._snapshot(log, paths, progress)
            deadline = time.monotonic() + budget_seconds
            plan = _Plan(kind, verify, cwd, attempts, deadline)
            self._until_verified(log, files, rewrite, result, plan, progress)
            self._finish(log, result, apply)
            return result
        except BaseException as exc:
            progress("restoring the files")
            said = left_alone(log, rolled_back(log, exc, lambda: roll_back(log)))
            if said:
                exc.add_note(said)
            raise
        finally:
            log.unlock()

    def _until_verified(
        self,
        log: SagaLog,
        files: list[_File],
        rewrite: Rewrite,
        result: SagaResult,
        plan: _Plan,
        progress: Progress,
    ) -> None:
        """Generate, write and verify; after a failing verify, the files that changed are
        put back and asked for again while attempts and time are left. Raises when none
        passed."""
        todo, failure = files, None
        while True:
            for i, f in enumerate(todo, 1):
                progress(f"{plan.kind} {f.path.name} ({i}/{len(todo)})")
                self._generate(log, f, rewrite, result, plan)
            changed = [f for f in files if f.new is not None]
            self._write(log, changed)
            if not plan.verify:
                return
            # When no file changed the check runs on them as they are: a fix that changed
            # nothing while the check still fails is a failed attempt, not a success.
            checked = changed or todo
            progress(f"verifying: {plan.verify}")
            failure = self._verify(
                log, plan.verify, plan.cwd, [f.path for f in checked], [f.path for f in files]
            )
            if failure is None:
                return
            more = all(f.attempts < plan.attempts for f in checked)
            if not more or time.monotonic() > plan.deadline:
                raise failure.error(max(f.attempts for f in checked), changed=bool(changed))
            self._take_back(log, checked, failure, result)
            todo = checked

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

    def _generate(
        self, log: SagaLog, f: _File, rewrite: Rewrite, result: SagaResult, plan: _Plan
    ) -> None:
        text = f.original.decode("utf-8").removeprefix(BOM)  # as the model is shown any file
        answer = rewrite(f.path, text, Ask(max(1, plan.attempts - f.attempts), f.retry))
        if isinstance(answer, str):
            answer = Rewritten(answer)
        self._journal_attempts(log, f, answer)
        new_text = answer.text
        check = check_rewrite(f.path, text, new_text)
        note = f"{f.path.name}: {check.note}"
        if not check.checked and note not in result.notes:  # said once, not per attempt
            result.notes.append(note)
        result.attempts[str(f.path)] = f.attempts
        new = keep_bom(f.original, new_text).encode("utf-8")
        if new == f.original:
            log.append("unchanged", path=str(f.path))
            result.unchanged.append(str(f.path))
            return
        digest = log.put_blob(new)
        log.append("generated", path=str(f.path), sha=digest, checked=check.checked)
        f.new = new
        result.changed.append(str(f.path))
        result.diffs[str(f.path)] = unified_diff(text, new_text, _shown(f.path, plan.cwd))

    def _journal_attempts(self, log: SagaLog, f: _File, answer: Rewritten) -> None:
        """One event per model answer: the ones a check refused say why."""
        failed = list(answer.failed_checks)
        for k in range(1, max(1, answer.attempts) + 1):
            why = failed[k - 1] if k <= len(failed) else None
            f.attempts += 1
            log.append("attempt", path=str(f.path), attempt=f.attempts, passed=why is None, why=why)

    def _write(self, log: SagaLog, changed: list[_File]) -> None:
        for f in changed:
            assert f.new is not None
            log.append("write", path=str(f.path))
            try:
                write_bytes_atomic(f.path, f.new, expected=f.original, mode=f.mode)
            except OSError as exc:  # a full disk, a read-only one: said, not a traceback
                raise InputError(f"cannot write {f.path}: {exc.strerror or exc}") from exc
            log.append("written", path=str(f.path))

    def _take_back(
        self, log: SagaLog, files: list[_File], failure: _Failure, result: SagaResult
    ) -> None:
        """After a failing verify: put the files back and let the next attempt repair them."""
        log.append("retry", why=failure.problem())
        state = put_back(log)
        if state.conflicts or state.damaged:
            raise InputError(left_alone(log, state))
        # Said in words that stay true whatever the next attempt does (it may pass).
        result.notes.extend(
            f"{path}: what it held after a failing --verify (the check's own changes, or a "
            f"save meanwhile) is kept at {blob}"
            for path, blob in state.kept.items()
        )
        for f in files:
            if f.new is None:  # the answer was the file as it is
                f.retry = FailedRewrite(f.original.decode().removeprefix(BOM), failure.problem())
                result.unchanged.remove(str(f.path))
                continue
            f.retry = FailedRewrite(f.new.decode().removeprefix(BOM), failure.problem())
            f.new = None
            result.changed.remove(str(f.path))
            result.diffs.pop(str(f.path), None)

    def _finish(self, log: SagaLog, result: SagaResult, apply: bool) -> None:
        if apply:
            log.append("completed")
            return
        state = put_back(log)
        if state.conflicts or state.kept or state.damaged:
            result.notes.append(left_alone(log, state))
        log.append("tried")
        result.status = "tried"

    def _verify(
        self, log: SagaLog, command: str, cwd: Path, changed: list[Path], shown: list[Path]
    ) -> _Failure | None:
        """Run ``command``; its failure, with the code at the lines its output names in
        files other than ``shown`` (the files the model rewrites, which it sees whole)."""
        check = Check(command, tuple(changed))
        log.append("verify", command=check.line)

        def running(pid: int) -> None:
            # Were this process killed now, the check would run on; recovery ends it first.
            log.append("check-running", leader=process_tag(pid))

        try:
            run = check.run(cwd, self.verify_timeout, on_start=running)
        except BaseException:
            # Stopped midway (Ctrl-C): what it left in the files is its doing still, to be
            # put back as the rewrite is, not taken for the user's and left in place.
            log.append("check-stopped", shas={str(p): file_sha(p) for p in changed})
            raise
        # What the check left in the files is the saga's own (a formatter run as the check
        # rewrites them): putting them back, or undoing, must not take it for the user's.
        # A file saved meanwhile cannot be told from it: a put-back keeps what it replaces.
        shas = {str(p): file_sha(p) for p in changed}
        log.append("verified", ok=run.ok, output=run.output, shas=shas)
        if run.ok:
            return None
        if run.not_run is not None:  # no attempt can pass it: the files go back at once
            raise InputError(f"--verify {command!r} could not be run: {run.not_run}")
        code = failing_lines(run.output, project_reader(cwd, MAX_FILE_BYTES, exclude=shown))
        return _Failure(command, run.why, run.output, code)


def _shown(path: Path, cwd: Path) -> str:
    """``path`` as a diff names it: from ``cwd`` when it is below it (so that `git apply`
    or `patch -p1` there takes the diff), else whole."""
    return str(path.relative_to(cwd)) if path.is_relative_to(cwd) else str(path)


@dataclass(frozen=True)
class CheckRun:
    """How a check ended: whether it passed, why not (an exit code, a timeout) and the end
    of its output (stdout and stderr as they came, colour codes left out)."""

    ok: bool
    why: str
    output: str
    # Why the shell could not start the command at all (a name mistyped, a script not
    # executable): no rewrite can make such a check pass.
    not_run: str | None = None


@dataclass(frozen=True)
class Check:
    """A ``--verify`` command about ``files``: ``{files}`` in it (and ``$CODESAGA_FILES``)
    become their quoted paths."""

    command: str
    files: tuple[Path, ...]

    @property
    def quoted_files(self) -> str:
        return " ".join(shlex.quote(str(p)) for p in self.files)

    @property
    def line(self) -> str:
        """The shell line run."""
        return self.command.replace("{files}", self.quoted_files)

    def run(
        self, cwd: Path, timeout: float, on_start: Callable[[int], None] | None = None
    ) -> CheckRun:
        """Run it; its output (stdout and stderr as they came) goes to a file, not a pipe: a
        process it leaves in the background keeps no pipe open for us to wait on, and only
        the end of a huge output is ever read. The command and everything it started are
        one process group, ended with it on a timeout or an interrupt (Ctrl-C, SIGTERM);
        ``on_start`` is given the group's id (its shell's pid) once it runs."""
        env = {**os.environ, "CODESAGA_FILES": self.quoted_files}
        with tempfile.TemporaryFile() as out:
            proc = subprocess.Popen(
                self.line,
                shell=True,
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                if on_start is not None:
                    on_start(proc.pid)
                code = proc.wait(timeout)
                why = f"exit code {code}"
            except subprocess.TimeoutExpired:
                code, why = None, f"no result after {timeout:.0f} s"
            except BaseException:
                _end_group(proc)
                raise
            _end_group(proc)  # what it left running in the background goes with it
            output = _tail(out, VERIFY_OUTPUT_CHARS)
        return CheckRun(code == 0, why, output, self._not_run(code, output))

    def _not_run(self, code: int | None, output: str) -> str | None:
        """The shell's own word that it could not run the line's first program (exit 127: not
        found, 126: not executable), or None. Only that program's: a test run whose own
        subprocess is missing exits 127 too, and that is a failure the model may fix."""
        reasons = {127: ("not found", "command not found"), 126: ("Permission denied",)}
        if code not in reasons:
            return None
        try:
            words = shlex.split(self.line)
        except ValueError:
            return None
        program = next((w for w in words if not _ASSIGNMENT.match(w)), None)
        if program is None:
            return None
        if "/" in program and Path(program).is_file() and code == 127:
            return None  # there, its `#!` names a program that is missing: a file to fix
        said = output.strip().splitlines()[-1:] or [""]
        for reason in reasons[code]:
            # The shell's line names the program alone: "sh: 1: pytets: not found" (dash),
            # "bash: line 1: pytets: command not found"; not "xpytest: not found".
            if re.search(rf"(?:^|: ){re.escape(program)}: {reason}$", said[0]):
                what = "was not found" if code == 127 else "cannot be run (not executable)"
                return f"`{program}` {what}"
        return None


def _end_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group a check's shell leads, and reap the shell."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)


_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*=")  # `FOO=1 pytest`: the variable is no program

# Colour and cursor codes (`pytest --color=yes`, FORCE_COLOR): noise to the model, and they
# hide a failing test's file:line from failing_lines.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def _tail(out: IO[bytes], chars: int) -> str:
    """The last ``chars`` characters written to ``out``, decoded, colour codes left out."""
    size = out.seek(0, os.SEEK_END)
    out.seek(max(0, size - 4 * chars))  # a character is at most 4 bytes
    text = _ANSI.sub("", out.read().decode("utf-8", errors="replace"))
    return text[-chars:]
