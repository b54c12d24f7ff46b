"""`codesaga refactor --apply --json` over a scripted daemon answer: the JSON a script reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from codesaga.cli.invocation import Invocation
from codesaga.cli.main import main

ORIGINAL = "def discount(total):\n    return total * 0.9\n\n\ndef tax(total):\n    return 0.2\n"


def test_the_warnings_of_an_applied_rewrite_are_in_its_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # They went to stderr alone: a script reading --json could not see that the rewrite
    # it had applied no longer defined a name.
    monkeypatch.setenv("CODESAGA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shop.py").write_text(ORIGINAL)
    rewritten = ORIGINAL.replace("return 0.2", "return 0.25")
    said = "the rewrite no longer defines discount, which other code may use"

    def run_task(self: Invocation, method: str, params: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"request_id": "9f1c2a7b", "text": rewritten, "warnings": [said], "attempts": 1}

    monkeypatch.setattr(Invocation, "run_task", run_task)
    main(["refactor", "shop.py", "--apply", "--json"])
    out, err = capsys.readouterr()
    result = json.loads(out)
    assert result["warnings"] == [f"shop.py: {said}"] and said in err
    assert (tmp_path / "shop.py").read_text() == rewritten


@pytest.mark.parametrize("failed", [2, 3])
def test_attempts_that_all_failed_are_not_said_to_have_taken(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path, failed: int
) -> None:
    # "took 3 attempts" stood above a diff that had failed its checks, as if it had passed.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shop.py").write_text(ORIGINAL)
    checks = [f"That code no longer defines discount ({n})." for n in range(failed)]

    def run_task(self: Invocation, method: str, params: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {
            "request_id": "9f1c2a7b", "text": ORIGINAL, "diff": "--- a\n+++ b\n", "path": "shop.py",
            "applied": False, "attempts": 3, "failed_checks": checks,
        }  # fmt: skip

    monkeypatch.setattr(Invocation, "run_task", run_task)
    main(["refactor", "shop.py"])
    err = capsys.readouterr().err
    passed_last = failed < 3
    assert ("took 3 attempts" in err) == passed_last
    assert ("none of 3 answers passed every check" in err) != passed_last


def test_every_file_is_checked_before_any_is_refactored_and_a_file_named_twice_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # A missing last file failed only after the model had refactored the others (their
    # answers lost); `m.py ./m.py` was refactored twice.
    monkeypatch.chdir(tmp_path)
    (tmp_path / "m.py").write_text(ORIGINAL)
    asked: list[str] = []

    def run_task(self: Invocation, method: str, params: dict[str, Any], **_: Any) -> dict[str, Any]:
        asked.append(params["label"])
        return {"request_id": "9f1c2a7b", "text": ORIGINAL, "diff": "", "path": params["path"]}

    monkeypatch.setattr(Invocation, "run_task", run_task)
    with pytest.raises(SystemExit) as exited:
        main(["refactor", "m.py", "nosuch.py"])
    assert exited.value.code == 2 and asked == []
    assert "nosuch.py" in capsys.readouterr().err
    main(["refactor", "m.py", "./m.py", "--json"])
    assert asked == ["m.py"]


def test_only_the_warnings_of_the_answer_written_are_in_the_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # The first answer lost a name and failed --verify; the second kept it and passed. The
    # JSON still said the name was lost.
    monkeypatch.setenv("CODESAGA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shop.py").write_text(ORIGINAL)
    lost = "the rewrite no longer defines discount"
    answers = [
        {"text": ORIGINAL.replace("return 0.2", "return 0.3"), "warnings": [lost]},
        {"text": ORIGINAL.replace("return 0.2", "return 0.25")},
    ]

    def run_task(self: Invocation, method: str, params: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"request_id": "9f1c2a7b", "attempts": 1, **answers.pop(0)}

    monkeypatch.setattr(Invocation, "run_task", run_task)
    main(["refactor", "shop.py", "--apply", "--verify", "grep -q 0.25 shop.py", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "completed" and "warnings" not in result
    assert (tmp_path / "shop.py").read_text().endswith("return 0.25\n")
