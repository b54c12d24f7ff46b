"""`codesaga generate --code` over a scripted daemon answer: what it prints and says."""

from __future__ import annotations

from typing import Any

import pytest

from codesaga.cli.invocation import Invocation
from codesaga.cli.main import main

HEADER = "```c\nint area(int w, int h);\n```"
SOURCE = '```c\n#include "point.h"\nint area(int w, int h) { return w * h; }\n```'


def answered(monkeypatch: pytest.MonkeyPatch, text: str, finish_reason: str = "stop") -> None:
    def run_task(self: Invocation, method: str, params: dict[str, Any], **_: Any) -> dict[str, Any]:
        assert method == "generate"
        return {"request_id": "9f1c2a7b", "text": text, "finish_reason": finish_reason}

    monkeypatch.setattr(Invocation, "run_task", run_task)


def test_code_says_which_blocks_it_left_out(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The header and the source came in two blocks; only the source was printed, and
    # nothing said the header was gone.
    answered(monkeypatch, f"The header:\n{HEADER}\nThe source:\n{SOURCE}\n")
    main(["generate", "point.h and point.c", "--code"])
    out, err = capsys.readouterr()
    assert out == SOURCE.split("\n", 1)[1].removesuffix("```")
    assert "2 code blocks" in err and "codesaga requests show 9f1c2a7b" in err


def test_code_of_an_answer_cut_off_is_not_printed(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answered(monkeypatch, '```python\ndef parse(text):\n    """Parse an ISO', "length")
    with pytest.raises(SystemExit) as exited:
        main(["generate", "a date parser", "--code"])
    out, err = capsys.readouterr()
    assert exited.value.code == 3 and out == ""
    assert "the answer was cut off (at max_tokens" in err


def test_code_cut_off_in_the_prose_after_it_is_printed_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Refused as "incomplete" though its one block was closed: only the prose after it
    # was cut off.
    answered(monkeypatch, f"{SOURCE}\nThis defines area, which multiplies its", "length")
    main(["generate", "point.c", "--code"])
    out, err = capsys.readouterr()
    assert out == SOURCE.split("\n", 1)[1].removesuffix("```")
    assert "cut off after its code" in err
    # Cut off inside a later block: the closed one before it is not what was asked.
    answered(monkeypatch, f"First:\n```bash\npip install x\n```\nThen:\n{SOURCE[:30]}", "length")
    with pytest.raises(SystemExit) as exited:
        main(["generate", "point.c", "--code"])
    out, err = capsys.readouterr()
    assert exited.value.code == 3 and out == "" and "the answer was cut off" in err


def test_a_prompt_of_dash_is_read_from_stdin(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import io

    asked: list[str] = []

    def run_task(self: Invocation, method: str, params: dict[str, Any], **_: Any) -> Any:
        asked.append(params["prompt"])
        return {"request_id": "9f1c2a7b", "text": SOURCE, "finish_reason": "stop"}

    monkeypatch.setattr(Invocation, "run_task", run_task)
    monkeypatch.setattr("sys.stdin", io.StringIO("a C function area(w, h)\nwith ints\n"))
    main(["generate", "-", "--code"])
    assert asked == ["a C function area(w, h)\nwith ints\n"]


def test_ctrl_c_mid_line_ends_the_line_before_saying_interrupted(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # "codesaga: error: interrupted" was written at the end of the answer's last line.
    def run_task(self: Invocation, method: str, params: dict[str, Any], **kw: Any) -> Any:
        kw["on_delta"]("def area(w, h):\n    return w *")
        raise KeyboardInterrupt

    monkeypatch.setattr(Invocation, "run_task", run_task)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    with pytest.raises(SystemExit) as exited:
        main(["generate", "area"])
    out, err = capsys.readouterr()
    assert exited.value.code == 130
    assert out == "def area(w, h):\n    return w *\n" and "interrupted" in err
