"""The code tasks over the scripted fake engine: what the user sees and what lands on disk."""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import pytest

from codesaga.bootstrap import build_assistant
from codesaga.domain.enums import RequestStatus, RequestType, Role
from codesaga.domain.errors import (
    CancelledError,
    ContextTooLongError,
    InputError,
    ModelError,
    ModelNotInstalledError,
    UnusableAnswerError,
)
from codesaga.domain.fim import QWEN
from codesaga.engine.fake import FakeEngine
from codesaga.engine.port import CancelToken, GenerationRequest, Infill
from codesaga.model_files.presets import PRESETS
from codesaga.service.engine_pool import ResolvedModel
from codesaga.service.runner import RunOptions
from codesaga.service.tasks import Assistant
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf

ORIGINAL = "def add(a, b):\n    result = a + b\n    return result\n\n\nprint(add(1, 2))\n"
REWRITE = "def add(a: int, b: int) -> int:\n    return a + b\n\n\nprint(add(1, 2))\n"


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(n_ctx=4096)


@pytest.fixture
def models_dir(codesaga_home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Both default presets 'installed' as tiny files (the fake engine never reads them)."""
    # the tiny files are not the presets' sizes; make resolution accept them unverified
    unsized = {name: dataclasses.replace(p, size=None) for name, p in PRESETS.items()}
    monkeypatch.setattr("codesaga.service.engine_pool.PRESETS", unsized)
    root = codesaga_home / "models"
    root.mkdir(parents=True)
    for name in ("qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"):
        write_gguf(root / PRESETS[name].filename)
    return root


def assistant_with(engine: FakeEngine, models_dir: Path, **env: str) -> Assistant:
    settings = load_settings(
        {"CODESAGA_HOME": str(models_dir.parent), "CODESAGA_MODELS_DIR": str(models_dir), **env}
    )
    return build_assistant(settings, engine_factory=lambda resolved: engine)


@pytest.fixture
def assistant(engine: FakeEngine, models_dir: Path) -> Assistant:
    return assistant_with(engine, models_dir)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    path = tmp_path / "src" / "calc.py"
    path.write_text(ORIGINAL)
    return path


def test_refactor_shows_a_diff_and_writes_nothing(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    engine.enqueue(f"Here you go:\n```python\n{REWRITE}```\nDone.")
    result = assistant.refactor(source, instruction="add type hints")
    assert "+def add(a: int, b: int) -> int:" in (result.diff or "")
    assert result.text == REWRITE
    assert not result.applied
    assert source.read_text() == ORIGINAL
    prompt = engine.history[0].messages[-1].content
    assert "add type hints" in prompt and ORIGINAL in prompt


def test_refactor_apply_writes_atomically_and_keeps_mode(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    source.chmod(0o640)
    engine.enqueue(f"```python\n{REWRITE}```")
    result = assistant.refactor(source, apply=True)
    assert result.applied
    assert source.read_text() == REWRITE
    assert source.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in source.parent.iterdir()] == ["calc.py"]  # no temp files left


def test_refactor_apply_through_a_symlink_writes_its_target_and_keeps_the_link(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    # The rename of the temp file went over the link: the link became a copy and the file
    # it pointed at was never changed.
    link = source.parent / "link.py"
    link.symlink_to(source.name)
    engine.enqueue(f"```python\n{REWRITE}```")
    assert assistant.refactor(link, apply=True).applied
    assert link.is_symlink() and source.read_text() == REWRITE
    assert sorted(p.name for p in source.parent.iterdir()) == ["calc.py", "link.py"]


def test_refactor_apply_keeps_a_bom(assistant: Assistant, engine: FakeEngine, source: Path) -> None:
    source.write_bytes(b"\xef\xbb\xbf" + ORIGINAL.replace("\n", "\r\n").encode())
    engine.enqueue(f"```python\n{REWRITE}```")
    assert assistant.refactor(source, apply=True).applied
    assert source.read_bytes() == b"\xef\xbb\xbf" + REWRITE.replace("\n", "\r\n").encode()


def test_refactor_lines_replaces_only_the_selection(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    engine.enqueue("```python\nreturn a + b\n```")  # the model dropped the indentation
    result = assistant.refactor(source, lines="2:3", apply=True)
    assert source.read_text() == "def add(a, b):\n    return a + b\n\n\nprint(add(1, 2))\n"
    assert result.diff is not None and "-    result = a + b" in result.diff
    assert "lines 2-3" in engine.history[0].messages[-1].content


def test_refactor_lines_answered_with_the_whole_file_takes_its_part(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    # The model echoed the whole file: spliced into lines 2-3 it put the file's other lines
    # there twice, and the result parsed and kept its names, so it was written.
    whole = ORIGINAL.replace("    result = a + b\n    return result\n", "    return a + b\n")
    engine.enqueue(f"```python\n{whole}```")
    assistant.refactor(source, lines="2:3", apply=True)
    assert source.read_text() == whole
    engine.enqueue(f"```python\n{whole.rstrip()}\n```")  # without its last line's end
    source.write_text(ORIGINAL)
    assistant.refactor(source, lines="2:3", apply=True)
    assert source.read_text() == whole


def test_refactor_lines_answered_with_the_file_rewritten_is_retried_then_refused(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    # Line 4 is blank; the model answered with the whole file refactored (no echo of the text
    # around the line, so no part of it could be taken): spliced in, the file defined add()
    # twice, still parsed, and was written.
    for _ in range(5):
        engine.enqueue(f"```python\n{REWRITE}```")
    with pytest.raises(UnusableAnswerError, match="would define add twice"):
        assistant.refactor(source, lines="4:4", apply=True)
    assert source.read_text() == ORIGINAL
    assert "defines add again" in engine.history[1].messages[-1].content


def test_an_answer_that_defines_a_function_again_is_refused_though_it_also_lost_one(
    assistant: Assistant, engine: FakeEngine, tmp_path: Path
) -> None:
    # The lost name was checked first and ended the judging, so the repeat went unseen: the
    # answer was written as one that only lost a name, the class and tax() defined twice.
    shop = tmp_path / "shop.py"
    original = (
        "class Cart:\n    items = []\n\n\n"
        "def discount(total):\n    return total * 0.9\n\n\n"
        "def tax(total):\n    return total * 0.2\n"
    )
    shop.write_text(original)
    echoed = "class Cart:\n    items = []\n\n\ndef tax(total):\n    return total * 0.2\n"
    for _ in range(5):
        engine.enqueue(f"```python\n{echoed}```")
    # (Its last lines echo tax() as the file goes on after the selection: they are dropped.)
    with pytest.raises(UnusableAnswerError, match="would define Cart twice"):
        assistant.refactor(shop, lines="5:6", apply=True)
    assert shop.read_text() == original


def test_refactor_lines_answered_with_the_file_rewritten_then_with_the_lines_writes_them(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    engine.enqueue(f"```python\n{REWRITE}```")
    engine.enqueue("```python\n# the sum of two numbers\n```")
    assistant.refactor(source, lines="4:4", apply=True)
    comment = "    return result\n# the sum of two numbers\n\n"
    assert source.read_text() == ORIGINAL.replace("    return result\n\n\n", comment)
    assert len(engine.history) == 2


def test_refactor_of_a_functions_first_line_answered_with_the_whole_function_writes_it_once(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    # --lines 1 on `def add(a, b):` was answered with the whole function, its body as it
    # was: spliced in, the body stood twice, parsed and kept every name, and was written.
    body = "    result = a + b\n    return result\n"
    engine.enqueue(f"```python\ndef add(a: int, b: int) -> int:\n{body}```")
    assistant.refactor(source, lines="1:1", apply=True)
    assert source.read_text() == ORIGINAL.replace("def add(a, b):", REWRITE.splitlines()[0])


def test_refactor_of_a_functions_first_line_that_rewrote_its_body_is_retried_then_refused(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    # The answer's body was new, so the old body stayed behind its return, never to run.
    for _ in range(5):
        engine.enqueue("```python\ndef add(a: int, b: int) -> int:\n    return a + b\n```")
    with pytest.raises(UnusableAnswerError, match="returns before the lines that follow"):
        assistant.refactor(source, lines="1:1", apply=True)
    assert source.read_text() == ORIGINAL
    assert "would never run (the next is `result = a + b`)" in (
        engine.history[1].messages[-1].content
    )


def test_refactor_lines_count_lines_as_editors_do(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    # A form feed (a `^L` page break) or U+2028 broke a line for str.splitlines: the
    # selection fell a line early.
    source.write_text("def a():\n    return 1\n\x0c\ndef b():  # \u2028\n    return 2\n")
    engine.enqueue("```python\ndef b():  # \u2028\n    return 3\n```")
    assistant.refactor(source, lines="4:5", apply=True)
    assert source.read_text() == "def a():\n    return 1\n\x0c\ndef b():  # \u2028\n    return 3\n"
    assert "lines 4-5" in engine.history[-1].messages[-1].content


def test_refactor_of_a_crlf_files_last_line_keeps_crlf_in_its_new_lines(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    # The last line has no line end, so the selection held no CRLF: the answer's new lines
    # went in with LF inside a CRLF file.
    source.write_bytes(b"def f():\r\n    return 1\r\nvalue = f()")
    engine.enqueue("```python\nvalue = f()\nprint(value)\n```")
    assistant.refactor(source, lines="3:3", apply=True)
    assert source.read_bytes() == b"def f():\r\n    return 1\r\nvalue = f()\r\nprint(value)"


def test_refactor_of_an_editor_buffer_reads_and_writes_no_file(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    unsaved = ORIGINAL.replace("result = a + b", "result = b + a")
    engine.enqueue(f"```python\n{REWRITE}```")
    result = assistant.refactor(source, content=unsaved, label="calc.py")
    assert "result = b + a" in engine.history[0].messages[-1].content  # the buffer, not the file
    assert result.text == REWRITE and "-    result = b + a" in (result.diff or "")
    assert source.read_text() == ORIGINAL
    with pytest.raises(InputError, match="apply the returned text yourself"):
        assistant.refactor(None, content=unsaved, label="calc.py", apply=True)
    with pytest.raises(InputError, match="NUL"):
        assistant.fix(None, "E1", content="x = 1\x00", label="calc.py")
    assert len(engine.history) == 1


def test_invalid_python_is_not_written(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    engine.enqueue("```python\ndef add(a, b:\n    return a +\n```")
    with pytest.raises(ModelError, match="not valid Python"):
        assistant.refactor(source, apply=True, attempts=1)
    assert source.read_text() == ORIGINAL


def test_invalid_javascript_is_not_written_either(
    assistant: Assistant, engine: FakeEngine, tmp_path: Path
) -> None:
    js = tmp_path / "add.js"
    js.write_text("function add(a, b) { return a + b; }\n")
    engine.enqueue("```javascript\nfunction add(a, b { return a + b; \n```")
    with pytest.raises(ModelError, match=r"not valid JavaScript \(line 1"):
        assistant.refactor(js, apply=True, attempts=1)
    assert js.read_text() == "function add(a, b) { return a + b; }\n"
    engine.enqueue("```javascript\nconst add = (a, b) => a + b;\n```")
    assert assistant.refactor(js, apply=True).applied


def test_cut_off_answer_is_not_written(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    engine.enqueue(["```python\n"] + ["x = 1\n"] * 5000)
    with pytest.raises(ModelError, match="cut off"):
        assistant.refactor(source, apply=True)
    assert source.read_text() == ORIGINAL


def test_edit_during_generation_wins(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    class EditingEngine(FakeEngine):
        def stream(self, request, cancel=None):  # type: ignore[no-untyped-def]
            source.write_text("# the user's edit\n" + ORIGINAL)
            yield from super().stream(request, cancel)

    editing = EditingEngine(n_ctx=4096)
    editing.enqueue(f"```python\n{REWRITE}```")
    assistant.runner.local.pool._factory = lambda resolved: editing  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="changed while CodeSaga was working"):
        assistant.refactor(source, apply=True)
    assert source.read_text().startswith("# the user's edit")


def test_unchanged_answer_is_reported(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    engine.enqueue(f"```python\n{ORIGINAL}```")
    result = assistant.refactor(source, apply=True)
    assert result.diff == "" and not result.applied
    assert "unchanged" in result.warnings[0]


def test_fix_sends_the_error(assistant: Assistant, engine: FakeEngine, source: Path) -> None:
    engine.enqueue(f"```python\n{REWRITE}```")
    assistant.fix(source, "TypeError: unsupported operand")
    assert "TypeError: unsupported operand" in engine.history[0].messages[-1].content
    with pytest.raises(InputError, match="error text is empty"):
        assistant.fix(source, "  \n")


def test_bad_inputs_never_reach_the_model(
    assistant: Assistant, engine: FakeEngine, tmp_path: Path, source: Path
) -> None:
    binary = tmp_path / "blob.py"
    binary.write_bytes(b"\x00\x01\x02")
    cases = [
        (lambda: assistant.refactor(tmp_path / "missing.py"), "no such file"),
        (lambda: assistant.refactor(tmp_path), "is a directory"),
        (lambda: assistant.refactor(binary), "binary"),
        (lambda: assistant.refactor(source, lines="5:99"), "out of range"),
        (lambda: assistant.refactor(source, instruction=" "), "--instruction is empty"),
        (lambda: assistant.generate("   "), "prompt is empty"),
    ]
    for call, message in cases:
        with pytest.raises(InputError, match=message):
            call()
    assert engine.history == []


def test_prompt_longer_than_the_context(
    engine: FakeEngine, models_dir: Path, tmp_path: Path, assistant: Assistant
) -> None:
    engine.info = dataclasses.replace(engine.info, n_ctx=256)
    big = tmp_path / "big.py"
    big.write_text("x = 1\n" * 400)
    with pytest.raises(ContextTooLongError, match="holds 256"):
        assistant.refactor(big)
    assert big.read_text() == "x = 1\n" * 400


def test_generate_streams(assistant: Assistant, engine: FakeEngine) -> None:
    engine.enqueue("```python\nprint('hi')\n```")
    seen: list[str] = []
    result = assistant.generate("say hi", "python", RunOptions(on_delta=seen.append))
    assert "".join(seen) == result.text == "```python\nprint('hi')\n```"
    assert "Use python." in engine.history[0].messages[-1].content


def test_a_running_request_is_journaled_with_its_model(
    assistant: Assistant, engine: FakeEngine
) -> None:
    # What a process that dies mid-answer leaves: the record as it was saved at the start.
    # It had no model, so `requests` and `stats` showed a killed request under none.
    engine.enqueue(["print(", "'hi')"])
    while_running: list[str | None] = []

    def look(_: str) -> None:
        (running,) = assistant.journal.query(status=RequestStatus.PROCESSING)
        while_running.append(running.model)

    result = assistant.generate("say hi", run=RunOptions(on_delta=look))
    assert while_running and set(while_running) == {result.model} and result.model


def test_a_generated_answer_cut_off_says_whether_max_tokens_or_the_context_cut_it(
    engine: FakeEngine, models_dir: Path
) -> None:
    assistant = assistant_with(engine, models_dir, CODESAGA_MAX_TOKENS="6")
    engine.enqueue(["w "] * 40)
    assert "raise max_tokens" in assistant.generate("say hi").warnings[0]
    engine.info = dataclasses.replace(engine.info, n_ctx=110)  # the prompt takes a third
    engine.enqueue(["w "] * 100)
    said = assistant_with(engine, models_dir, CODESAGA_MAX_TOKENS="200").generate("say hi")
    assert said.finished is not None and said.finished.reason == "length"
    assert (
        "the model's context was full" in said.warnings[0] and "CODESAGA_N_CTX" in said.warnings[0]
    )
    engine.enqueue("print('hi')")
    assert assistant.generate("say hi").warnings == []


def test_complete_builds_a_fim_prompt_and_trims(
    assistant: Assistant, engine: FakeEngine, tmp_path: Path
) -> None:
    path = tmp_path / "fib.py"
    path.write_text("def fib(n):\n    \n\nprint(fib(10))\n")
    engine.enqueue(
        "if n < 2:\n        return n\n    return fib(n-1) + fib(n-2)\n\nprint(fib(10))\n"
    )
    result = assistant.complete(path, 2, 5)
    assert result.text == "if n < 2:\n        return n\n    return fib(n-1) + fib(n-2)"
    prompt = engine.history[0].prompt or ""
    assert prompt == (
        "<|fim_prefix|>def fib(n):\n    <|fim_suffix|>\n\nprint(fib(10))\n<|fim_middle|>"
    )


def test_missing_default_model_falls_back_with_a_warning(
    engine: FakeEngine, models_dir: Path, source: Path
) -> None:
    (models_dir / PRESETS["qwen2.5-coder-1.5b"].filename).unlink()
    seen: list[ResolvedModel] = []

    def factory(resolved: ResolvedModel) -> FakeEngine:
        seen.append(resolved)
        return engine

    settings = load_settings(
        {"CODESAGA_HOME": str(models_dir.parent), "CODESAGA_MODELS_DIR": str(models_dir)}
    )
    assistant = build_assistant(settings, engine_factory=factory)
    engine.enqueue("```python\nprint(1)\n```")
    result = assistant.generate("x")
    assert result.model == "qwen2.5-coder-0.5b"
    assert "codesaga models pull qwen2.5-coder-1.5b" in result.warnings[0]


def test_missing_explicit_model_says_how_to_install(engine: FakeEngine, models_dir: Path) -> None:
    assistant = assistant_with(engine, models_dir, CODESAGA_MODEL_GENERATE="bllossom-8b")
    with pytest.raises(ModelNotInstalledError, match="run: codesaga models pull bllossom-8b"):
        assistant.generate("x")


def test_journal_follows_each_request_to_its_end(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    engine.enqueue(f"```python\n{REWRITE}```")
    done = assistant.refactor(source)
    engine.enqueue("```python\ndef broken(:\n```")
    with pytest.raises(ModelError):
        assistant.refactor(source, attempts=1)
    engine.delay = 0.01
    engine.enqueue("tok " * 100)
    token = CancelToken()
    threading.Timer(0.1, token.cancel).start()
    with pytest.raises(CancelledError):
        assistant.generate("go on", run=RunOptions(cancel=token))
    by_status = {r.status: r for r in assistant.journal.query()}
    assert by_status[RequestStatus.COMPLETED].id == done.request_id
    assert by_status[RequestStatus.COMPLETED].output == REWRITE
    assert by_status[RequestStatus.COMPLETED].timings.completion_tokens > 0
    assert "not valid Python" in (by_status[RequestStatus.FAILED].error or "")
    cancelled = by_status[RequestStatus.CANCELLED]
    assert cancelled.type == RequestType.GENERATE and cancelled.finished_at
    assert 0 < cancelled.timings.completion_tokens < 100


def test_response_cache_answers_without_the_engine(
    engine: FakeEngine, models_dir: Path, tmp_path: Path
) -> None:
    from codesaga.bootstrap import build_pool
    from codesaga.service.cache import CachedRunner
    from codesaga.service.journal import MemoryJournal
    from codesaga.service.runner import DirectRunner
    from codesaga.service.stores import DiskStore

    settings = load_settings(
        {"CODESAGA_HOME": str(models_dir.parent), "CODESAGA_MODELS_DIR": str(models_dir)}
    )
    pool = build_pool(settings, lambda resolved: engine)
    store = DiskStore(tmp_path / "cache")
    assistant = Assistant(
        settings, CachedRunner(DirectRunner(pool), pool.resolver, store), MemoryJournal()
    )
    engine.enqueue("```python\nprint('hi')\n```")
    first = assistant.generate("say hi")
    second = assistant.generate("say hi")
    assert second.text == first.text and second.cached and not first.cached
    assert len(engine.history) == 1
    assert assistant.journal.get(second.request_id).cached  # type: ignore[union-attr]
    store.close()


def test_the_same_prompt_read_with_other_marks_is_another_cache_key(
    engine: FakeEngine, models_dir: Path
) -> None:
    # A raw prompt read as given and a laid-out one of the same text are other prompts to the
    # model where the text spells a mark: one's answer is not the other's.
    from codesaga.bootstrap import build_pool
    from codesaga.service.cache import cache_key

    settings = load_settings(
        {"CODESAGA_HOME": str(models_dir.parent), "CODESAGA_MODELS_DIR": str(models_dir)}
    )
    resolved = build_pool(settings, lambda resolved: engine).resolver.resolve(Role.COMPLETION)
    built = QWEN.build("x = '<|fim_suffix|>'", "")
    as_given = GenerationRequest(prompt=built.text, marks=None)
    laid_out = GenerationRequest(prompt=built.text, marks=built.marks)
    assert cache_key(resolved, as_given) != cache_key(resolved, laid_out)
    assert cache_key(resolved, laid_out) == cache_key(resolved, dataclasses.replace(laid_out))


def test_an_answer_cut_off_is_not_kept_in_the_response_cache(
    engine: FakeEngine, models_dir: Path, tmp_path: Path
) -> None:
    # Cut off by the context's size, it came back from the cache after n_ctx was raised.
    from codesaga.bootstrap import build_pool
    from codesaga.service.cache import CachedRunner
    from codesaga.service.journal import MemoryJournal
    from codesaga.service.runner import DirectRunner
    from codesaga.service.stores import DiskStore

    settings = load_settings(
        {
            "CODESAGA_HOME": str(models_dir.parent),
            "CODESAGA_MODELS_DIR": str(models_dir),
            "CODESAGA_MAX_TOKENS": "4",
        }
    )
    pool = build_pool(settings, lambda resolved: engine)
    store = DiskStore(tmp_path / "cache")
    runner = CachedRunner(DirectRunner(pool), pool.resolver, store)
    assistant = Assistant(settings, runner, MemoryJournal())
    for _ in range(2):
        engine.enqueue("one two three four five six seven")
        cut = assistant.generate("count")
        assert cut.finished is not None and cut.finished.reason == "length" and not cut.cached
    assert len(engine.history) == 2
    store.close()


def test_a_rewrite_that_drops_a_name_says_so(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    renamed = REWRITE.replace("add", "plus")
    engine.enqueue(f"```python\n{renamed}```")
    result = assistant.refactor(source, attempts=1)
    assert result.warnings == [
        "the rewrite no longer defines add (renamed or removed): code that uses it elsewhere "
        "may break"
    ]
    engine.enqueue(f"```python\n{REWRITE}```")  # the same names, new hints: nothing to say
    assert assistant.refactor(source).warnings == []


def test_refactoring_code_that_does_not_parse_says_so(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    source.write_text("def add(a, b):\n    return a +\n")
    engine.enqueue("```python\ndef plus(a, b):\n    return a + b\n```")
    warnings = assistant.refactor(source).warnings
    assert len(warnings) == 1
    assert "calc.py does not parse as Python (line 2)" in warnings[0]
    assert "codesaga fix" in warnings[0]
    source.write_text("def add(a, b):\n    return a + b\n")
    engine.enqueue("```python\ndef add(a, b):\n    return b + a\n```")
    assert assistant.refactor(source).warnings == []  # working code: nothing to say


def test_the_default_instruction_lists_the_names_to_keep(
    assistant: Assistant, engine: FakeEngine, source: Path
) -> None:
    engine.enqueue(f"```python\n{REWRITE}```")
    assistant.refactor(source)
    assert "with the same names for add." in engine.history[-1].messages[-1].content
    engine.enqueue(f"```python\n{REWRITE}```")
    assistant.refactor(source, instruction="add type hints")  # the user's own words: no list
    assert "same names" not in engine.history[-1].messages[-1].content


def test_an_api_completion_with_a_suffix_fills_in_the_middle(
    assistant: Assistant, engine: FakeEngine
) -> None:
    # The OpenAI API's `suffix` (what FIM clients send): it was dropped, and the model went
    # on from the prompt as if the file ended there.
    engine.enqueue("a + b")
    before, after = "def add(a, b):\n    return ", "\n\nprint(add(1, 2))\n"
    result = assistant.passthrough(prompt=before, suffix=after, stop=["\n\n"])
    asked = engine.history[0]
    built = QWEN.build(before, after)
    assert (asked.prompt, asked.marks) == (built.text, built.marks)  # the code is text
    raw = assistant.passthrough(prompt="<|fim_prefix|>x", max_tokens=4)
    assert engine.history[-1].marks is None  # a raw prompt's own marks are read as marks
    assert raw.text is not None
    assert asked.infill == Infill(before, after)  # llama-server upstreams get /infill
    assert "\n\n" in asked.stop and "<|fim_middle|>" in asked.stop
    assert result.text == "a + b"
    assert assistant.journal.get(result.request_id).input["suffix"] == after  # type: ignore[union-attr]


def test_an_api_suffix_for_a_model_without_fill_in_the_middle_is_a_clear_error(
    models_dir: Path,
) -> None:
    engine = FakeEngine(fim=None)
    assistant = assistant_with(engine, models_dir)
    with pytest.raises(InputError, match="no fill-in-the-middle tokens"):
        assistant.passthrough(prompt="x = ", suffix="\n")
    assert not engine.history
    engine.enqueue("1")
    assert assistant.passthrough(prompt="x = ").text == "1"  # without a suffix: as before
