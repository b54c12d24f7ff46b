"""Multi-file edits that complete or undo themselves: snapshot → generate → validate →
write → verify, each step journaled (fsync) before it is taken; any failure restores every
file byte for byte (``saga.recovery`` finishes or rolls back a saga a crash interrupted).
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
from codesaga.domain.errors import VerifyFailedError
from codesaga.fs import read_source, write_bytes_atomic
from codesaga.saga.checks import check_rewrite
from codesaga.saga.log import SagaLog, SagaStore
from codesaga.saga.recovery import roll_back

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
        paths = list(dict.fromkeys(p.absolute() for p in paths))
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
