"""The fix loop end to end: the installed command, the real daemon and the real 0.5B model.

What the model writes is not what this test watches (tests/unit/test_fix_loop.py scripts the
answers): the verify command fails its first run whatever it sees and passes after, so the
retry and its journal are deterministic, and what stays on disk must be a rewrite that
passed or the original.
"""

from __future__ import annotations

import json
from pathlib import Path

from codesaga.saga.log import SagaStore, sha256
from tests.conftest import Cli

BUGGY = "def mean(values):\n    return sum(values) / count\n\n\nprint(mean([2, 4]))\n"
ERROR = """Traceback (most recent call last):
  File "calc.py", line 5, in <module>
    print(mean([2, 4]))
  File "calc.py", line 2, in mean
    return sum(values) / count
NameError: name 'count' is not defined"""
# Fails its first run (saying so), passes every later one.
FIRST_RUN_FAILS = "test -e ran || { touch ran; echo 'the first run fails'; exit 1; }"


def test_a_fix_that_fails_verify_is_retried_and_only_a_passing_rewrite_stays(
    cli: Cli, tmp_path: Path, codesaga_home: Path
) -> None:
    src = tmp_path / "calc.py"
    src.write_text(BUGGY)
    fix = ("fix", "calc.py", "--error", ERROR, "--apply", "--verify", FIRST_RUN_FAILS)
    proc = cli(*fix, "--json")

    (log,) = SagaStore(codesaga_home / "state" / "sagas").all()
    events = log.events()
    verified = [e["ok"] for e in events if e["event"] == "verified"]
    assert verified[0] is False  # the first rewrite was written and verified...
    (retry, *_) = [e for e in events if e["event"] == "retry"]
    assert "the first run fails" in retry["why"]  # ...its output went back to the model...
    assert any(e["event"] == "restored" for e in events)  # ...and the file was put back
    attempts = [e for e in events if e["event"] == "attempt"]
    assert 2 <= len(attempts) <= 3
    # The 0.5B model may or may not write a second rewrite that parses and changes the code;
    # either way the file holds a rewrite that passed its check, or the original.
    if proc.returncode == 0:
        assert json.loads(proc.stdout)["status"] == "completed" and verified[-1] is True
        last = [e for e in events if e["event"] == "generated"][-1]
        assert sha256(src.read_bytes()) == last["sha"]
    else:
        assert proc.returncode in (3, 5), proc.stderr  # an unusable answer, or verify failed
        assert src.read_text() == BUGGY and events[-1]["event"] == "rolled-back"

    listed = json.loads(cli("requests", "--type", "error-fix", "--json").stdout)["requests"]
    assert len(listed) == 2  # one daemon request per saga round, each journaled
    assert sum(r["attempts"] for r in listed) == len(attempts)


def test_fix_without_error_takes_it_from_the_failing_verify_command(
    cli: Cli, tmp_path: Path, codesaga_home: Path
) -> None:
    src = tmp_path / "calc.py"
    src.write_text(BUGGY)
    proc = cli("fix", "calc.py", "--verify", "python calc.py", "--attempts", "1", "--json")

    # The command ran before the model was asked, and what it printed is the error it got.
    assert "`python calc.py` fails (exit code 1)" in proc.stderr
    (log,) = SagaStore(codesaga_home / "state" / "sagas").all()
    begin = log.events()[0]
    assert "NameError: name 'count' is not defined" in begin["details"]["error"]
    assert 'File "' in begin["details"]["error"]  # the traceback, not only its last line
    # Without --apply the file is put back whatever the 0.5B answered.
    assert proc.returncode in (0, 3, 5), proc.stderr
    assert src.read_text() == BUGGY


def test_fix_of_a_passing_command_changes_nothing_and_asks_no_model(
    cli: Cli, tmp_path: Path, codesaga_home: Path
) -> None:
    src = tmp_path / "calc.py"
    src.write_text(BUGGY)
    # {files} becomes the file being fixed, as in the saga's own runs of the command.
    passing = cli("fix", "calc.py", "--verify", "test -f {files}", "--apply", "--json")
    assert passing.returncode == 0, passing.stderr
    assert json.loads(passing.stdout) == {
        "status": "passing",
        "verify": "test -f {files}",
        "changed": [],
    }
    assert src.read_text() == BUGGY
    assert list(SagaStore(codesaga_home / "state" / "sagas").all()) == []
    assert json.loads(cli("requests", "--json").stdout)["requests"] == []
