"""`codesaga saga list`'s lines."""

from __future__ import annotations

from typing import Any

from codesaga.cli.commands.saga import _detail, saga_line


def saga(status: str, changed: int, conflicts: list[str] = []) -> dict[str, Any]:  # noqa: B006
    return {
        "id": "20261202-101500-a1b2c3", "kind": "refactor", "status": status,
        "files": ["a.py", "b.py"], "changed": ["a.py", "b.py"][:changed],
        "created_at": 0.0, "conflicts": conflicts,
    }  # fmt: skip


def test_a_saga_put_back_is_not_said_to_have_changed_its_files() -> None:
    # "tried 1/1 file(s) changed" and "undone 2/2 file(s) changed": what they wrote is gone.
    assert saga_line(saga("completed", 2)).endswith("completed   2/2 file(s) changed")
    assert saga_line(saga("undone", 2)).endswith("undone      2/2 file(s) put back")
    assert saga_line(saga("tried", 1)).endswith("1/2 file(s) put back")
    left = saga_line(saga("rolled-back", 2, ["a.py"]))
    assert left.endswith("2/2 file(s) put back, 1 left as changed since")


def test_saga_show_says_what_was_asked_and_whether_the_check_passed() -> None:
    # "begin" showed nothing, and "verified" the same whether the check passed or failed.
    begin = {
        "event": "begin", "files": ["a.py"], "verify": "pytest -q",
        "details": {"instruction": "add type hints\nand more", "lines": None},
    }  # fmt: skip
    assert _detail(begin) == "1 file(s); instruction: add type hints; --verify pytest -q"
    assert _detail({"event": "verified", "ok": True, "output": "3 passed"}) == "passed"
    failed = {"event": "verified", "ok": False, "output": "F..\n\n1 failed, 2 passed\n"}
    assert _detail(failed) == "failed: 1 failed, 2 passed"
