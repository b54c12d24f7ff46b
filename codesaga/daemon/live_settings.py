"""The settings of a running daemon, and how new ones take effect.

Three sources meet here: what the daemon started with (the RESTART_KEYS keep those until a
restart), what the environment and config.toml last gave, and what `models load` set (it
lasts until a restart, unless config.toml then sets the same key itself). The settings in
force are one ``Live`` holder shared by every part of the daemon: applying new ones is one
assignment, then the parts that keep something derived from them (the completion cache, the
upstreams) are told.
"""

from __future__ import annotations

import asyncio
import dataclasses
from concurrent.futures import Executor
from typing import Any

from codesaga.daemon.scheduler import Scheduler
from codesaga.domain.enums import Role
from codesaga.domain.errors import CodeSagaError
from codesaga.service.routing import Router
from codesaga.service.tasks import Assistant
from codesaga.settings import RESTART_KEYS, Live, Settings


class SettingsControl:
    def __init__(
        self,
        live: Live,
        scheduler: Scheduler,
        assistant: Assistant,
        router: Router,
        executor: Executor,
    ) -> None:
        self.live = live
        self.boot = live.current  # what the RESTART_KEYS keep until a restart
        self.file = live.current  # as the environment and config.toml last gave them
        self.loaded_models: dict[str, Any] = {}  # what models/load set, until a restart
        self._scheduler = scheduler
        self._assistant = assistant
        self._router = router
        self._executor = executor
        # One change at a time: each starts from the settings the last one left (a reload
        # begun while `models load` loaded its model put the role back to the file's model).
        self._changing = asyncio.Lock()

    @property
    def current(self) -> Settings:
        return self.live.current

    def __call__(self) -> Settings:
        return self.live.current

    def fingerprint(self) -> dict[str, str]:
        """The settings in force: the current ones, but for the keys read only at start."""
        current, boot = self.current.fingerprint(), self.boot.fingerprint()
        return {key: boot[key] if key in RESTART_KEYS else value for key, value in current.items()}

    async def load_model(self, role: Role, model: str) -> dict[str, Any]:
        """`models load`: point ``role`` at ``model`` until the daemon restarts."""
        # Kept only once applied: a model that cannot load must not stay chosen, or every
        # later `models load` and config reload would fail on it.
        # Named, it must be there: one not installed that is also the role's default was
        # taken for no choice at all, and another model stood in for it without a word.
        self._scheduler.pool.resolver.resolve(role, model)
        async with self._changing:
            chosen = dict(self.loaded_models)
            current = self.current
            if current.model:  # one model for every role: the others keep it
                chosen |= {f"model_{r.value}": current.model_for(r) for r in Role}
            chosen |= {"model": None, f"model_{role.value}": model}
            result = await self._apply(dataclasses.replace(current, **chosen))
            self.loaded_models = chosen
            return result

    async def reload(self, fresh: Settings) -> dict[str, Any]:
        """config.toml changed: apply it, keeping what models/load set (it lasts until a
        restart) unless the file now sets that same key itself."""
        async with self._changing:
            kept = {
                key: value
                for key, value in self.loaded_models.items()
                if getattr(fresh, key) == getattr(self.file, key)
            }
            result = await self._apply(dataclasses.replace(fresh, **kept))
            self.file, self.loaded_models = fresh, kept
            return result

    async def _apply(self, settings: Settings) -> dict[str, Any]:
        """Switch to new settings: warm the models of roles that changed, unload the models
        no role uses any more. Roles that did not change stay as they are (loaded or lazy).
        The caller holds ``_changing``."""
        scheduler = self._scheduler
        previous = self.live.current
        self.live.current = settings  # every part of the daemon sees them from here on
        try:
            wanted = {role: scheduler.pool.resolver.resolve(role) for role in Role}
        except CodeSagaError:
            self.live.current = previous
            raise
        self._assistant.completer.reconfigure(previous)
        self._router.upstream_pool.reconfigure()
        try:
            loaded = await self._load_and_unload(previous, settings, wanted)
        except BaseException:
            # A model that does not load (a corrupt file): the settings before stay in force
            # whole, as the caller says ("not applied"), not half of the new ones.
            self.live.current = previous
            self._assistant.completer.reconfigure(settings)
            self._router.upstream_pool.reconfigure()
            raise
        waiting = sorted(k for k in RESTART_KEYS if getattr(settings, k) != getattr(self.boot, k))
        return {
            "roles": {str(r): m.name for r, m in wanted.items()},
            "loaded": loaded,
            "restart_needed_for": waiting,
        }

    async def _load_and_unload(
        self, previous: Settings, settings: Settings, wanted: dict[Role, Any]
    ) -> list[str]:
        loop = asyncio.get_running_loop()
        scheduler = self._scheduler
        in_use = {m.path for m in wanted.values()}
        for path in set(scheduler.pool.loaded()) - in_use:
            await loop.run_in_executor(self._executor, scheduler.unload, path)
        loaded: list[str] = []
        for role, model in wanted.items():
            changed = previous.model_for(role) != settings.model_for(role)
            if changed and model.path not in scheduler.pool.loaded():
                await loop.run_in_executor(self._executor, scheduler.info, role)
                loaded.append(model.name)
        return loaded
