"""The workspace symbol index (a background thread, bounded) and the definitions each
document's completion prompt shows: built and kept fresh from the disk by watchfiles, never
waited for, and the same between keystrokes of one call."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from codesaga.daemon import context_watch
from codesaga.daemon.context_watch import ContextWatcher
from codesaga.daemon.dispatch import Daemon
from codesaga.daemon.scheduler import Scheduler
from codesaga.domain.completion import CompletionOptions
from codesaga.domain.context import CodeContext
from codesaga.domain.definitions import Definition
from codesaga.engine.fake import FakeEngine
from codesaga.model_files.store import ModelStore
from codesaga.service import symbol_index
from codesaga.service.completer import Completer
from codesaga.service.definitions import Definitions
from codesaga.service.engine_pool import EnginePool, ModelResolver
from codesaga.service.symbol_index import WorkspaceIndex
from codesaga.settings import Settings, load_settings
from tests.ggufgen import write_gguf

GEOMETRY = '''
class Canvas:
    def __init__(self, width: int, height: int) -> None: ...
    def draw(self, shape: "Shape", *, at: tuple[int, int] = (0, 0)) -> None:
        """Draw a shape at a point."""
    def clear(self) -> None: ...


def scale(shape: "Shape", factor: float) -> "Shape":
    """A copy of the shape, scaled."""
'''
APP_BEFORE = (
    "from .geometry import Canvas, scale\n\ndef paint(canvas: Canvas, s):\n    canvas.draw(s, "
)


def wait_for(condition: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "geometry.py").write_text(GEOMETRY)
    (root / "pkg" / "app.py").write_text(APP_BEFORE + ")\n")
    (root / "web").mkdir()
    (root / "web" / "util.ts").write_text("export function clamp(x: number): number { return x }\n")
    (root / "node_modules" / "dep").mkdir(parents=True)  # not the workspace's own code
    (root / "node_modules" / "dep" / "index.js").write_text("function hidden() {}\n")
    (root / ".git").mkdir()
    (root / ".git" / "hook.py").write_text("def hidden(): ...\n")
    (root / "pkg" / "big.py").write_text("def big(): ...\n" + "#" * 300_000)
    (root / "pkg" / "latin1.py").write_bytes(b"def odd(): ...\n# \xe9\n")
    return root


@pytest.fixture
def indexes() -> Iterator[Definitions]:
    definitions = Definitions()
    yield definitions
    definitions.close()


def names(index: WorkspaceIndex) -> set[str]:
    with index.lock:
        return {d.name for path in index.table.paths() for d in index.table.of_file(path)}


def test_the_index_holds_the_workspaces_own_code(repo: Path, indexes: Definitions) -> None:
    index = indexes.index(str(repo))
    assert index is not None
    wait_for(index.ready)
    assert names(index) == {"Canvas", "__init__", "draw", "clear", "scale", "paint", "clamp"}
    stats = index.stats()
    assert (stats["files"], stats["ready"], stats["full"]) == (3, True, False)
    assert indexes.index("default") is None  # a workspace that is not a folder: no index


def test_what_git_ignores_is_not_indexed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Build output, generated code and a virtualenv by another name filled the index (and
    # the prompts) with what is not the workspace's own code.
    import subprocess

    root = tmp_path / "ignoring"
    (root / "gen").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("gen/\n*_pb2.py\n")
    (root / "own.py").write_text("def own(): ...\n")
    (root / "gen" / "made.py").write_text("def made(): ...\n")
    (root / "api_pb2.py").write_text("def generated(): ...\n")
    index = WorkspaceIndex(str(root))
    index.start()
    try:
        wait_for(index.ready)
        assert names(index) == {"own"}
        (root / "gen" / "more.py").write_text("def more(): ...\n")
        index.changed([str(root / "gen" / "more.py"), str(root / "api_pb2.py")])
        wait_for(index.ready)
        assert names(index) == {"own"}
        # Made after the index started (a build's output): git is asked again.
        monkeypatch.setattr(symbol_index, "IGNORED_FRESH", 0.0)
        (root / "new_pb2.py").write_text("def later(): ...\n")
        (root / "also.py").write_text("def also(): ...\n")
        index.changed([str(root / "new_pb2.py"), str(root / "also.py")])
        wait_for(index.ready)
        assert names(index) == {"own", "also"}
    finally:
        index.stop()


def test_the_index_stops_growing_at_its_bound(repo: Path) -> None:
    index = WorkspaceIndex(str(repo), max_files=2)
    index.start()
    try:
        wait_for(index.ready)
        assert len(index.table) == 2 and index.full
    finally:
        index.stop()


def test_past_its_bounds_the_index_never_holds_stale_definitions(repo: Path) -> None:
    index = WorkspaceIndex(str(repo), max_definitions=6)
    index.start()
    try:
        wait_for(index.ready)
        assert "scale" in names(index)
        # geometry.py now defines more than there is room for: it holds nothing, not the
        # signatures it had (they were kept for good)
        geometry = repo / "pkg" / "geometry.py"
        geometry.write_text(
            GEOMETRY.replace("factor: float", "factor: float, k: int")
            + "\n".join(f"def extra_{n}(): ..." for n in range(10))
        )
        index.changed([str(geometry)])
        wait_for(lambda: "scale" not in names(index))
        assert index.full
        # and a file the watcher reports past the bound on files is not indexed
        small = WorkspaceIndex(str(repo), max_files=1)
        small.start()
        wait_for(small.ready)
        (repo / "pkg" / "late.py").write_text("def late(): ...\n")
        small.changed([str(repo / "pkg" / "late.py")])
        wait_for(small.ready)
        assert len(small.table) == 1 and "late" not in names(small)
        small.stop()
    finally:
        index.stop()


def test_private_files_are_not_indexed(repo: Path) -> None:
    index = WorkspaceIndex(str(repo), private=lambda path: path.endswith("geometry.py"))
    index.start()
    try:
        wait_for(index.ready)
        assert "paint" in names(index) and "scale" not in names(index)
    finally:
        index.stop()


@contextlib.contextmanager
def daemons_index(
    tmp_path: Path, repo: Path, **env: str
) -> Iterator[tuple[Daemon, WorkspaceIndex]]:
    """A daemon (a fake engine) and its index of ``repo``, built."""
    from codesaga.bootstrap import build_daemon

    model = str(write_gguf(tmp_path / "m.gguf"))
    settings = load_settings(
        {"CODESAGA_HOME": str(tmp_path / "home"), "CODESAGA_MODEL": model, **env}
    )
    daemon = build_daemon(settings, lambda resolved: FakeEngine())
    try:
        definitions = daemon.assistant.completer.definitions
        assert definitions is not None
        index = definitions.index(str(repo))
        assert index is not None
        wait_for(index.ready)
        yield daemon, index
    finally:
        daemon.close()


def test_private_paths_changed_while_the_daemon_runs_take_effect_in_the_index(
    tmp_path: Path, repo: Path
) -> None:
    # Files indexed before a rule made them private stayed, in other files' prompts, until
    # they changed; files private before stayed out when the rule went.
    import dataclasses

    with daemons_index(tmp_path, repo) as (daemon, index):
        assert "scale" in names(index)
        settings = daemon.settings
        private = dataclasses.replace(settings, private_paths=("pkg/",))
        asyncio.run(daemon.reload_settings(private))  # config.toml changed
        wait_for(lambda: "scale" not in names(index) and "paint" not in names(index))
        assert "clamp" in names(index)
        asyncio.run(daemon.reload_settings(settings))
        wait_for(lambda: "scale" in names(index))


def test_a_python_file_saved_with_a_bom_is_indexed(repo: Path) -> None:
    # Python's parser refused the BOM, so the file was never indexed.
    (repo / "pkg" / "bom.py").write_bytes(b"\xef\xbb\xbfdef with_bom(): ...\n")
    index = WorkspaceIndex(str(repo))
    index.start()
    try:
        wait_for(index.ready)
        assert "with_bom" in names(index)
    finally:
        index.stop()


def test_the_daemon_leaves_private_paths_out_of_the_index(tmp_path: Path, repo: Path) -> None:
    with daemons_index(tmp_path, repo, CODESAGA_PRIVATE_PATHS="geometry.py") as (_, index):
        assert "paint" in names(index) and "scale" not in names(index)


def test_only_source_files_and_folders_are_queued_once_and_pipes_never_opened(
    repo: Path,
) -> None:
    import os

    index = WorkspaceIndex(str(repo))
    log = repo / "pkg" / "db.sqlite3"
    log.write_text("")
    index.changed([str(log)] * 50 + [str(repo / "pkg" / "app.py")] * 3 + [str(repo / "web")])
    assert index.stats()["pending"] == 3  # the root's first walk, app.py once, web once
    pipe = repo / "pkg" / "pipe.py"
    os.mkfifo(pipe)  # opened, it would block the thread for good
    index.start()
    try:
        index.changed([str(pipe)])
        (repo / "pkg" / "after.py").write_text("def after(): ...\n")
        index.changed([str(repo / "pkg" / "after.py")])
        wait_for(lambda: "after" in names(index))
        wait_for(index.ready)
    finally:
        index.stop()


def test_the_index_gives_way_to_completions_without_starving(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(symbol_index, "MAX_QUIET_WAIT", 0.1)
    index = WorkspaceIndex(str(repo))
    typing = threading.Event()

    def type_on() -> None:  # a completion every 20 ms, no pause
        while not typing.is_set():
            index.touch()
            time.sleep(0.02)

    typist = threading.Thread(target=type_on)
    typist.start()
    try:
        index.start()
        started = time.monotonic()
        wait_for(index.ready)
        # Each of the 3 folders and 5 files waited its turn, and was read all the same.
        assert time.monotonic() - started >= 8 * 0.1 * 0.9
        assert len(index.table) == 3
    finally:
        typing.set()
        typist.join()
        index.stop()


def test_a_completion_never_waits_for_the_index(repo: Path) -> None:
    gate = threading.Event()

    def slow(language: str, text: str, path: str) -> list[Definition] | None:
        gate.wait(10)
        return []

    definitions = Definitions(lambda root: WorkspaceIndex(root, extract=slow))
    try:
        started = time.perf_counter()
        path = str(repo / "pkg" / "app.py")
        chunks = definitions.chunks("app", str(repo), path, APP_BEFORE, ")\n", 512)
        assert chunks == () and time.perf_counter() - started < 1.0
    finally:
        gate.set()
        definitions.close()


def first_chunks(
    repo: Path, indexes: Definitions
) -> tuple[WorkspaceIndex, str, tuple[tuple[str, str], ...]]:
    """The repository's index once ready, app.py's path, and the definitions its prompt
    shows first (the cursor in a call of Canvas.draw)."""
    index = indexes.index(str(repo))
    assert index is not None
    wait_for(index.ready)
    path = str(repo / "pkg" / "app.py")
    return index, path, indexes.chunks("app", str(repo), path, APP_BEFORE, ")\n", 512)


def test_definitions_stay_the_same_between_keystrokes_of_one_call(
    repo: Path, indexes: Definitions
) -> None:
    _, path, first = first_chunks(repo, indexes)
    assert first and "def draw(" in first[-1][1] and first[-1][0].endswith("geometry.py")
    # Typing the arguments names other things, but the call is the same: the same chunks.
    for typed in ("a", "at", "at=", "at=(", "at=(1, ", "at=(1, 2"):
        again = indexes.chunks("app", str(repo), path, APP_BEFORE + typed, ")\n", 512)
        assert again == first
    # A new call whose definition is not shown changes them.
    other = APP_BEFORE + "at=(1, 2))\n    clamp("
    changed = indexes.chunks("app", str(repo), path, other, "\n", 512)
    assert changed != first and any("function clamp(" in text for _, text in changed)


def test_a_definition_changed_or_deleted_elsewhere_is_not_shown_as_it_was(
    repo: Path, indexes: Definitions
) -> None:
    index, path, first = first_chunks(repo, indexes)
    assert "def draw(self, shape" in first[-1][1]
    geometry = repo / "pkg" / "geometry.py"
    geometry.write_text(GEOMETRY.replace('shape: "Shape", *,', 'shape: "Shape", color: str, *,'))
    index.changed([str(geometry)])
    wait_for(lambda: index.table.version > 0 and index.ready())
    wait_for(
        lambda: (
            "color: str"
            in "".join(
                t for _, t in indexes.chunks("app", str(repo), path, APP_BEFORE + "a", ")\n", 512)
            )
        )
    )
    geometry.unlink()
    index.changed([str(geometry)])
    wait_for(
        lambda: (
            not any(
                "geometry.py" in p
                for p, _ in indexes.chunks("app", str(repo), path, APP_BEFORE + "at", ")\n", 512)
            )
        )
    )


def test_an_index_is_kept_fresh_by_the_watcher(
    repo: Path, indexes: Definitions, completer: Completer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Index built and updated on file change (watchfiles) in a temporary repository."""
    monkeypatch.setattr(context_watch, "REWATCH_SECONDS", 0.2)
    completer.definitions = indexes
    completer.add_context(str(repo), str(repo / "pkg" / "app.py"), APP_BEFORE, "opened")
    index = indexes.index(str(repo))
    assert index is not None

    async def scenario() -> None:
        watcher = ContextWatcher(completer)
        task = asyncio.create_task(watcher.run())
        try:
            await until(index.ready)
            await until(lambda: str(repo / "pkg") in watcher_folders(indexes))
            await asyncio.sleep(1.5)  # the watch is up (it also re-checks what it adds)
            geometry = repo / "pkg" / "geometry.py"
            geometry.write_text(GEOMETRY + "\ndef rotate(shape, degrees: float): ...\n")
            await until(lambda: "rotate" in names(index))
            (repo / "web" / "util.ts").unlink()
            await until(lambda: "clamp" not in names(index))
            (repo / "lib").mkdir()
            (repo / "lib" / "extra.go").write_text("package lib\nfunc Extra() int { return 1 }\n")
            await until(lambda: "Extra" in names(index))
        finally:
            task.cancel()

    asyncio.run(scenario())


async def until(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


def watcher_folders(definitions: Definitions) -> set[str]:
    return definitions.folders()


# -- in the prompt ----------------------------------------------------------------------


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    model = write_gguf(tmp_path / "m.gguf")
    return load_settings({"CODESAGA_HOME": str(tmp_path), "CODESAGA_MODEL": str(model)})


@pytest.fixture
def engine() -> FakeEngine:
    return FakeEngine(delay=0.0)


@pytest.fixture
def completer(settings: Settings, engine: FakeEngine, tmp_path: Path) -> Iterator[Completer]:
    pool = EnginePool(ModelResolver(settings, ModelStore(tmp_path / "models")), lambda r: engine)
    scheduler = Scheduler(pool)
    made = Completer(settings, scheduler, speculate=False)
    yield made
    made.close()
    scheduler.close()


def test_definitions_lead_the_prompt_before_the_recent_chunks(
    repo: Path, indexes: Definitions, completer: Completer, engine: FakeEngine
) -> None:
    completer.definitions = indexes
    path = str(repo / "pkg" / "app.py")
    completer.add_context(str(repo), str(repo / "web" / "util.ts"), "a\nb\nc\nd\n", "edited")
    index = indexes.index(str(repo))
    assert index is not None
    wait_for(index.ready)
    engine.enqueue("at=(0, 0))")
    ctx = CodeContext.around_cursor(path, APP_BEFORE, ")\n")
    completer.complete(ctx, CompletionOptions(max_lines=1), workspace=str(repo))
    prompt = engine.history[-1].prompt or ""
    definitions = prompt.index("<|file_sep|>pkg/geometry.py\nclass Canvas:")
    recent = prompt.index("<|file_sep|>web/util.ts\na\nb")
    assert 0 == definitions < recent < prompt.index("<|file_sep|>pkg/app.py\n<|fim_prefix|>")
    assert "definitions" in completer.stats()


def test_the_setting_turns_definitions_off(
    repo: Path, indexes: Definitions, settings: Settings, engine: FakeEngine, tmp_path: Path
) -> None:
    import dataclasses

    off = dataclasses.replace(settings, completion_definitions=False)
    pool = EnginePool(ModelResolver(off, ModelStore(tmp_path / "models")), lambda r: engine)
    scheduler = Scheduler(pool)
    completer = Completer(off, scheduler, speculate=False, definitions=indexes)
    try:
        path = str(repo / "pkg" / "app.py")
        completer.add_context(str(repo), path, APP_BEFORE, "opened")
        assert indexes.stats()["indexes"] == []  # not even built
        engine.enqueue("x")
        ctx = CodeContext.around_cursor(path, APP_BEFORE, ")\n")
        completer.complete(ctx, CompletionOptions(max_lines=1), workspace=str(repo))
        assert "geometry.py" not in (engine.history[-1].prompt or "")
    finally:
        completer.close()
        scheduler.close()


def test_the_root_folder_as_a_workspace_covers_its_files() -> None:
    # Its prefix was "//": every change and every opened file was taken for another's.
    index = WorkspaceIndex("/")
    assert index.covers("/home/me/app.py") and index.covers("/")
    assert not index.covers("/home/me/node_modules/dep/index.js")


def test_an_unchanged_file_that_became_private_is_dropped_when_looked_at_again(
    repo: Path,
) -> None:
    # The check of an unchanged file came before the privacy check: a file the index
    # was reading when private_paths changed stayed, though looked at again.
    private: set[str] = set()
    index = WorkspaceIndex(str(repo), private=lambda path: path in private)
    index.start()
    try:
        wait_for(index.ready)
        geometry = str((repo / "pkg" / "geometry.py").resolve())
        assert "scale" in names(index)
        private.add(geometry)
        index.changed([geometry])  # not written since: the same version
        wait_for(lambda: "scale" not in names(index))
    finally:
        index.stop()
