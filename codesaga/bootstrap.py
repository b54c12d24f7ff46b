"""The one factory that wires CodeSaga's object graph from settings.

The CLI, the daemon, the tests and the benchmarks all build through here; tests pass a
fake engine factory instead of loading llama.cpp.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from codesaga.engine.port import Engine
from codesaga.model_files.gguf import read_gguf
from codesaga.model_files.store import ModelStore
from codesaga.service.completer import Completer
from codesaga.service.confidence_gate import ConfidenceGate
from codesaga.service.engine_pool import EngineFactory, EnginePool, ModelResolver, ResolvedModel
from codesaga.service.journal import Journal, MemoryJournal
from codesaga.service.routing import Router, Upstreams
from codesaga.service.runner import DirectRunner, ModelRunner
from codesaga.service.tasks import Assistant
from codesaga.settings import Live, Settings, load_settings

if TYPE_CHECKING:
    from codesaga.daemon.dispatch import Daemon
    from codesaga.service.next_edit import CandidateFinder


def llama_cpp_factory(settings: Settings) -> EngineFactory:
    """Local models through llama.cpp. A model whose sha256 was not checked has its header
    read first: a corrupt or truncated file fails with a clear error before llama.cpp maps
    it (llama.cpp's own failure says little and may take the process with it)."""

    def load(resolved: ResolvedModel) -> Engine:
        from codesaga.engine.llama_cpp import LlamaCppEngine

        if not resolved.verified:
            read_gguf(resolved.path)
        return LlamaCppEngine(
            resolved.path,
            name=resolved.name,
            n_ctx=settings.n_ctx,
            n_threads=settings.threads,
            n_batch=settings.n_batch,
            state_cache_mib=settings.state_cache_mib,
        )

    return load


def upstreams(settings: Settings | Live) -> Upstreams:
    """The shared inference servers, reached through the OpenAI-compatible HTTP adapter."""
    from codesaga.engine.remote import RemoteEngine

    return Upstreams(settings, RemoteEngine)


def build_pool(
    settings: Settings | Live, engine_factory: EngineFactory | None = None
) -> EnginePool:
    fixed = settings.current if isinstance(settings, Live) else settings  # read at start
    resolver = ModelResolver(settings, ModelStore(fixed.models_dir))
    return EnginePool(resolver, engine_factory or llama_cpp_factory(fixed))


def build_assistant(
    settings: Settings | None = None,
    engine_factory: EngineFactory | None = None,
    *,
    runner: ModelRunner | None = None,
    journal: Journal | None = None,
) -> Assistant:
    """An assistant that runs models in this process (the daemon passes its scheduler)."""
    settings = settings or load_settings()
    if runner is None:
        runner = Router(DirectRunner(build_pool(settings, engine_factory)), upstreams(settings))
    return Assistant(settings, runner, journal or MemoryJournal())


def build_daemon(
    settings: Settings,
    engine_factory: EngineFactory | None = None,
    *,
    next_edit_finder: CandidateFinder | None = None,
) -> Daemon:
    """The daemon's graph: scheduler, response cache, disk journal and feedback store, all
    sharing one holder of the settings in force (a reload replaces them there). Tests pass
    a scripted engine factory, and a scripted finder of next-edit places."""
    from codesaga.daemon.context_watch import ContextWatcher
    from codesaga.daemon.dispatch import Daemon
    from codesaga.daemon.scheduler import Scheduler
    from codesaga.service.cache import CachedRunner
    from codesaga.service.definitions import Definitions
    from codesaga.service.journal import DiskJournal
    from codesaga.service.next_edit import NextEdits, read_documents
    from codesaga.service.next_edit_find import find_candidates
    from codesaga.service.next_edit_stats import NextEditStats
    from codesaga.service.sessions import Chats, DiskSessionStore
    from codesaga.service.stores import DiskStore
    from codesaga.service.symbol_index import WorkspaceIndex

    shared = Live(settings)
    pool = build_pool(shared, engine_factory)
    scheduler = Scheduler(pool, max_queue=settings.max_queue)
    local: ModelRunner = scheduler
    if settings.cache_responses:  # local answers only: an upstream's model may change
        local = CachedRunner(
            scheduler, pool.resolver, DiskStore(settings.cache_dir / "responses", disposable=True)
        )
    router = Router(local, upstreams(shared))
    journal = DiskJournal(settings.state_dir / "journal")
    feedback = DiskStore(settings.state_dir / "feedback", disposable=True)
    # Completions skip the disk response cache: the completer keeps its own, in memory.
    # The definitions of the workspaces' files come from indexes built in the background;
    # the confidence gate keeps its thresholds with the feedback they learn from.
    gate = ConfidenceGate(shared, feedback)
    completer = Completer(
        shared, router.sharing(scheduler), speculate=True, gate=gate,
        definitions=Definitions(
            lambda root: WorkspaceIndex(
                root, private=lambda path: shared.current.privacy.match(path) is not None
            )
        ),
    )  # fmt: skip
    assistant = Assistant(shared, router, journal, completer)
    chats = Chats(assistant, router, DiskSessionStore(settings.data_dir / "sessions"))
    watcher = ContextWatcher(completer)

    # Next edits use the completion model as the completer does, and count what became of
    # their suggestions with the feedback.
    # A rename reaches into the other files the editor has open (those in the workspace's
    # context ring), read from disk.
    def open_documents(workspace: str | None, path: str) -> dict[str, str]:
        paths = completer.recent_paths(workspace)
        return read_documents(paths, path, shared.current.max_file_bytes)

    next_edits = NextEdits(
        shared, completer.runner, journal, NextEditStats(feedback),
        find=next_edit_finder or find_candidates, active=assistant.active,
        open_documents=open_documents,
    )  # fmt: skip
    return Daemon(
        shared, assistant, scheduler, journal, feedback, chats, router, watcher, next_edits
    )
