"""Prompts that work: realistic refactor and fix cases with the default 1.5B model.

A refactor must change the code, keep it parseable and (where we can run it) keep its
output; a fix must make the failing snippet pass.
"""

from __future__ import annotations

import ast
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from codesaga.bootstrap import build_assistant
from codesaga.service.tasks import Assistant
from codesaga.settings import load_settings
from tests.conftest import LARGE, REAL_MODELS_DIR

DATA = Path(__file__).parent.parent / "data"
REFACTOR_CASES = json.loads((DATA / "refactor" / "cases.json").read_text())
FIX_CASES = sorted((DATA / "fix").glob("*.py"))

pytestmark = pytest.mark.model_large


@pytest.fixture(scope="module")
def assistant(large_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    home = tmp_path_factory.mktemp("home")
    settings = load_settings(
        {"CODESAGA_HOME": str(home), "CODESAGA_MODELS_DIR": str(REAL_MODELS_DIR)}
    )
    built = build_assistant(settings)
    yield built
    built.runner.close()


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)


def balanced(code: str) -> bool:
    pairs = {")": "(", "]": "[", "}": "{"}
    stack: list[str] = []
    for ch in code:
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs and (not stack or stack.pop() != pairs[ch]):
            return False
    return not stack


@pytest.mark.parametrize("case", REFACTOR_CASES, ids=[Path(c["file"]).name for c in REFACTOR_CASES])
def test_refactor_changes_code_and_keeps_it_working(
    assistant: Assistant, tmp_path: Path, case: dict[str, str | None]
) -> None:
    original_path = (DATA / "refactor" / str(case["file"])).resolve()
    src = tmp_path / original_path.name
    shutil.copyfile(original_path, src)
    original = src.read_text()
    interpreter = {".py": [sys.executable], ".js": [shutil.which("node") or ""]}.get(src.suffix)
    runnable = interpreter is not None and interpreter[0] != ""
    expected = run([*interpreter, str(src)]).stdout if runnable else None  # type: ignore[misc]

    # A stable label: the prompt (and so the greedy answer) must not depend on the temp dir.
    result = assistant.refactor(
        src, instruction=case["instruction"], apply=True, label=original_path.name
    )

    assert result.model == LARGE
    assert result.applied and result.diff, "the refactor must change the code"
    assert not result.warnings, result.warnings  # e.g. no function renamed under its callers
    new = src.read_text()
    assert new == result.text != original
    if src.suffix == ".py":
        ast.parse(new)
    assert balanced(new)
    if runnable:
        after = run([*interpreter, str(src)])  # type: ignore[misc]
        assert after.returncode == 0, after.stderr
        assert after.stdout == expected, new


@pytest.mark.parametrize("path", FIX_CASES, ids=[p.name for p in FIX_CASES])
def test_fix_makes_the_failing_snippet_pass(
    assistant: Assistant, tmp_path: Path, path: Path
) -> None:
    src = tmp_path / path.name
    shutil.copyfile(path, src)
    failing = run([sys.executable, str(src)])
    assert failing.returncode != 0

    result = assistant.fix(
        src, failing.stderr.replace(str(tmp_path) + "/", ""), apply=True, label=path.name
    )

    assert result.applied
    fixed = run([sys.executable, str(src)])
    assert fixed.returncode == 0, f"{fixed.stderr}\n{src.read_text()}"
    assert fixed.stdout == "ok\n"
