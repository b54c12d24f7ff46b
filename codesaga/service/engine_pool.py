"""Which model serves a role, and one loaded engine per model file."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from pathlib import Path

from codesaga.domain.enums import Role
from codesaga.domain.errors import CodeSagaError, ModelFileError, ModelNotInstalledError
from codesaga.engine.port import Engine
from codesaga.model_files.presets import PRESETS, Preset
from codesaga.model_files.store import ModelStore
from codesaga.settings import Live, Settings, live

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolvedModel:
    name: str
    path: Path
    preset: Preset | None
    verified: bool  # sha256 checked and the file unchanged since: no need to re-read the header
    warning: str | None = None


def pull_hint(name: str) -> str:
    return f"codesaga models pull {name}"


class ModelResolver:
    def __init__(self, settings: Settings | Live, store: ModelStore) -> None:
        self._live = live(settings)
        self.store = store

    @property
    def settings(self) -> Settings:
        return self._live.current

    def resolve(self, role: Role, model: str | None = None) -> ResolvedModel:
        """The model for ``role``, or ``model`` (a preset, file or installed name) if given.

        A missing default model falls back to another installed preset with a warning; a
        model the user chose explicitly must exist (``ModelNotInstalledError`` says how).
        """
        spec = model or self.settings.model_for(role)
        found = self._find(spec)
        if found is not None:
            return found
        if model is None and not self.settings.explicit_model_for(role):
            for other in PRESETS:
                fallback = self._find(other)
                if fallback is not None:
                    return ResolvedModel(
                        fallback.name,
                        fallback.path,
                        fallback.preset,
                        fallback.verified,
                        f"{spec} is not installed (run: {pull_hint(spec)}); using {other} "
                        f"for {role}, which may give weaker answers",
                    )
        if spec in PRESETS:
            raise ModelNotInstalledError(
                f"model {spec!r} for {role} is not installed; run: {pull_hint(spec)}"
            )
        if not spec.endswith(".gguf"):  # `models pull` would not know it either
            raise ModelNotInstalledError(
                f"unknown model {spec!r} for {role}: give a preset ({', '.join(PRESETS)}), an "
                "installed model's name (codesaga models list) or a path to a .gguf file"
            )
        raise ModelNotInstalledError(f"model file {spec} for {role} does not exist")

    def in_use(self, role: Role) -> str:
        """The model that answers ``role`` now, for people: the one set, or the one standing
        in for it (`daemon status` named the model set, not installed, while another
        answered), or the one set and why it cannot answer."""
        spec = self.settings.model_for(role)
        try:
            resolved = self.resolve(role)
        except ModelNotInstalledError:
            return f"{spec} (not installed)"
        except CodeSagaError:
            return f"{spec} (unusable: see `codesaga models list`)"
        if resolved.warning is not None:
            return f"{resolved.name} (in place of {spec}, not installed)"
        return resolved.name

    def _find(self, spec: str) -> ResolvedModel | None:
        preset = PRESETS.get(spec)
        if preset is not None:
            path = self.store.path_for(preset)
            if not path.is_file():
                return None
            verified = self.store.is_installed(preset)
            if not verified and preset.size is not None and path.stat().st_size != preset.size:
                raise ModelFileError(
                    f"{path} is {path.stat().st_size:,} bytes, expected {preset.size:,}: it is "
                    f"truncated or corrupt; reinstall it: codesaga models remove {spec} && "
                    f"{pull_hint(spec)}"
                )
            return ResolvedModel(spec, path, preset, verified)
        # One spelling of a file: each loaded path is an engine (and a worker) of its own.
        path = Path(spec).expanduser().resolve()
        if path.is_file():
            return ResolvedModel(path.name, path, None, False)
        installed = self.store.find(spec)
        if installed is not None:
            return ResolvedModel(installed.name, installed.path, None, installed.sha256 is not None)
        return None


EngineFactory = Callable[[ResolvedModel], Engine]


class EnginePool:
    """Loads each model file once and hands out its engine; the pool owns their lifetime."""

    def __init__(self, resolver: ModelResolver, factory: EngineFactory) -> None:
        self.resolver = resolver
        self._factory = factory
        self._engines: dict[Path, Engine] = {}
        self._loaded_from: dict[Path, tuple[int, ...] | None] = {}  # each file as loaded

    def for_role(self, role: Role, model: str | None = None) -> tuple[Engine, ResolvedModel]:
        resolved = self.resolver.resolve(role, model)
        return self.for_resolved(resolved), resolved

    def for_resolved(self, resolved: ResolvedModel) -> Engine:
        """The engine of ``resolved``'s file, loaded again if another file now stands at its
        path (a model pulled again, or replaced by the user): the old one was served, from
        its deleted file, until the daemon restarted."""
        path = resolved.path
        engine = self._engines.get(path)
        now = file_identity(path)
        if engine is not None and now is not None and now != self._loaded_from.get(path):
            log.info("%s changed on disk since it was loaded: loading it again", path)
            del self._engines[path]
            engine.close()
            engine = None
        if engine is None:
            engine = self._factory(resolved)
            self._engines[path] = engine
            self._loaded_from[path] = now
        return engine

    def loaded(self) -> dict[Path, Engine]:
        return dict(self._engines)

    def unload(self, path: Path) -> None:
        self._loaded_from.pop(path, None)
        engine = self._engines.pop(path, None)
        if engine is not None:
            engine.close()

    def close(self, keep: AbstractSet[Path] = frozenset()) -> None:
        """Close every engine but those of ``keep`` (still in use), and forget them all."""
        for path, engine in self._engines.items():
            if path not in keep:
                engine.close()
        self._engines.clear()
        self._loaded_from.clear()


def file_identity(path: Path) -> tuple[int, ...] | None:
    """What tells one file at ``path`` from another put there (renamed over it, or written
    anew in place); None when there is none (moved away: what was loaded stays in use)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
