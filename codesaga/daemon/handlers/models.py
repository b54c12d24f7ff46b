"""The model methods: list the models, point a role at another; the upstreams serving roles."""

from __future__ import annotations

from typing import Any

from codesaga.daemon.handlers.base import Call, Method
from codesaga.daemon.live_settings import SettingsControl
from codesaga.daemon.scheduler import Scheduler
from codesaga.domain.enums import Role
from codesaga.protocol import params as t
from codesaga.service.model_listing import list_models
from codesaga.service.routing import Router


class ModelMethods:
    def __init__(self, settings: SettingsControl, scheduler: Scheduler, router: Router) -> None:
        self.settings = settings
        self.scheduler = scheduler
        self.router = router

    def methods(self) -> dict[str, Method[Any]]:
        return {
            "models/list": Method(t.NoParams, self.list_models),
            "models/load": Method(t.ModelsLoadParams, self.load),
            "upstreams/list": Method(t.NoParams, self.upstreams),
            "upstreams/check": Method(t.NoParams, self.check_upstreams),
        }

    async def list_models(self, call: Call, params: t.NoParams) -> Any:
        pool = self.scheduler.pool
        models = list_models(self.settings(), pool.resolver.store, loaded=pool.loaded())
        return {"models": [m.to_json() for m in models]}

    async def load(self, call: Call, params: t.ModelsLoadParams) -> Any:
        return await self.settings.load_model(Role(params.role), params.model)

    async def upstreams(self, call: Call, params: t.NoParams) -> Any:
        return {
            "upstreams": self.router.describe(),
            "private_paths": self.settings().privacy.patterns,
        }

    async def check_upstreams(self, call: Call, params: t.NoParams) -> Any:
        return {"upstreams": await call.off_loop(self.router.check)}
