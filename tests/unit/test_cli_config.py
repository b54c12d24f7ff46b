"""`codesaga config show` as a terminal shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rich.console import Console

from codesaga.cli.commands.config import settings_view
from codesaga.settings import Settings, load_settings


def rendered(width: int, settings: Settings | None = None) -> str:
    console = Console(width=width, record=True)
    console.print(settings_view((settings or load_settings()).describe(), width))
    return console.export_text()


def test_an_80_column_terminal_gets_every_key_value_and_meaning_whole() -> None:
    """Before, four columns at 80 cut the environment's names (`CODESAGA_MODEL_CO…`) and
    wrapped the meanings a word or two a line."""
    text = rendered(80)
    assert "…" not in text
    assert all(len(line) <= 80 for line in text.splitlines())
    words = " ".join(text.split())
    letters = "".join(text.split())  # a long path is folded over two lines
    for key, _env, value, doc in load_settings().describe():
        assert f"{key}{value if value is not None else ''}" in letters
        assert " ".join(doc.split()) in words


def test_a_wide_terminal_gets_the_table_with_the_environment_names() -> None:
    text = rendered(160)
    assert text.split()[:4] == ["key", "value", "environment", "meaning"]
    assert "CODESAGA_MODEL_COMPLETION" in text and "…" not in text
    assert "[[upstreams]] tables" in text  # a meaning's brackets are not rich markup


def test_a_password_in_the_upstream_url_is_not_shown() -> None:
    # upstream_key showed as "(set)" and [[upstreams]] URLs without their user:password, but
    # CODESAGA_UPSTREAM_URL=http://bob:hunter2@gpu:8080/v1 was shown whole.
    settings = load_settings({"CODESAGA_UPSTREAM_URL": "http://bob:hunter2@gpu:8080/v1"})
    shown = {key: value for key, _env, value, _doc in settings.describe()}
    assert shown["upstream_url"] == "http://gpu:8080/v1"
    assert "hunter2" not in rendered(160, settings)


def test_with_model_set_the_roles_say_which_model_is_in_force(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # CODESAGA_MODEL=...0.5b listed chat's model as the 1.5B, and chat answered with the 0.5B.
    from codesaga.cli.main import main

    monkeypatch.setenv("CODESAGA_HOME", str(tmp_path))
    monkeypatch.setenv("CODESAGA_MODEL", "qwen2.5-coder-0.5b")
    main(["config", "show"])
    shown = " ".join(capsys.readouterr().out.split())
    assert "model_chat qwen2.5-coder-0.5b (from model; qwen2.5-coder-1.5b without it)" in shown
    main(["config", "show", "--json"])  # for machines: the keys' own values
    assert json.loads(capsys.readouterr().out)["settings"]["model_chat"] == "qwen2.5-coder-1.5b"


def test_a_misspelled_variable_is_warned_of_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from codesaga.cli.main import main

    monkeypatch.setenv("CODESAGA_HOME", str(tmp_path))
    monkeypatch.setenv("CODESAGA_N_CXT", "8192")
    main(["config", "show"])
    err = capsys.readouterr().err
    assert err.count("CODESAGA_N_CXT is no setting and sets nothing") == 1
    assert "did you mean CODESAGA_N_CTX?" in err
