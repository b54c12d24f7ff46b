"""`codesaga refactor` over scripted daemon answers: what it prints, and the JSON a script reads."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codesaga.cli.invocation import Invocation
from codesaga.cli.main import main

ORIGINAL = "def discount(total):\n    return total * 0.9\n\n\ndef tax(total):\n    return 0.2\n"
Answer = Callable[[dict[str, Any]], dict[str, Any]]  # the request's params to the result


@pytest.fixture
def shop(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """shop.py in the working directory, and a home of its own for the sagas."""
    monkeypatch.setenv("CODESAGA_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "shop.py").write_text(ORIGINAL)
    return tmp_path / "shop.py"


@pytest.fixture
def answering(monkeypatch: pytest.MonkeyPatch) -> Callable[[Answer], None]:
    """The daemon's answers, each made from its request's params."""

    def script(answer: Answer) -> None:
        def run_task(
            self: Invocation, method: str, params: dict[str, Any], **_: Any
        ) -> dict[str, Any]:
            return {"request_id": "9f1c2a7b", "attempts": 1, **answer(params)}

        monkeypatch.setattr(Invocation, "run_task", run_task)

    return script


def test_the_warnings_of_an_applied_rewrite_are_in_its_json(
    shop: Path, answering: Callable[[Answer], None], capsys: pytest.CaptureFixture[str]
) -> None:
    # They went to stderr alone: a script reading --json could not see that the rewrite
    # it had applied no longer defined a name.
    rewritten = ORIGINAL.replace("return 0.2", "return 0.25")
    said = "the rewrite no longer defines discount, which other code may use"
    answering(lambda params: {"text": rewritten, "warnings": [said]})
    main(["refactor", "shop.py", "--apply", "--json"])
    out, err = capsys.readouterr()
    assert json.loads(out)["warnings"] == [f"shop.py: {said}"] and said in err
    assert shop.read_text() == rewritten


def test_only_the_warnings_of_the_answer_written_are_in_the_json(
    shop: Path, answering: Callable[[Answer], None], capsys: pytest.CaptureFixture[str]
) -> None:
    # The first answer lost a name and failed --verify; the second kept it and passed. The
    # JSON still said the name was lost.
    lost = "the rewrite no longer defines discount"
    answers = [
        {"text": ORIGINAL.replace("return 0.2", "return 0.3"), "warnings": [lost]},
        {"text": ORIGINAL.replace("return 0.2", "return 0.25")},
    ]
    answering(lambda params: answers.pop(0))
    main(["refactor", "shop.py", "--apply", "--verify", "grep -q 0.25 shop.py", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "completed" and "warnings" not in result
    assert shop.read_text().endswith("return 0.25\n")


@pytest.mark.parametrize("failed", [2, 3])
def test_attempts_that_all_failed_are_not_said_to_have_taken(
    shop: Path,
    answering: Callable[[Answer], None],
    capsys: pytest.CaptureFixture[str],
    failed: int,
) -> None:
    # "took 3 attempts" stood above a diff that had failed its checks, as if it had passed.
    checks = [f"That code no longer defines discount ({n})." for n in range(failed)]
    answering(
        lambda params: {
            "text": ORIGINAL,
            "diff": "--- a\n+++ b\n",
            "path": "shop.py",
            "applied": False,
            "attempts": 3,
            "failed_checks": checks,
        }
    )
    main(["refactor", "shop.py"])
    err = capsys.readouterr().err
    passed_last = failed < 3
    assert ("took 3 attempts" in err) == passed_last
    assert ("none of 3 answers passed every check" in err) != passed_last


def test_every_file_is_checked_before_any_is_refactored_and_a_file_named_twice_once(
    shop: Path, answering: Callable[[Answer], None], capsys: pytest.CaptureFixture[str]
) -> None:
    # A missing last file failed only after the model had refactored the others (their
    # answers lost); `shop.py ./shop.py` was refactored twice.
    asked: list[str] = []

    def answer(params: dict[str, Any]) -> dict[str, Any]:
        asked.append(params["label"])
        return {"text": ORIGINAL, "diff": "", "path": params["path"]}

    answering(answer)
    with pytest.raises(SystemExit) as exited:
        main(["refactor", "shop.py", "nosuch.py"])
    assert exited.value.code == 2 and asked == []
    assert "nosuch.py" in capsys.readouterr().err
    main(["refactor", "shop.py", "./shop.py", "--json"])
    assert asked == ["shop.py"]


@pytest.mark.parametrize("how", ["option", "setting"])
def test_a_verify_command_is_stopped_after_the_timeout_given(
    shop: Path,
    answering: Callable[[Answer], None],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    # It was 15 minutes, fixed: a suite that takes longer could never pass, and a hang
    # took 15 minutes per attempt to be called one.
    answering(lambda params: {"text": ORIGINAL.replace("0.2", "0.25")})
    command = ["refactor", "shop.py", "--apply", "--verify", "sleep 60", "--attempts", "1"]
    if how == "option":
        command += ["--verify-timeout", "1"]
    else:
        monkeypatch.setenv("CODESAGA_VERIFY_TIMEOUT_SECONDS", "1")
    started = time.monotonic()
    with pytest.raises(SystemExit):
        main([*command, "--json"])
    assert time.monotonic() - started < 30
    assert "no result after 1 s" in capsys.readouterr().out
    assert shop.read_text() == ORIGINAL


def test_a_verify_timeout_without_a_command_to_time_is_a_usage_error(
    shop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["fix", "shop.py", "--error", "boom", "--verify-timeout", "5"])
    assert exited.value.code == 1  # usage
    assert "--verify-timeout goes with --verify" in capsys.readouterr().err
