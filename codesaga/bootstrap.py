"""The one factory that wires CodeSaga's object graph from settings.

The CLI, the tests and the benchmarks all build through here; tests pass a fake engine
factory instead of loading llama.cpp.
"""

from __future__ import annotations

from codesaga.models.store import ModelStore
from codesaga.service.models import EngineFactory, EnginePool, ModelResolver, llama_cpp_factory
from codesaga.service.tasks import Assistant
from codesaga.settings import Settings, load_settings


def build_assistant(
    settings: Settings | None = None, engine_factory: EngineFactory | None = None
) -> Assistant:
    settings = settings or load_settings()
    resolver = ModelResolver(settings, ModelStore(settings.models_dir))
    pool = EnginePool(resolver, engine_factory or llama_cpp_factory(settings))
    return Assistant(settings, pool)
