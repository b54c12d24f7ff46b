"""Fix and refactor that retry: an answer that fails a check goes back to the model with the
check's message. The scripted fake engine answers; the checks, the saga and the CLI are real.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from codesaga.cli import exits
from codesaga.domain.diff import unified_diff
from codesaga.domain.enums import RequestStatus
from codesaga.domain.errors import ModelError
from codesaga.domain.retry import FailedRewrite
from codesaga.engine.fake import FakeEngine
from codesaga.model_files.presets import PRESETS
from codesaga.protocol import params as t
from codesaga.protocol.jsonrpc import RpcError
from codesaga.saga.compensators import COMPENSATORS
from codesaga.saga.log import KILL_AFTER_ENV, SagaStore
from codesaga.saga.recovery import recover, state_of
from codesaga.service.tasks import Assistant
from tests.ggufgen import write_gguf
from tests.unit.test_tasks import assistant_with

BUGGY = "def mean(values):\n    return sum(values) / (len(values) + 1)\n"
WRONG = "def mean(values):\n    return sum(values) / (len(values) - 1)\n"  # parses; still wrong
FIXED = "def mean(values):\n    return sum(values) / len(values)\n"
BROKEN = "def mean(values:\n    return sum(values) /\n"  # does not parse
ERROR = "AssertionError: mean([2, 4]) is 2.0, not 3"
TEST = "python -c 'import calc; assert calc.mean([2, 4]) == 3, calc.mean([2, 4])'"


def fenced(code: str) -> str:
    return f"```python\n{code}```"


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(n_ctx=4096)


@pytest.fixture
def models_dir(codesaga_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default presets 'installed' as tiny files (the fake engine never reads them)."""
    unsized = {name: dataclasses.replace(p, size=None) for name, p in PRESETS.items()}
    monkeypatch.setattr("codesaga.service.engine_pool.PRESETS", unsized)
    root = codesaga_home / "models"
    root.mkdir(parents=True)
    for name in ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"):
        write_gguf(root / PRESETS[name].filename)
    monkeypatch.setenv("CODESAGA_MODELS_DIR", str(root))
    return root


@pytest.fixture
def assistant(engine: FakeEngine, models_dir: Path) -> Assistant:
    return assistant_with(engine, models_dir)


@pytest.fixture
def calc(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "calc.py"
    path.write_text(BUGGY)
    monkeypatch.chdir(tmp_path)  # where the CLI runs, and so the verify command
    return path


def last_prompt(engine: FakeEngine) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in engine.history[-1].messages]


# -- the service: checks it runs itself --------------------------------------------------------


def test_an_answer_that_does_not_parse_is_retried_with_the_syntax_error(
    assistant: Assistant, engine: FakeEngine, calc: Path
) -> None:
    engine.enqueue(fenced(BROKEN))
    engine.enqueue(fenced(FIXED))
    result = assistant.fix(calc, ERROR, apply=True)
    assert calc.read_text() == FIXED and result.applied
    assert result.attempts == 2 and len(result.failed_checks) == 1
    assert "not valid Python at line 1" in result.failed_checks[0]
    # The second request is the first one asked afresh, told what the broken answer changed
    # (a diff) and what the check said: not a conversation holding the model to that answer.
    first, second = engine.history
    assert len(second.messages) == len(first.messages)
    assert list(second.messages[:-1]) == list(first.messages[:-1])
    said = second.messages[-1]
    assert said.role == "user" and said.content.startswith(first.messages[-1].content)
    assert "+def mean(values:\n" in said.content and "-def mean(values):\n" in said.content
    assert "not valid Python at line 1" in said.content
    (record,) = assistant.journal.query()
    assert record.status is RequestStatus.COMPLETED
    assert record.attempts == 2 and record.failed_checks == result.failed_checks
    assert result.to_json()["attempts"] == 2


def test_a_fix_that_never_parses_writes_nothing_and_says_how_often_it_tried(
    assistant: Assistant, engine: FakeEngine, calc: Path
) -> None:
    for _ in range(3):
        engine.enqueue(fenced(BROKEN))
    with pytest.raises(ModelError, match=r"not valid Python.*\(after 3 attempts\)"):
        assistant.fix(calc, ERROR, apply=True)
    assert calc.read_text() == BUGGY
    assert len(engine.history) == 3
    (record,) = assistant.journal.query()
    assert record.status is RequestStatus.FAILED
    assert record.attempts == 3 and len(record.failed_checks) == 3


def test_a_lost_name_or_an_unchanged_fix_is_retried(
    assistant: Assistant, engine: FakeEngine, calc: Path
) -> None:
    engine.enqueue(fenced(FIXED.replace("mean", "average")))
    engine.enqueue(fenced(BUGGY))  # the code as it was
    engine.enqueue(fenced(FIXED))
    result = assistant.fix(calc, ERROR)
    assert result.text == FIXED and result.attempts == 3 and result.warnings == []
    assert "no longer defines mean" in result.failed_checks[0]
    assert "unchanged" in result.failed_checks[1]
    # Each retry shows the model its last answer and what was wrong with it.
    assert "no longer defines mean" in engine.history[1].messages[-1].content
    assert "unchanged" in engine.history[2].messages[-1].content
    # The first answer is greedy; a retry samples (greedy mostly repeats what failed).
    assert [r.temperature for r in engine.history] == [0.0, 0.6, 0.6]


def test_a_refactor_the_user_asked_to_rename_is_not_retried(
    assistant: Assistant, engine: FakeEngine, calc: Path
) -> None:
    engine.enqueue(fenced(FIXED.replace("mean", "average")))
    result = assistant.refactor(calc, instruction="rename mean to average")
    assert result.attempts == 1 and len(engine.history) == 1
    assert "no longer defines mean" in result.warnings[0]  # still said, as before


def test_when_every_attempt_loses_a_name_the_last_answer_comes_with_the_warning(
    assistant: Assistant, engine: FakeEngine, calc: Path
) -> None:
    for _ in range(2):
        engine.enqueue(fenced(FIXED.replace("mean", "average")))
    result = assistant.fix(calc, ERROR, attempts=2)
    assert result.attempts == 2 and "no longer defines mean" in result.warnings[0]


def test_attempts_and_the_time_budget_bound_the_retries(
    engine: FakeEngine, models_dir: Path, calc: Path
) -> None:
    single = assistant_with(engine, models_dir, CODESAGA_REWRITE_ATTEMPTS="1")
    engine.enqueue(fenced(BROKEN))
    with pytest.raises(ModelError, match=r"not valid Python \(line 1\)"):
        single.fix(calc, ERROR)
    engine.enqueue(["```python\n"] + ["x = 1\n"] * 5000)  # cut off: a retry would be too
    with pytest.raises(ModelError, match="cut off"):
        single.fix(calc, ERROR, attempts=3)
    assert len(engine.history) == 2
    hurried = assistant_with(engine, models_dir, CODESAGA_REWRITE_BUDGET_SECONDS="0")
    engine.enqueue(fenced(BROKEN))
    engine.enqueue(fenced(FIXED))
    with pytest.raises(ModelError, match="not valid Python"):
        hurried.fix(calc, ERROR)
    assert len(engine.history) == 3  # one answer each: no retry after the budget


def test_a_rewrite_refused_outside_is_repaired_first(
    assistant: Assistant, engine: FakeEngine, tmp_path: Path
) -> None:
    """What --verify refused comes back whole-file; the model sees only its selection."""
    program = "import math\n\n\n" + BUGGY + "\n\nprint(mean([2, 4]))\n"
    tried = program.replace("+ 1)", "- 1)")
    engine.enqueue(fenced(FIXED))
    result = assistant.fix(
        None,
        ERROR,
        content=program,
        label="calc.py",
        lines="4:5",
        retry=FailedRewrite(tried, "With that code, `python calc.py` fails (exit code 1)"),
    )
    assert result.text == program.replace(BUGGY, FIXED)
    role, asked = last_prompt(engine)[-1]
    note = asked.split("An earlier attempt made")[1]
    assert role == "user" and "- 1)" in note and "import math" not in note
    assert "`python calc.py` fails" in note


def test_attempts_on_the_wire_are_bounded() -> None:
    decoded = t.decode(t.FixParams, {"path": "/a.py", "error": "E", "attempts": 2})
    assert decoded.attempts == 2
    retry = {"text": "x = 1\n", "problem": "fails"}
    assert t.decode(t.RefactorParams, {"path": "/a.py", "retry": retry}).retry is not None
    with pytest.raises(RpcError, match="attempts must be between 1 and 10"):
        t.decode(t.FixParams, {"path": "/a.py", "error": "E", "attempts": 0})


# -- the CLI and the saga, over an in-process daemon ---------------------------------------------


@pytest.fixture
def cli(engine: FakeEngine, models_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Any:
    """`codesaga --no-daemon ...` as a user runs it, its daemon answering from ``engine``."""
    import codesaga.bootstrap
    from codesaga.cli.main import main

    real = codesaga.bootstrap.build_daemon
    monkeypatch.setattr(
        codesaga.bootstrap, "build_daemon", lambda settings: real(settings, lambda r: engine)
    )

    def run(*args: str, as_json: bool = True) -> tuple[int, Any]:
        try:
            main(["--no-daemon", *args, *(["--json"] if as_json else [])])
            code = 0
        except SystemExit as exc:
            code = int(exc.code or 0)
        out = capsys.readouterr().out
        if not as_json:
            return code, out
        return code, json.loads(out) if out.strip() else {}

    return run


def saga_events(home: Path) -> list[dict[str, Any]]:
    (log,) = SagaStore(home / "state" / "sagas").all()
    return log.events()


def named(events: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for e in events if e["event"] == name]


def test_a_fix_that_passes_verify_on_the_second_attempt_journals_both(
    cli: Any, engine: FakeEngine, calc: Path, codesaga_home: Path
) -> None:
    engine.enqueue(fenced(WRONG))
    engine.enqueue(fenced(FIXED))
    code, result = cli("fix", "calc.py", "--error", ERROR, "--apply", "--verify", TEST)
    assert code == 0 and result["status"] == "completed"
    assert calc.read_text() == FIXED
    assert result["attempts"] == {str(calc): 2}
    events = saga_events(codesaga_home)
    attempts = named(events, "attempt")
    assert [(e["attempt"], e["passed"]) for e in attempts] == [(1, True), (2, True)]
    assert [e["ok"] for e in named(events, "verified")] == [False, True]
    (retry,) = named(events, "retry")
    assert "AssertionError" in retry["why"]  # the test's output went back to the model
    assert [r.temperature for r in engine.history] == [0.0, 0.6]  # a retry, after --verify
    assert "AssertionError" in last_prompt(engine)[-1][1]
    assert "+    return sum(values) / (len(values) - 1)" in last_prompt(engine)[-1][1]
    assert state_of(SagaStore(codesaga_home / "state" / "sagas").get(result["saga"])).status == (
        "completed"
    )
    _, shown = cli("saga", "show", result["saga"], as_json=False)
    assert f"attempt     {calc} #1: passed the checks" in shown
    assert "retry       With that code, `python -c" in shown


def test_requests_are_listed_by_the_commands_name_and_a_bad_filter_says_the_choices(
    cli: Any, engine: FakeEngine, calc: Path
) -> None:
    # `--type fix` was refused (the type is error-fix), and a bad value said "is not a valid
    # RequestStatus".
    engine.enqueue(fenced(FIXED))
    assert cli("fix", "calc.py", "--error", ERROR)[0] == 0
    code, listed = cli("requests", "--type", "fix")
    assert code == 0 and [r["type"] for r in listed["requests"]] == ["error-fix"]
    assert cli("requests", "--status", "bogus", as_json=False)[0] != 0


def test_the_failing_tests_lines_reach_the_model_with_the_error_and_on_a_retry(
    cli: Any, engine: FakeEngine, calc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CODESAGA_REWRITE_RETRY_FOCUS", "false")  # the whole file asked again
    test = calc.parent / "test_calc.py"
    test.write_text("import calc\n\nvalues = [2, 4]\nassert calc.mean(values) == 3\n")
    error = subprocess.run(
        [sys.executable, test.name], capture_output=True, text=True, cwd=calc.parent
    ).stderr
    assert 'test_calc.py", line 4' in error
    engine.enqueue(fenced(WRONG))
    engine.enqueue(fenced(FIXED))
    verify = f"{sys.executable} test_calc.py"
    code, _ = cli("fix", "calc.py", "--error", error, "--apply", "--verify", verify)
    assert code == 0 and calc.read_text() == FIXED
    first, retry = ([m.content for m in r.messages] for r in engine.history)
    for asked in (first[-1], retry[-1]):
        assert "The code at the failing lines (marked >):" in asked
        assert "  3 | values = [2, 4]\n> 4 | assert calc.mean(values) == 3" in asked
        assert "def mean(values):\n    return sum(values) / (len(values) + 1)" in asked
    assert "| def mean" not in first[-1] + retry[-1]  # the file being fixed is shown once
    # The retry's test output named the same lines as the first error: shown once, not twice.
    assert retry[-1].count("> 4 | assert calc.mean(values) == 3") == 1
    assert "The failing lines are the ones shown above." in retry[-1]


TWO_FUNCTIONS = BUGGY + "\n\ndef total(values):\n    return sum(values)\n"
FAILING_TEST = "import calc\n\nvalues = [2, 4]\nassert calc.mean(values) == 3\n"


def _failing_test(calc: Path) -> str:
    """A test of ``calc.mean`` beside it; what it prints, failing."""
    (calc.parent / "test_calc.py").write_text(FAILING_TEST)
    return subprocess.run(
        [sys.executable, "test_calc.py"], capture_output=True, text=True, cwd=calc.parent
    ).stderr


def test_a_retry_asks_for_the_function_the_failing_test_calls_and_keeps_the_rest(
    cli: Any, engine: FakeEngine, calc: Path
) -> None:
    calc.write_text(TWO_FUNCTIONS)
    error = _failing_test(calc)
    engine.enqueue(fenced(WRONG + "\n\ndef total(values):\n    return sum(values)\n"))
    engine.enqueue(fenced(FIXED))  # the function alone, as the retry asks
    verify = f"{sys.executable} test_calc.py"
    code, result = cli("fix", "calc.py", "--error", error, "--apply", "--verify", verify)
    assert code == 0 and result["attempts"] == {str(calc): 2}
    assert calc.read_text() == FIXED + "\n\ndef total(values):\n    return sum(values)\n"
    _, retry = engine.history
    assert retry.temperature == 0.6
    asked = retry.messages[-1].content
    assert asked.startswith("The function `mean` in calc.py is wrong")
    assert TWO_FUNCTIONS in asked  # the file as it was, not the failed answer
    assert "> 4 | assert calc.mean(values) == 3" in asked and "AssertionError" in asked
    assert "Reply with only the code of `mean`" in asked
    assert "An earlier attempt" not in asked  # asked afresh: shown, the 1.5B copied it


def test_a_focused_retry_answered_with_the_whole_file_takes_it_whole(
    cli: Any, engine: FakeEngine, calc: Path
) -> None:
    calc.write_text(TWO_FUNCTIONS)
    error = _failing_test(calc)
    whole = FIXED + "\n\ndef total(values):\n    return sum(values)\n"
    engine.enqueue(fenced(WRONG + "\n\ndef total(values):\n    return sum(values)\n"))
    engine.enqueue(fenced(whole))  # more than the function: not pasted into its lines
    verify = f"{sys.executable} test_calc.py"
    code, _ = cli("fix", "calc.py", "--error", error, "--apply", "--verify", verify)
    assert code == 0 and calc.read_text() == whole


def test_a_focused_retry_of_a_method_puts_it_back_inside_its_class(
    cli: Any, engine: FakeEngine, calc: Path
) -> None:
    calc.write_text(
        "class Stats:\n    def mean(self, values):\n"
        "        return sum(values) / (len(values) + 1)\n\n"
        "    def total(self, values):\n        return sum(values)\n"
    )
    (calc.parent / "test_calc.py").write_text(
        "import calc\n\nstats = calc.Stats()\nassert stats.mean([2, 4]) == 3\n"
    )
    error = subprocess.run(
        [sys.executable, "test_calc.py"], capture_output=True, text=True, cwd=calc.parent
    ).stderr
    engine.enqueue(fenced(calc.read_text()))  # unchanged: refused, retried
    engine.enqueue(fenced("def mean(self, values):\n    return sum(values) / len(values)\n"))
    verify = f"{sys.executable} test_calc.py"
    code, _ = cli("fix", "calc.py", "--error", error, "--apply", "--verify", verify)
    assert code == 0
    assert calc.read_text() == (
        "class Stats:\n    def mean(self, values):\n        return sum(values) / len(values)\n\n"
        "    def total(self, values):\n        return sum(values)\n"
    )
    assert "The function `mean` in calc.py" in engine.history[-1].messages[-1].content


@pytest.mark.parametrize("decorated", [True, False])
def test_a_focused_retry_keeps_the_decorators_its_answer_leaves_out(
    cli: Any, engine: FakeEngine, calc: Path, decorated: bool
) -> None:
    # The function's lines begin at its decorators; an answer of the `def` alone took their
    # place, and `@staticmethod` was gone from a file every check passed.
    calc.write_text(
        "class Stats:\n    @staticmethod\n    def mean(values):\n"
        "        return sum(values) / (len(values) + 1)\n\n"
        "    def total(self, values):\n        return sum(values)\n"
    )
    (calc.parent / "test_calc.py").write_text(
        "import calc\n\nassert calc.Stats.mean([2, 4]) == 3\n"
    )
    error = subprocess.run(
        [sys.executable, "test_calc.py"], capture_output=True, text=True, cwd=calc.parent
    ).stderr
    engine.enqueue(fenced(calc.read_text()))  # unchanged: refused, retried
    head = "@staticmethod\n" if decorated else ""  # an answer with them keeps them once
    engine.enqueue(fenced(f"{head}def mean(values):\n    return sum(values) / len(values)\n"))
    verify = f"{sys.executable} test_calc.py"
    code, _ = cli("fix", "calc.py", "--error", error, "--apply", "--verify", verify)
    assert code == 0
    assert calc.read_text() == (
        "class Stats:\n    @staticmethod\n    def mean(values):\n"
        "        return sum(values) / len(values)\n\n"
        "    def total(self, values):\n        return sum(values)\n"
    )


def test_a_retry_shows_the_failing_lines_its_check_named_when_they_are_new() -> None:
    from codesaga.domain.failing_lines import HEADER, unless_shown

    first = f"Fix it.\n\n{HEADER}\nt.py:\n```\n> 4 | assert f(2) == 3\n```\n\nReply."
    said = "With that code, `python t.py` fails (exit code 1):"
    same = f"{said}\n{HEADER}\nt.py:\n```\n> 4 | assert f(2) == 3\n```"
    other = f"{said}\n{HEADER}\nt.py:\n```\n> 7 | assert f(5) == 9\n```"
    assert unless_shown(same, first) == f"{said}\nThe failing lines are the ones shown above."
    assert unless_shown(other, first) == other
    assert unless_shown(said, first) == said


def test_a_fix_whose_first_answer_does_not_parse_is_written_once(
    cli: Any, engine: FakeEngine, calc: Path, codesaga_home: Path
) -> None:
    engine.enqueue(fenced(BROKEN))
    engine.enqueue(fenced(FIXED))
    code, result = cli("fix", "calc.py", "--error", ERROR, "--apply", "--verify", TEST)
    assert code == 0 and calc.read_text() == FIXED
    assert result["attempts"] == {str(calc): 2}
    events = saga_events(codesaga_home)
    attempts = named(events, "attempt")
    assert [(e["attempt"], e["passed"]) for e in attempts] == [(1, False), (2, True)]
    assert "not valid Python" in attempts[0]["why"]
    assert len(named(events, "written")) == 1  # only the passing rewrite reached the file


def test_a_fix_that_never_passes_leaves_the_file_as_it_was(
    cli: Any, engine: FakeEngine, calc: Path, codesaga_home: Path
) -> None:
    for _ in range(3):
        engine.enqueue(fenced(WRONG))
    code, _ = cli("fix", "calc.py", "--error", ERROR, "--apply", "--verify", TEST)
    assert code == 5  # verify failed
    assert calc.read_text() == BUGGY
    events = saga_events(codesaga_home)
    assert len(named(events, "attempt")) == 3 and len(named(events, "retry")) == 2
    assert events[-1]["event"] == "rolled-back"
    assert "after 3 attempts; the files were put back" in named(events, "failed")[0]["error"]


def test_a_fix_that_changes_nothing_while_verify_fails_is_a_failure(
    cli: Any, engine: FakeEngine, calc: Path, codesaga_home: Path
) -> None:
    engine.enqueue(fenced(BUGGY))
    code, _ = cli(
        "fix", "calc.py", "--error", ERROR, "--apply", "--verify", TEST, "--attempts", "1"
    )
    assert code == 5  # the test still fails: not a success with nothing to show
    assert calc.read_text() == BUGGY
    events = saga_events(codesaga_home)
    assert named(events, "write") == [] and [e["ok"] for e in named(events, "verified")] == [False]


def test_a_fix_left_unchanged_by_every_attempt_fails_its_verify(
    cli: Any, engine: FakeEngine, calc: Path, codesaga_home: Path
) -> None:
    for _ in range(3):
        engine.enqueue(fenced(BUGGY))
    code, _ = cli("fix", "calc.py", "--error", ERROR, "--apply", "--verify", TEST)
    assert code == 5 and calc.read_text() == BUGGY
    events = saga_events(codesaga_home)
    assert len(named(events, "attempt")) == 3  # the daemon asked again after each
    assert [e["ok"] for e in named(events, "verified")] == [False]
    # Not "the files were put back": nothing was written to be put back.
    said = named(events, "failed")[0]["error"]
    assert "last answer (of 3) changed nothing; the files are as they were" in said


def test_a_fix_that_never_parses_writes_nothing(
    cli: Any, engine: FakeEngine, calc: Path, codesaga_home: Path
) -> None:
    for _ in range(2):
        engine.enqueue(fenced(BROKEN))
    code, _ = cli(
        "fix", "calc.py", "--error", ERROR, "--apply", "--verify", TEST, "--attempts", "2"
    )
    assert code == 3  # an unusable answer
    assert calc.read_text() == BUGGY and len(engine.history) == 2
    assert named(saga_events(codesaga_home), "write") == []


def test_verify_without_apply_shows_the_first_passing_rewrite(
    cli: Any, engine: FakeEngine, calc: Path, codesaga_home: Path
) -> None:
    engine.enqueue(fenced(WRONG))
    engine.enqueue(fenced(FIXED))
    code, result = cli("fix", "calc.py", "--error", ERROR, "--verify", TEST)
    assert code == 0 and result["status"] == "tried"
    assert "+    return sum(values) / len(values)" in result["diffs"][str(calc)]
    assert calc.read_text() == BUGGY  # shown, not kept
    events = saga_events(codesaga_home)
    assert events[-1]["event"] == "tried" and len(named(events, "attempt")) == 2


# -- crashes in the middle of a retry ----------------------------------------------------------

RUNNER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from codesaga.saga.log import SagaStore
    from codesaga.saga.runner import SagaRunner
    store, apply, path = sys.argv[1:]
    good = "def mean(values):\\n    return sum(values) / len(values)\\n"
    wrong = good.replace("/ len(values)", "/ (len(values) - 1)")
    SagaRunner(SagaStore(Path(store)), 1 << 20).run(
        "fix",
        [Path(path)],
        lambda p, text, ask: wrong if ask.retry is None else good,
        verify="grep -q '/ len(values)' {files}",
        attempts=3,
        apply=apply == "apply",
    )
    """
)
RETRY_STEPS = ["verified:1", "retry", "restored", "attempt:2", "written:2", "verified:2"]


@pytest.mark.parametrize("step", [*RETRY_STEPS, "completed", "tried"])
def test_kill_9_during_a_retry_then_recover_leaves_the_old_or_the_passing_file(
    step: str, calc: Path, tmp_path: Path
) -> None:
    store = SagaStore(tmp_path / "sagas")
    mode = "trial" if step == "tried" else "apply"
    proc = subprocess.run(
        [sys.executable, "-c", RUNNER, str(store.root), mode, str(calc)],
        env={**os.environ, KILL_AFTER_ENV: "verified:2" if step == "tried" else step},
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -9, proc.stderr.decode()
    recover(store, COMPENSATORS)
    (saga,) = store.all()
    if step in ("verified:2", "completed"):  # the passing rewrite was written and verified
        assert state_of(saga).status == "completed" and calc.read_text() == FIXED
    else:  # a trial never keeps its rewrite, even a passing one
        assert state_of(saga).status == "rolled-back" and calc.read_text() == BUGGY


def test_kill_9_while_verify_runs_then_recover_ends_the_check_before_putting_the_file_back(
    calc: Path, tmp_path: Path
) -> None:
    # The check runs in a session of its own, so it outlived the killed process: recover
    # put the file back, and then the check (a formatter, say) wrote over it.
    store = SagaStore(tmp_path / "sagas")
    script = RUNNER.replace("grep -q '/ len(values)' {files}", "sleep 3; echo formatted > {files}")
    runner = subprocess.Popen(
        [sys.executable, "-c", script, str(store.root), "apply", str(calc)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(e["event"] == "verify" for s in store.all() for e in s.events()):
            assert time.monotonic() < deadline and runner.poll() is None
            time.sleep(0.05)
        time.sleep(0.3)  # the check's shell is running
    finally:
        runner.kill()
        runner.wait()
    assert recover(store, COMPENSATORS) != []
    time.sleep(4)  # past the check's sleep
    assert calc.read_text() == BUGGY


def test_refactor_of_several_files_with_json_prints_one_json_object(
    cli: Any, engine: FakeEngine, calc: Path
) -> None:
    # It printed one object per file, one after the other: no JSON reader takes that.
    other = calc.parent / "other.py"
    other.write_text(BUGGY)
    engine.enqueue(fenced(FIXED))
    engine.enqueue(fenced(FIXED))
    code, result = cli("refactor", "calc.py", "other.py")
    assert code == 0 and [r["path"] for r in result["results"]] == ["calc.py", "other.py"]
    engine.enqueue(fenced(FIXED))
    code, one = cli("refactor", "calc.py")
    assert code == 0 and one["path"] == "calc.py"  # one file: its result, as before


def test_stdin_closed_or_options_that_do_not_go_together_are_one_line_errors(
    cli: Any, calc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `fix --error - <&-` and `chat - <&-` ended in a traceback (sys.stdin is None);
    # `chat --json` without a message opened the interactive chat; `--tui` dropped them.
    monkeypatch.setattr(sys, "stdin", None)
    assert cli("fix", "calc.py", "--error", "-", as_json=False)[0] == 2  # input
    for args in (["chat", "-"], ["chat", "--json"], ["chat", "--tui", "hello"], ["chat", "--tui"]):
        assert cli(*args, as_json=False)[0] == 1, args  # usage


def test_a_long_error_from_stdin_keeps_its_end(
    cli: Any, engine: FakeEngine, calc: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Only the first 256 KiB were read: a long traceback lost its last line, what failed.
    tail = "ZeroDivisionError: division by zero"
    monkeypatch.setattr(sys, "stdin", io.StringIO("  frame\n" * 50_000 + tail + "\n"))
    engine.enqueue(fenced(FIXED))
    code, _ = cli("fix", "calc.py", "--error", "-")
    assert code == 0 and tail in last_prompt(engine)[-1][1]


def test_a_usage_error_with_json_is_json_on_stdout_too(cli: Any, calc: Path) -> None:
    code, answer = cli("complete", "calc.py")  # no --line
    assert code == 1 and answer["error"]["kind"] == "usage"
    assert "--line" in answer["error"]["message"]


def test_next_edit_after_a_change_of_many_lines_sends_the_latest_edits(
    cli: Any, calc: Path
) -> None:
    # Every changed line was sent as an edit, and the protocol takes at most 64: a reformat
    # made `codesaga next-edit` fail ("at most 64 edits").
    before = "".join(f"value_{i} = {i}\n" for i in range(100))
    after = "".join(f"value_{i} = {i}  # set\n" for i in range(100))
    calc.write_text(after)
    patch = calc.parent / "reformat.diff"
    patch.write_text(unified_diff(before, after, "calc.py"))
    code, result = cli("next-edit", "calc.py", "--diff", str(patch))
    assert code == 0, result


MEDIAN_BUGGY = "def median(values):\n    return sorted(values)[0]\n"
MEDIAN_FIXED = "def median(values):\n    return sorted(values)[len(values) // 2]\n"


def test_a_retry_follows_the_failure_to_the_next_function_and_keeps_the_first_fix(
    cli: Any, engine: FakeEngine, calc: Path
) -> None:
    # The first answer fixed `mean`; the test then failed at `median`. The retries were
    # asked about `mean` again, with the first error, in the file as it was: the new failure
    # was never shown and the fix was thrown away.
    calc.write_text(BUGGY + "\n\n" + MEDIAN_BUGGY)
    test = (
        "import calc\n\nvalues = [2, 4, 9]\nassert calc.mean([2, 4]) == 3\n"
        "assert calc.median(values) == 4\n"
    )
    (calc.parent / "test_calc.py").write_text(test)
    verify = f"{sys.executable} test_calc.py"
    first = subprocess.run(verify.split(), capture_output=True, text=True, cwd=calc.parent)
    engine.enqueue(fenced(FIXED + "\n\n" + MEDIAN_BUGGY))  # mean fixed, median not yet
    engine.enqueue(fenced(MEDIAN_FIXED))  # the function alone, as the retry asks
    code, result = cli("fix", "calc.py", "--error", first.stderr, "--apply", "--verify", verify)
    assert code == 0 and result["attempts"] == {str(calc): 2}
    assert calc.read_text() == FIXED + "\n\n" + MEDIAN_FIXED
    asked = engine.history[1].messages[-1].content
    assert asked.startswith("The function `median` in calc.py is wrong")
    assert FIXED in asked and "calc.median(values) == 4" in asked


def test_a_verify_that_cannot_be_run_or_is_empty_is_said_before_the_model_is_asked(
    cli: Any, engine: FakeEngine, calc: Path
) -> None:
    # `--verify "pytets -q"` asked the model to fix calc.py for "pytets: not found", and an
    # empty --verify was no check at all (refactor) or one that passes (fix: "nothing to fix").
    code, said = cli("fix", "calc.py", "--verify", "pytets -q", "--apply")
    assert code == exits.INPUT
    assert "could not be run: `pytets` was not found" in json.dumps(said)
    for command in ("fix", "refactor"):
        code, said = cli(command, "calc.py", "--verify", " ", "--apply")
        assert code == exits.USAGE
    assert engine.history == [] and calc.read_text() == BUGGY
    # With the error given, the rewrite is made, the check cannot run: put back, no retry.
    engine.enqueue(fenced(FIXED))
    code, _ = cli("fix", "calc.py", "--error", ERROR, "--verify", "pytets -q", "--apply")
    assert code == exits.INPUT and len(engine.history) == 1 and calc.read_text() == BUGGY
