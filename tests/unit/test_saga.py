"""The saga runner and its recovery on real files, with a scripted rewrite instead of a model."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from codesaga.domain.errors import InputError, ModelError, VerifyFailedError
from codesaga.saga.compensators import COMPENSATORS
from codesaga.saga.log import KILL_AFTER_ENV, SagaLog, SagaStore
from codesaga.saga.recovery import recover, state_of, undo
from codesaga.saga.runner import VERIFY_OUTPUT_CHARS, Ask, Check, SagaRunner
from codesaga.service.syntax import check_syntax

ORIGINALS = {
    "a.py": b"def add(a, b):\r\n    return a + b\r\n",  # CRLF kept byte for byte
    "b.py": b"def sub(a, b):\n    return a - b",  # no final newline
}


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    out = []
    for name, data in ORIGINALS.items():
        path = tmp_path / "src" / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o640)
        out.append(path)
    return out


@pytest.fixture
def store(tmp_path: Path) -> SagaStore:
    return SagaStore(tmp_path / "sagas")


def typed(path: Path, text: str, ask: Ask) -> str:
    return text.replace("(a, b)", "(a: int, b: int)")


def unchanged_bytes(files: list[Path]) -> bool:
    return all(f.read_bytes() == ORIGINALS[f.name] for f in files)


def test_a_saga_writes_every_file_and_undo_puts_them_back(
    files: list[Path], store: SagaStore
) -> None:
    result = SagaRunner(store, 1 << 20).run("refactor", files, typed)
    assert result.status == "completed" and len(result.changed) == 2
    assert files[0].read_bytes() == b"def add(a: int, b: int):\r\n    return a + b\r\n"
    assert files[0].stat().st_mode & 0o777 == 0o640
    assert state_of(store.get(result.id)).status == "completed"
    undo(store, result.id, COMPENSATORS)
    assert unchanged_bytes(files)
    assert files[1].stat().st_mode & 0o777 == 0o640
    assert state_of(store.get(result.id)).status == "undone"


def test_an_empty_id_names_no_saga(files: list[Path], store: SagaStore) -> None:
    # "" ends every id: `codesaga saga undo ""` undid the only saga there was.
    SagaRunner(store, 1 << 20).run("refactor", files, typed)
    for empty in ("", "  "):
        with pytest.raises(InputError, match="give a saga's id"):
            undo(store, empty, COMPENSATORS)
    assert not unchanged_bytes(files)


def test_a_sagas_copies_of_the_files_are_private_whatever_the_umask(
    files: list[Path], store: SagaStore
) -> None:
    old = os.umask(0o022)
    try:
        result = SagaRunner(store, 1 << 20).run("refactor", files, typed)
    finally:
        os.umask(old)
    root = store.get(result.id).root
    stored = [root, *root.rglob("*")]
    assert len(stored) >= 5  # the saga, its log, lock, blobs and the two originals
    assert all(stat.S_IMODE(p.stat().st_mode) & 0o077 == 0 for p in stored), [
        (p.name, oct(p.stat().st_mode)) for p in stored
    ]


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file another group needs root")
def test_a_rewritten_file_keeps_its_group(files: list[Path], store: SagaStore) -> None:
    # The new file was the user's group's: a shared repository's file (group "devs")
    # became unreadable to the others on the next rewrite.
    other = next(g for g in (1, 2, 3) if g != os.getgid())
    os.chown(files[0], -1, other)
    result = SagaRunner(store, 1 << 20).run("refactor", files[:1], typed)
    assert files[0].stat().st_gid == other and files[0].stat().st_mode & 0o777 == 0o640
    undo(store, result.id, COMPENSATORS)
    assert files[0].stat().st_gid == other and unchanged_bytes(files)


def test_a_saga_is_named_by_at_least_four_characters_of_its_start_or_end(
    files: list[Path], store: SagaStore
) -> None:
    # One character matched the end of whichever id ended so: `saga undo 1`, meant as
    # "the last one", undid another saga; and the id's start (its date) named none.
    result = SagaRunner(store, 1 << 20).run("refactor", files, typed)
    with pytest.raises(InputError, match="at least 4 characters"):
        undo(store, result.id[-1], COMPENSATORS)
    assert not unchanged_bytes(files)
    assert store.get(result.id[:15]).id == store.get(result.id[-4:]).id == result.id


def test_a_new_saga_prunes_the_finished_ones_older_than_saga_keep_days(
    files: list[Path], tmp_path: Path
) -> None:
    # Every commit's hook kept copies of the files it touched, and its patch, for ever.
    root, patches = tmp_path / "sagas", tmp_path / "hook-patches"
    store = SagaStore(root, keep_days=30, patches=patches)
    done = SagaRunner(store, 1 << 20).run("refactor", files, typed)
    recent = SagaRunner(store, 1 << 20).run("refactor", files, typed)
    (root / done.id).rename(root / "20200101-000000-aaaaaa")
    patches.mkdir()
    (patches / "20200101-000000-aaaaaa.patch").write_text("unstaged work")
    interrupted = SagaStore(root).create()
    interrupted.append("begin", kind="refactor", files=[])
    (root / interrupted.id).rename(root / "20200101-000000-bbbbbb")
    store.create()
    left = {p.name for p in root.iterdir()}
    assert "20200101-000000-aaaaaa" not in left and not list(patches.iterdir())
    assert {"20200101-000000-bbbbbb", recent.id} <= left  # for `saga recover`; not old yet
    SagaStore(root).create()  # 0 days: kept for ever
    assert "20200101-000000-bbbbbb" in {p.name for p in root.iterdir()}


def test_undo_refuses_when_a_file_changed_since(files: list[Path], store: SagaStore) -> None:
    result = SagaRunner(store, 1 << 20).run("refactor", files, typed)
    files[1].write_text("my own work\n")
    with pytest.raises(InputError, match=r"changed since.*b\.py"):
        undo(store, result.id, COMPENSATORS)
    assert files[1].read_text() == "my own work\n"
    assert files[0].read_bytes() != ORIGINALS["a.py"]  # nothing undone halfway


def test_an_undo_stopped_part_way_is_finished_by_undo_again_or_by_recover(
    files: list[Path], store: SagaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Half undone (a write refused, a kill, a full disk), the saga still said "completed":
    # recover found nothing to do, and undo refused, taking the file put back for a change.
    from codesaga.saga import recovery

    write = recovery.write_bytes_atomic

    def refused_for_a(path: Path, data: bytes, **kw: Any) -> None:
        if path.name == "a.py":
            raise PermissionError(13, "Operation not permitted", str(path))
        write(path, data, **kw)

    for finish in ("undo", "recover"):
        result = SagaRunner(store, 1 << 20).run("refactor", files, typed)
        monkeypatch.setattr(recovery, "write_bytes_atomic", refused_for_a)
        with pytest.raises(InputError, match=r"stopped part-way.*undo .* again to finish"):
            undo(store, result.id, COMPENSATORS)
        monkeypatch.setattr(recovery, "write_bytes_atomic", write)
        assert files[1].read_bytes() == ORIGINALS["b.py"] and not unchanged_bytes(files)
        assert state_of(store.get(result.id)).status == "interrupted"
        if finish == "undo":
            undo(store, result.id, COMPENSATORS)
        else:
            assert recover(store, COMPENSATORS) == [(result.id, "undo finished")]
        assert unchanged_bytes(files)
        assert state_of(store.get(result.id)).status == "undone"


def test_undo_puts_back_a_file_deleted_since_and_skips_one_back_already(
    files: list[Path], store: SagaStore
) -> None:
    # Both were refused as "changed since", and nothing else of the saga could be undone.
    result = SagaRunner(store, 1 << 20).run("refactor", files, typed)
    files[0].write_bytes(ORIGINALS["a.py"])
    files[1].unlink()
    undo(store, result.id, COMPENSATORS)
    assert unchanged_bytes(files)


def test_undo_keeps_a_mode_the_user_gave_the_file_since(
    files: list[Path], store: SagaStore
) -> None:
    result = SagaRunner(store, 1 << 20).run("refactor", files, typed)
    files[0].chmod(0o750)  # made executable since
    undo(store, result.id, COMPENSATORS)
    assert unchanged_bytes(files) and stat.S_IMODE(files[0].stat().st_mode) == 0o750
    assert stat.S_IMODE(files[1].stat().st_mode) == 0o640


def test_a_damaged_copy_of_an_original_is_said_not_taken_for_the_users_edit(
    files: list[Path], store: SagaStore
) -> None:
    # Reported as a file "changed meanwhile", and `saga undo` said every file was restored.
    result = SagaRunner(store, 1 << 20).run("refactor", files, typed)
    log = store.get(result.id)
    log.blob_path(state_of(log).originals[str(files[0])][0]).write_bytes(b"garbage")
    with pytest.raises(InputError, match=r"a\.py's original is damaged; nothing was undone"):
        undo(store, result.id, COMPENSATORS)
    state = state_of(store.get(result.id))
    assert state.status == "completed" and not state.conflicts  # all or nothing
    assert files[1].read_bytes() != ORIGINALS["b.py"]


def test_recover_goes_on_past_a_saga_with_a_damaged_copy(
    files: list[Path], store: SagaStore
) -> None:
    # One damaged copy raised out of `saga recover`: every other interrupted saga stayed so.
    others = [files[0].with_name("c.py"), files[1].with_name("d.py")]
    for other, original in zip(others, files, strict=True):
        other.write_bytes(original.read_bytes())
    for group in (files, others):
        killed = subprocess.run(
            [sys.executable, "-c", RUNNER, str(store.root), "true", *map(str, group)],
            env={**os.environ, KILL_AFTER_ENV: "written:2"}, capture_output=True, check=False,
        )  # fmt: skip
        assert killed.returncode == -9, killed.stderr.decode()
    damaged = next(log for log in store.all() if str(files[0]) in state_of(log).originals)
    damaged.blob_path(state_of(damaged).originals[str(files[0])][0]).write_bytes(b"garbage")
    done = dict(recover(store, COMPENSATORS))
    assert len(done) == 2 and "damaged" in done[damaged.id], done
    assert all(state_of(log).status == "rolled-back" for log in store.all())
    assert files[1].read_bytes() == ORIGINALS["b.py"]  # the rest of it put back
    assert [o.read_bytes() for o in others] == [ORIGINALS["a.py"], ORIGINALS["b.py"]]


def test_a_failing_verify_restores_every_file(files: list[Path], store: SagaStore) -> None:
    seen = files[0].parent / "seen.txt"
    with pytest.raises(VerifyFailedError, match="put back") as info:
        SagaRunner(store, 1 << 20).run(
            "refactor", files, typed, verify=f"cat {{files}} > {seen}; echo broken; exit 3"
        )
    assert "broken" in str(info.value)
    assert b"a: int" in seen.read_bytes()  # the command saw the new files
    assert unchanged_bytes(files)
    (saga,) = store.all()
    assert state_of(saga).status == "rolled-back"


def test_a_failing_verify_restores_every_file_whatever_the_text_it_printed(
    files: list[Path], store: SagaStore
) -> None:
    # U+2028 in a record (here the check's output) ended the log for str.splitlines: the
    # records after it were taken for a torn line, and nothing was put back.
    with pytest.raises(VerifyFailedError, match="put back"):
        SagaRunner(store, 1 << 20).run(
            "refactor", files, typed, verify="printf 'broken\\342\\200\\250here\\302\\205'; exit 3"
        )
    assert unchanged_bytes(files)
    (saga,) = store.all()
    assert state_of(saga).status == "rolled-back"


def test_an_answer_that_changes_nothing_is_verified_and_retried_while_it_fails(
    files: list[Path], store: SagaStore
) -> None:
    asked: list[Ask] = []

    def lazy_then_typed(path: Path, text: str, ask: Ask) -> str:
        asked.append(ask)
        return text if ask.retry is None else typed(path, text, ask)

    result = SagaRunner(store, 1 << 20).run(
        "fix", files[:1], lazy_then_typed, verify="grep -q 'a: int' {files}", attempts=2
    )
    assert result.changed == [str(files[0])] and result.unchanged == []
    assert b"a: int" in files[0].read_bytes()
    retry = asked[-1].retry
    assert retry is not None and retry.text == ORIGINALS["a.py"].decode()
    assert "exit code 1" in retry.problem
    # the same answer with no attempt left: verify failed, nothing written
    with pytest.raises(VerifyFailedError):
        SagaRunner(store, 1 << 20).run(
            "fix", files[1:], lambda p, t, a: t, verify="grep -q 'a: int' {files}"
        )
    assert files[1].read_bytes() == ORIGINALS["b.py"]


def test_invalid_syntax_or_a_failed_generation_touches_nothing(
    files: list[Path], store: SagaStore
) -> None:
    runner = SagaRunner(store, 1 << 20)
    with pytest.raises(ModelError, match=r"not valid Python \(line 1\)"):
        runner.run("refactor", files, lambda p, t, a: "def broken(:\n")
    calls: list[Path] = []

    def second_fails(path: Path, text: str, ask: Ask) -> str:
        calls.append(path)
        if len(calls) == 2:
            raise ModelError("the model's answer was cut off")
        return typed(path, text, ask)

    with pytest.raises(ModelError, match="cut off"):
        runner.run("refactor", files, second_fails)
    assert unchanged_bytes(files)
    assert [state_of(s).status for s in store.all()] == ["rolled-back", "rolled-back"]


def test_unusable_files_are_refused_before_any_generation(
    files: list[Path], store: SagaStore
) -> None:
    binary = files[0].parent / "blob.py"
    binary.write_bytes(b"\x00\x01\x02")
    latin1 = files[0].parent / "latin1.py"
    latin1.write_bytes("caf\xe9 = 1\n".encode("latin-1"))
    for bad, message in [(binary, "binary"), (latin1, "UTF-8")]:
        with pytest.raises(InputError, match=message):
            SagaRunner(store, 1 << 20).run("refactor", [*files, bad], typed)
    with pytest.raises(InputError, match="over the"):
        SagaRunner(store, 10).run("refactor", files, typed)
    assert unchanged_bytes(files)


def test_a_file_edited_during_the_saga_keeps_the_edit_and_the_rest_is_restored(
    files: list[Path], store: SagaStore
) -> None:
    def edit_b_meanwhile(path: Path, text: str, ask: Ask) -> str:
        if path.name == "b.py":
            files[1].write_bytes(b"edited by the user\n")
        return typed(path, text, ask)

    with pytest.raises(InputError, match="changed while CodeSaga was working"):
        SagaRunner(store, 1 << 20).run("refactor", files, edit_b_meanwhile)
    assert files[0].read_bytes() == ORIGINALS["a.py"]
    assert files[1].read_bytes() == b"edited by the user\n"


def test_other_languages_are_parsed_with_tree_sitter_or_say_they_were_not(
    tmp_path: Path, store: SagaStore
) -> None:
    assert check_syntax("javascript", "function f() { return 1; }").ok
    bad = check_syntax("javascript", "function f() { return 1; \n\n")
    assert not bad.ok and bad.checked
    js = tmp_path / "app.js"
    js.write_text("function add(a, b) { return a + b; }\n")
    with pytest.raises(ModelError, match="not valid JavaScript"):
        SagaRunner(store, 1 << 20).run("refactor", [js], lambda p, t, a: "function add(a, b { \n")
    lua = tmp_path / "x.lua"
    lua.write_text("return 1\n")
    result = SagaRunner(store, 1 << 20).run("refactor", [lua], lambda p, t, a: "return 2\n")
    assert result.notes == ["x.lua: no parser for lua; syntax not checked"]


# -- crashes ---------------------------------------------------------------------------------

RUNNER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from codesaga.saga.log import SagaStore
    from codesaga.saga.runner import SagaRunner
    store, verify, *paths = sys.argv[1:]
    SagaRunner(SagaStore(Path(store)), 1 << 20).run(
        "refactor",
        [Path(p) for p in paths],
        lambda path, text, ask: text.replace("(a, b)", "(a: int, b: int)"),
        verify=verify,
    )
    """
)
# Every durable step of a two-file saga with a verify command, in order.
STEPS = [
    "begin",
    "snapshot:1",
    "snapshot:2",
    "attempt:1",
    "generated:1",
    "attempt:2",
    "generated:2",
    "write:1",
    "written:1",
    "write:2",
    "written:2",
    "verify",
    "verified",
    "completed",
]


@pytest.mark.parametrize("step", STEPS)
def test_kill_9_at_any_step_then_recover_leaves_the_old_or_the_new_files(
    step: str, files: list[Path], store: SagaStore
) -> None:
    env = {**os.environ, KILL_AFTER_ENV: step}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(store.root), "true", *map(str, files)],
        env=env,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -9, proc.stderr.decode()
    outcomes = recover(store, COMPENSATORS)
    (saga,) = store.all()
    state = state_of(saga)
    if step in ("verified", "completed"):
        assert state.status == "completed"
        assert outcomes == ([] if step == "completed" else [(saga.id, outcomes[0][1])])
        assert all(b"a: int" in f.read_bytes() for f in files)
    else:
        assert state.status == "rolled-back", json.dumps(saga.events())
        assert unchanged_bytes(files)
        assert all(f.stat().st_mode & 0o777 == 0o640 for f in files)
    assert recover(store, COMPENSATORS) == []  # nothing left to do


def test_a_torn_record_does_not_hide_what_recover_appends_after_it(
    files: list[Path], store: SagaStore
) -> None:
    # A power cut tore the last record: recover's records were appended to that line, read
    # as part of it and never happened, so the saga stayed "interrupted" and was rolled
    # back at every recover, and it could never be undone.
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(store.root), "true", *map(str, files)],
        env={**os.environ, KILL_AFTER_ENV: "written:1"},
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -9
    (saga,) = store.all()
    with saga.log_path.open("a") as log:
        log.write('{"event": "writ')  # the write of the second file, torn
    outcomes = recover(store, COMPENSATORS)
    assert len(outcomes) == 1 and state_of(saga).status == "rolled-back"
    assert unchanged_bytes(files)
    assert recover(store, COMPENSATORS) == []


def test_recover_leaves_a_saga_that_ended_while_it_waited_for_the_lock(
    files: list[Path], store: SagaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # recover read the saga's state, then took its lock: a saga that completed in between
    # (and let go of its lock) was rolled back on the stale state, its verified work lost.
    result = SagaRunner(store, 1 << 20).run("refactor", files, typed, verify="true")
    saga = store.get(result.id)
    events = saga.log_path.read_bytes()
    cut = events.rindex(b'{"event": "verified"')
    saga.log_path.write_bytes(events[:cut])  # as recover read it: the check still running
    taking = SagaLog.try_lock

    def completes_first(log: SagaLog) -> bool:
        with log.log_path.open("ab") as journal:  # the saga's last steps, then its unlock
            journal.write(events[cut:])
        return taking(log)

    monkeypatch.setattr(SagaLog, "try_lock", completes_first)
    assert recover(store, COMPENSATORS) == []
    assert state_of(saga).status == "completed"
    assert all(b"a: int" in f.read_bytes() for f in files)


def test_a_sagas_log_is_found_after_a_power_cut(
    files: list[Path], store: SagaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The saga's folder was never fsynced: its log's name (and blobs/) could be lost with
    # the power, and a half-applied refactor with them could not be recovered.
    from codesaga import fs
    from codesaga.saga import log as saga_log

    synced: list[Path] = []

    def fsync_dir(path: Path) -> None:
        synced.append(path)
        fs.fsync_dir(path)

    monkeypatch.setattr(saga_log, "fsync_dir", fsync_dir)
    result = SagaRunner(store, 1 << 20).run("refactor", files, typed)
    assert store.get(result.id).root in synced and store.root in synced


def test_recover_removes_the_temp_file_a_killed_write_left(
    files: list[Path], store: SagaStore
) -> None:
    env = {**os.environ, KILL_AFTER_ENV: "write:1"}
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(store.root), "true", *map(str, files)],
        env=env,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -9
    # As if killed inside the write: its temp file (named as only that write names it)
    left = files[0].with_name(f".{files[0].name}.k3x_9a2b.codesaga")
    left.write_bytes(b"half a file")
    others = [
        files[0].with_name(f".{files[0].name}.notours"),  # not our name: the user's
        files[0].with_name(f".x{files[0].name}.k3x_9a2b.codesaga"),  # another file's
    ]
    for other in others:
        other.write_bytes(b"keep")
    recover(store, COMPENSATORS)
    assert not left.exists()
    assert all(other.read_bytes() == b"keep" for other in others)
    assert unchanged_bytes(files)


def test_a_file_with_a_bom_keeps_it_and_the_model_never_sees_it(tmp_path: Path) -> None:
    # The rewrite is made of the text without the BOM: it came back without it and was
    # written so, and the text the model was shown began with an invisible character.
    path = tmp_path / "bom.py"
    path.write_bytes(b"\xef\xbb\xbfdef add(a, b):\r\n    return a + b\r\n")
    shown: list[str] = []

    def rewrite(p: Path, text: str, ask: Ask) -> str:
        shown.append(text)
        return typed(p, text, ask)

    result = SagaRunner(SagaStore(tmp_path / "sagas"), 1 << 20).run("refactor", [path], rewrite)
    assert result.status == "completed" and not shown[0].startswith("\ufeff")
    assert path.read_bytes() == b"\xef\xbb\xbfdef add(a: int, b: int):\r\n    return a + b\r\n"
    unchanged = SagaRunner(SagaStore(tmp_path / "sagas"), 1 << 20).run(
        "refactor", [path], lambda p, text, ask: text
    )
    assert unchanged.unchanged == [str(path)] and unchanged.changed == []


# -- the --verify command as a process -------------------------------------------------------


def test_a_check_that_formats_the_files_is_the_sagas_own_doing(
    files: list[Path], store: SagaStore
) -> None:
    # A formatter run as the check rewrites what the saga wrote: the file then held neither
    # the original nor the rewrite, was taken for the user's edit, and was left as the check
    # made it, in a trial, after a failure ("every file was restored") and for undo.
    formats = "sed -i 's/a: int/a:int/' {files}"
    for apply in (False, True):
        failing = SagaRunner(store, 1 << 20)
        with pytest.raises(VerifyFailedError):
            failing.run("refactor", files[:1], typed, verify=f"{formats}; exit 1", apply=apply)
        assert unchanged_bytes(files)
    tried = SagaRunner(store, 1 << 20).run(
        "refactor", files[:1], typed, verify=formats, apply=False
    )
    assert tried.status == "tried" and unchanged_bytes(files)
    done = SagaRunner(store, 1 << 20).run("refactor", files[:1], typed, verify=formats)
    assert files[0].read_bytes() == b"def add(a:int, b: int):\r\n    return a + b\r\n"
    assert undo(store, done.id, COMPENSATORS).status == "undone" and unchanged_bytes(files)


def test_a_file_saved_while_the_check_ran_is_kept_when_it_is_put_back(
    files: list[Path], store: SagaStore
) -> None:
    # What a check leaves in a file is taken for its own doing (a formatter), so a file the
    # user saved while it ran was put back over without a word: their edit was lost.
    saves = "printf '# mine\\n' >> {files}; exit 1"
    with pytest.raises(VerifyFailedError) as failed:
        SagaRunner(store, 1 << 20).run("refactor", files[:1], typed, verify=saves)
    assert unchanged_bytes(files)
    said = "\n".join(failed.value.__notes__)
    assert "was changed while --verify ran" in said
    kept = Path(said.rsplit("kept at ", 1)[1].strip())
    assert kept.read_bytes() == b"def add(a: int, b: int):\r\n    return a + b\r\n# mine\n"


def test_a_file_named_twice_is_rewritten_once(files: list[Path], store: SagaStore) -> None:
    link = files[0].with_name("link.py")
    link.symlink_to(files[0].name)
    twice = [files[0], link, files[0].parent / ".." / "src" / "a.py"]
    result = SagaRunner(store, 1 << 20).run("refactor", twice, typed)
    assert result.status == "completed" and len(result.changed) == 1
    assert files[0].read_bytes() == b"def add(a: int, b: int):\r\n    return a + b\r\n"
    assert link.is_symlink()


def test_a_file_saved_while_it_is_put_back_keeps_the_save(
    files: list[Path], store: SagaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The put-back looked at the file, then wrote the original over it tens of milliseconds
    # later (the temp file's fsync): a save in between was lost without a copy.
    real_fsync, temp_syncs = os.fsync, []

    def fsync(fd: int) -> None:
        real_fsync(fd)
        name = Path(os.readlink(f"/proc/self/fd/{fd}")).name
        if name.startswith(".a.py.") and name.endswith(".codesaga"):  # a temp file of a.py
            temp_syncs.append(fd)
            if len(temp_syncs) == 2:  # the first is the rewrite's, the second the put-back's
                files[0].write_bytes(b"saved by the user\n")

    monkeypatch.setattr(os, "fsync", fsync)
    formats = "printf '# formatted\\n' >> {files}; exit 1"  # what it left is kept, if put back
    with pytest.raises(VerifyFailedError) as failed:
        SagaRunner(store, 1 << 20).run("refactor", files[:1], typed, verify=formats)
    assert len(temp_syncs) == 2
    assert files[0].read_bytes() == b"saved by the user\n"
    said = "\n".join(failed.value.__notes__)
    assert "a.py changed meanwhile and was left as it is" in said
    assert "back as it was" not in said  # it was not: the save won


def test_a_note_about_a_failed_checks_copy_stays_true_when_a_retry_passes(
    files: list[Path], store: SagaStore, tmp_path: Path
) -> None:
    # The first, failing run of a check that formats left a note that the file "is back as
    # it was", still shown when the second attempt passed and was written.
    marker = tmp_path / "ran-once"
    formats_then_fails_once = (
        f"sed -i 's/a: int/a:int/' {{files}}; test -e {marker} || {{ touch {marker}; exit 1; }}"
    )
    result = SagaRunner(store, 1 << 20).run(
        "refactor", files[:1], typed, verify=formats_then_fails_once, attempts=2
    )
    assert result.status == "completed"
    assert files[0].read_bytes() == b"def add(a:int, b: int):\r\n    return a + b\r\n"
    assert not any("back as it was" in note for note in result.notes)
    assert any("after a failing --verify" in note for note in result.notes)


def test_a_check_stopped_midway_has_what_it_left_put_back(
    files: list[Path], store: SagaStore
) -> None:
    # Ctrl-C while a check that formats the files ran: what it had left was taken for the
    # user's edit and stayed, the model's unverified rewrite with it.
    formats_then_hangs = "sed -i 's/a: int/a:int/' {files}; kill -INT $PPID; sleep 30"
    with pytest.raises(KeyboardInterrupt) as stopped:
        SagaRunner(store, 1 << 20).run("refactor", files[:1], typed, verify=formats_then_hangs)
    assert unchanged_bytes(files)
    assert "kept at" in "\n".join(stopped.value.__notes__)


def test_a_check_is_ended_with_everything_it_started(tmp_path: Path) -> None:
    # The shell alone was killed on a timeout: what it started ran on against the restored
    # files; and what was printed before the timeout was lost.
    pids = tmp_path / "pids"
    check = Check(f"echo progress; sleep 60 & echo $! > {pids}; sleep 60", ())
    run = check.run(tmp_path, timeout=1)
    assert not run.ok and "no result after 1 s" in run.why and run.output == "progress\n"
    child = int(pids.read_text())
    deadline = time.monotonic() + 5
    while _alive(child):
        assert time.monotonic() < deadline, "the check's child is still running"
        time.sleep(0.05)


def test_a_passing_check_that_leaves_a_process_behind_passes_at_once(tmp_path: Path) -> None:
    # Its background process held the output pipe open: the check was waited on until the
    # timeout and counted as failed.
    started = time.monotonic()
    run = Check("(sleep 60 &); echo tests passed", ()).run(tmp_path, timeout=20)
    assert run.ok and run.output == "tests passed\n" and time.monotonic() - started < 10


def test_a_checks_output_is_what_it_printed_last_without_colour_codes(tmp_path: Path) -> None:
    # Colour codes hid a failing test's file:line from failing_lines and went to the model;
    # a huge output was all read into memory before its end was kept.
    colour = "printf '\\033[1m\\033[31mtest_c.py\\033[0m:2: AssertionError\\n'"
    run = Check(f"head -c 50000000 /dev/zero | tr '\\\\0' x; echo; {colour}; exit 1", ()).run(
        tmp_path, timeout=60
    )
    assert not run.ok and run.output.endswith("\ntest_c.py:2: AssertionError\n")
    assert len(run.output) == VERIFY_OUTPUT_CHARS


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(ChildProcessError):
        if os.waitpid(pid, os.WNOHANG)[0] == pid:
            return False
    return True


def test_a_check_whose_program_cannot_be_run_says_so(tmp_path: Path) -> None:
    # A mistyped --verify ("pytets -q") failed like a failing test: the model was asked to
    # fix the file for "pytets: not found", three times over.
    script = tmp_path / "check.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o644)
    for line, said in (
        ("pytets -q", "`pytets` was not found"),
        ("LANG=C nosuch-tool --all", "`nosuch-tool` was not found"),
        (f"{script} {{files}}", f"`{script}` cannot be run (not executable)"),
    ):
        run = Check(line, ()).run(tmp_path, timeout=20)
        assert not run.ok and run.not_run == said, (line, run)
    # The program ran and a command inside it is missing: a failure like any other.
    inner = Check("sh -c 'nosuch-inner-tool'", ()).run(tmp_path, timeout=20)
    assert not inner.ok and inner.why == "exit code 127" and inner.not_run is None
    assert Check("exit 127", ()).run(tmp_path, timeout=20).not_run is None
    # A later command missing is not the first program missing; a script whose `#!` names a
    # missing interpreter is there (a file the model may fix).
    later = Check("test -d . && xpytest -q", ()).run(tmp_path, timeout=20)
    assert later.why == "exit code 127" and later.not_run is None
    shebang = tmp_path / "run_tests"
    shebang.write_text("#!/no/such/interpreter\n")
    shebang.chmod(0o755)
    assert Check(f"{shebang}", ()).run(tmp_path, timeout=20).not_run is None


def test_a_check_that_cannot_be_run_puts_the_files_back_without_a_retry(
    files: list[Path], store: SagaStore
) -> None:
    asked: list[Path] = []

    def counted(path: Path, text: str, ask: Ask) -> str:
        asked.append(path)
        return typed(path, text, ask)

    with pytest.raises(InputError, match="could not be run: `pytets` was not found"):
        SagaRunner(store, 1 << 20).run("refactor", files, counted, verify="pytets -q", attempts=3)
    assert unchanged_bytes(files)
    assert asked == files  # one answer each, not three
    (saga,) = store.all()
    assert state_of(saga).status == "rolled-back"


def test_a_link_out_of_its_repository_is_refused_and_its_target_left_alone(
    tmp_path: Path, store: SagaStore
) -> None:
    # A cloned repository's `src/helpers.py -> ../../home/dotfile.py`: `refactor src/*.py
    # --apply` sent the dotfile to the model and wrote the answer over it.
    repo, home = tmp_path / "repo", tmp_path / "home"
    (repo / ".git").mkdir(parents=True)
    (repo / "src").mkdir()
    home.mkdir()
    dotfile = home / "dotfile.py"
    dotfile.write_bytes(ORIGINALS["a.py"])
    inside = repo / "src" / "real.py"
    inside.write_bytes(ORIGINALS["b.py"])
    (repo / "src" / "helpers.py").symlink_to("../../home/dotfile.py")
    (repo / "lib").symlink_to("../home", target_is_directory=True)
    (repo / "src" / "alias.py").symlink_to("real.py")
    asked: list[Path] = []

    def counted(path: Path, text: str, ask: Ask) -> str:
        asked.append(path)
        return typed(path, text, ask)

    # Walked as the kernel walks it: `..` after a link, a `.git` behind a link to another
    # work tree (a dotfiles home), the repository reached through a link from outside it.
    (home / "sub").mkdir()
    (repo / "up").symlink_to("../home/sub", target_is_directory=True)
    (home / ".git").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "shortcut").symlink_to("../repo", target_is_directory=True)
    escaping = [
        repo / "src" / "helpers.py",
        repo / "lib" / "dotfile.py",
        repo / "up" / ".." / "dotfile.py",
        tmp_path / "elsewhere" / "shortcut" / "src" / "helpers.py",
    ]
    for path in escaping:
        with pytest.raises(InputError, match="outside its repository"):
            SagaRunner(store, 1 << 20).run("refactor", [path], counted)
    assert asked == [] and dotfile.read_bytes() == ORIGINALS["a.py"]
    # A link within the repository, and the target named itself, are worked on as usual.
    SagaRunner(store, 1 << 20).run("refactor", [repo / "src" / "alias.py"], counted)
    assert inside.read_text().startswith("def sub(a: int, b: int):")
    SagaRunner(store, 1 << 20).run("refactor", [dotfile], counted)
    assert dotfile.read_bytes().startswith(b"def add(a: int, b: int):")


def test_a_write_and_its_rollback_failing_say_which_file_and_how_to_recover(
    files: list[Path], store: SagaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A full disk: the second file's write failed, then putting the first back did too.
    # It was a traceback ("OSError: [Errno 28]", naming no file), and nothing said that the
    # first file still held the rewrite.
    import errno

    from codesaga.saga import recovery, runner
    from codesaga.saga.recovery import RollBackFailedError

    written = runner.write_bytes_atomic

    def full_after_one(path: Path, data: bytes, **kw: object) -> None:
        if path.name == "b.py":
            raise OSError(errno.ENOSPC, "No space left on device")
        written(path, data, **kw)  # type: ignore[arg-type]

    def full(*args: object, **kw: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(runner, "write_bytes_atomic", full_after_one)
    monkeypatch.setattr(recovery, "write_bytes_atomic", full)
    with pytest.raises(RollBackFailedError) as caught:
        SagaRunner(store, 1 << 20).run("refactor", files, typed)
    said = str(caught.value)
    assert f"cannot write {files[1]}: No space left on device" in said
    assert "putting the files back, or recording it, failed too" in said
    assert "codesaga saga recover" in said
    assert not unchanged_bytes(files)  # a.py holds the rewrite, as said
    monkeypatch.undo()  # room again
    ((_, outcome),) = recover(store, COMPENSATORS)
    assert "rolled back" in outcome and unchanged_bytes(files)


def test_a_log_that_cannot_record_the_failure_still_rolls_back(
    files: list[Path], store: SagaStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    # On a full disk the "failed" event's own write raised first: no rollback was tried,
    # and a file already written kept the rewrite without a word.
    import errno

    from codesaga.saga import runner
    from codesaga.saga.log import SagaLog

    written = runner.write_bytes_atomic
    append = SagaLog.append

    def full_after_one(path: Path, data: bytes, **kw: object) -> None:
        if path.name == "b.py":
            raise OSError(errno.ENOSPC, "No space left on device")
        written(path, data, **kw)  # type: ignore[arg-type]

    def no_room_to_say_failed(log: SagaLog, event: str, **fields: object) -> object:
        if event == "failed":
            raise OSError(errno.ENOSPC, "No space left on device")
        return append(log, event, **fields)

    monkeypatch.setattr(runner, "write_bytes_atomic", full_after_one)
    monkeypatch.setattr(SagaLog, "append", no_room_to_say_failed)
    with pytest.raises(InputError, match=f"cannot write {files[1]}"):
        SagaRunner(store, 1 << 20).run("refactor", files, typed)
    assert unchanged_bytes(files)


def test_a_rollback_failing_after_ctrl_c_says_what_stopped_it(store: SagaStore) -> None:
    # An interrupt's text is empty: the message began "; putting the files back…".
    from codesaga.saga.recovery import RollBackFailedError, rolled_back

    def fails() -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(RollBackFailedError, match=r"^KeyboardInterrupt; putting the files"):
        rolled_back(store.create(), KeyboardInterrupt(), fails)


def test_a_verify_that_fails_on_answers_that_changed_nothing_says_so(
    files: list[Path], store: SagaStore
) -> None:
    # It said "the files were put back", as if a rewrite had been tried and undone.
    def unchanged(path: Path, text: str, ask: Ask) -> str:
        return text

    with pytest.raises(VerifyFailedError) as info:
        SagaRunner(store, 1 << 20).run(
            "fix", files, unchanged, verify="echo still broken; exit 1", attempts=2
        )
    said = str(info.value)
    assert "the model's last answer (of 2) changed nothing" in said and "put back" not in said
    assert "still broken" in said and unchanged_bytes(files)
