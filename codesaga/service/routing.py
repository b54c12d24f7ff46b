"""Routing: which server answers a request — an upstream or the local model.

The Router is a ModelRunner around the local one. For each role it tries the upstreams
that serve it, in the configured order, skipping one that failed recently; a request whose
prompt holds a private file never goes upstream. An upstream that fails before producing
any text hands the request to the next one and finally to the local model; what happened
is returned as notes, which end up in the journal next to the model that answered.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from codesaga.domain.enums import ModelKind, ModelStatus, Role
from codesaga.domain.errors import PrivateContentError, UpstreamError
from codesaga.domain.model_instance import ModelInstance
from codesaga.domain.prompts import Message
from codesaga.domain.upstreams import PrivacyRules, Timeouts, UpstreamSpec
from codesaga.engine.port import CancelToken, Engine, EngineInfo, GenerationRequest, collect
from codesaga.service.engine_pool import ResolvedModel
from codesaga.service.hedging import hedge
from codesaga.service.runner import ModelRunner, OnDelta, Outcome, Priority
from codesaga.settings import Live, Settings, live

log = logging.getLogger(__name__)
MAX_ENGINES = 8  # the models of one upstream with connections kept


class UpstreamEngine(Engine, Protocol):
    """One model on one server, as the router needs it (the adapter is injected: see
    ``bootstrap``)."""

    spec: UpstreamSpec

    def list_models(self) -> list[str]:
        """The names of the models the server serves; raises ``UpstreamError``."""
        ...

    def close(self) -> None: ...


# How to reach a server's model: (the server, the model's name, the timeouts) -> an engine.
Connect = Callable[[UpstreamSpec, str, Timeouts], UpstreamEngine]


@dataclass
class Upstream:
    """One configured server, its engines (one per model name) and its health."""

    spec: UpstreamSpec
    timeouts: Timeouts
    instance: ModelInstance
    connect: Connect
    down_until: float = 0.0
    last_error: str | None = None
    checked_at: float | None = None  # when `upstreams check` last asked it (a time)
    _engines: dict[str, UpstreamEngine] = field(default_factory=dict)
    _discovered: str | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> str:
        return self.spec.name

    def available(self, now: float) -> bool:
        return now >= self.down_until

    def engine(self, role: Role, model: str | None = None) -> UpstreamEngine:
        """The engine for ``model`` (a request's "gpu/big-70b"), else ``role``'s model; an
        upstream without a model name is asked for its first model once (that request is
        its health check too)."""
        model = model or self.spec.model_for(role)
        with self._lock:
            if not model:
                if self._discovered is None:
                    names = self._list_models()
                    if not names:
                        raise UpstreamError(f"upstream {self.name} serves no model")
                    self._discovered = names[0]
                model = self._discovered
            engine = self._engines.pop(model, None)
            if engine is None:
                engine = self.connect(self.spec, model, self.timeouts)
            self._engines[model] = engine  # the most recent last
            # Requests may name any model: only the last few keep their connections (one
            # closed here lets a request still using it finish).
            while len(self._engines) > MAX_ENGINES:
                self._engines.pop(next(iter(self._engines))).close()
            return engine

    def _list_models(self) -> list[str]:
        with closing(self.connect(self.spec, "", self.timeouts)) as probe:
            return probe.list_models()

    def close(self) -> None:
        """Close the engines' connections (a request still running ends first)."""
        for engine in list(self._engines.values()):
            engine.close()

    def failed(self, error: str, retry_after: float) -> None:
        self.down_until = time.monotonic() + retry_after
        self.last_error = error
        self.instance.status = ModelStatus.UNAVAILABLE
        # A model found by asking is asked for again: the server may serve another now
        # (`ollama rm`, vLLM restarted with another model), and every request failed over.
        self._discovered = None

    def answered(self, seconds: float) -> None:
        self.down_until = 0.0
        self.last_error = None
        self.instance.status = ModelStatus.READY
        self.instance.last_used_at = time.time()
        self.instance.metrics.record_response(seconds)

    def check(self) -> dict[str, Any]:
        """Ask the server for its models now and, with a key set, for one token: llama-server
        lists its models to anyone, so a wrong key passed (and wiped the 401 a request had
        met). Updates the health either way."""
        started = time.monotonic()
        self.checked_at = time.time()
        self._discovered = None  # asked again, as after a failure
        try:
            models = self._list_models()
            if self.spec.key:
                self._answer_one_token()
        except UpstreamError as exc:
            self.failed(str(exc), 0.0)
            return {**self.describe(), "ok": False, "error": str(exc)}
        self.down_until = 0.0
        self.last_error = None
        self.instance.status = ModelStatus.READY
        seconds = round(time.monotonic() - started, 3)
        return {**self.describe(), "ok": True, "models": models, "seconds": seconds}

    def _answer_one_token(self) -> None:
        """A request that needs the key; one the server refuses as a request (HTTP 400: a
        chat-only model given a plain prompt) still took the key."""
        role = self.spec.roles[0] if self.spec.roles else Role.GENERATE
        # As its role's requests go: a chat model may refuse a plain prompt with a 404.
        if role == Role.COMPLETION:
            ping = GenerationRequest(prompt="#", max_tokens=1)
        else:
            ping = GenerationRequest(messages=[Message("user", "Say ok.")], max_tokens=1)
        try:
            collect(self.engine(role), ping)
        except UpstreamError as exc:
            if not exc.this_request_only:
                raise

    def describe(self) -> dict[str, Any]:
        spec, metrics = self.spec, self.instance.metrics
        return {
            "name": spec.name,
            "url": spec.display_url,
            "kind": str(spec.kind),
            "model": spec.model or self._discovered or "(the server's first)",
            "role_models": {str(r): m for r, m in spec.role_models.items()},
            "roles": [str(r) for r in spec.roles],
            "key": "set" if spec.key else "none",
            "status": str(self.instance.status),
            "last_error": self.last_error,
            "last_used_at": self.instance.last_used_at,
            "last_checked_at": self.checked_at,
            "usage_count": metrics.usage_count,
            "mean_seconds": metrics.mean_response_seconds,
        }


class Upstreams:
    """The configured upstreams and their health, shared by every Router of a daemon."""

    def __init__(self, settings: Settings | Live, connect: Connect) -> None:
        self._live = live(settings)
        self.connect = connect
        self.all: list[Upstream] = []
        self.reconfigure()

    @property
    def settings(self) -> Settings:
        return self._live.current

    def reconfigure(self) -> None:
        """The settings in force changed: an upstream that keeps its name and URL keeps its
        health; one that did not change at all is kept as it is (its connections, the model
        it found, and what requests running now will report to it)."""
        settings = self.settings
        timeouts = Timeouts(
            settings.upstream_connect_timeout,
            settings.upstream_first_token_timeout,
            settings.upstream_idle_timeout,
        )
        old = {(u.spec.name, u.spec.url): u for u in self.all}
        fresh = []
        for spec in settings.all_upstreams():
            kept = old.get((spec.name, spec.url))
            if kept is not None and kept.spec == spec and kept.timeouts == timeouts:
                fresh.append(kept)
                continue
            instance = (
                kept.instance
                if kept is not None
                else ModelInstance(spec.name, ModelKind.REMOTE, spec.model or spec.name, spec.url)
            )
            if kept is None:
                instance.status = ModelStatus.READY
            upstream = Upstream(spec, timeouts, instance, self.connect)
            if kept is not None:
                upstream.down_until, upstream.last_error = kept.down_until, kept.last_error
            fresh.append(upstream)
        replaced, self.all[:] = self.all[:], fresh
        for upstream in replaced:
            if not any(upstream is u for u in fresh):
                upstream.close()

    def close(self) -> None:
        for upstream in self.all:
            upstream.close()


class Router:
    """A ModelRunner that sends each role to its upstreams first, then to ``local``."""

    def __init__(self, local: ModelRunner, upstreams: Upstreams) -> None:
        self.local = local
        self.upstream_pool = upstreams

    @property
    def settings(self) -> Settings:
        return self.upstream_pool.settings

    @property
    def upstreams(self) -> list[Upstream]:
        return self.upstream_pool.all

    def sharing(self, local: ModelRunner) -> Router:
        """A router over another local runner with the same upstreams (and their health)."""
        return Router(local, self.upstream_pool)

    # -- choosing ------------------------------------------------------------------------

    def candidates(self, role: Role, model: str | None) -> list[Upstream]:
        """The upstreams to try for ``role`` in order. ``model`` naming an upstream
        ("gpu-box", or "gpu-box/model") picks it alone; naming anything else is local."""
        if model is not None:
            name = model.split("/", 1)[0]
            return [u for u in self.upstreams if u.name == name]
        now = time.monotonic()
        serving = [u for u in self.upstreams if u.spec.serves(role)]
        up = [u for u in serving if u.available(now)]
        if up or self.settings.upstream_fallback_local:
            return up
        return serving  # all resting and no local answers: trying again beats certain failure

    def _local_model(self, model: str | None) -> str | None:
        if model is not None and any(model.split("/", 1)[0] == u.name for u in self.upstreams):
            return None
        return model

    # -- the ModelRunner port --------------------------------------------------------------

    def info(
        self, role: Role, model: str | None = None, *, sources: Sequence[str] = ()
    ) -> tuple[EngineInfo, ResolvedModel]:
        # A request holding a private file is answered by the local model: sized for it,
        # not for an upstream's larger context (the local model then refused it as too long).
        for upstream in self._serving(role, model, sources):
            try:
                engine = upstream.engine(role, _model_part(model))
            except UpstreamError as exc:
                upstream.failed(str(exc), self.settings.upstream_retry_seconds)
                continue
            return engine.info, _resolved(engine)
        return self.local.info(role, self._local_model(model))

    def _serving(self, role: Role, model: str | None, sources: Sequence[str]) -> list[Upstream]:
        """The upstreams that may answer a request holding ``sources``: none if one is private."""
        if sources and first_private(self.settings.privacy, sources) is not None:
            return []
        return self.candidates(role, model)

    def count_tokens(self, role: Role, request: GenerationRequest, model: str | None = None) -> int:
        for upstream in self._serving(role, model, request.sources):
            try:
                return upstream.engine(role, _model_part(model)).count_tokens(request)
            except UpstreamError as exc:
                upstream.failed(str(exc), self.settings.upstream_retry_seconds)
        return self.local.count_tokens(role, request, self._local_model(model))

    def run(
        self,
        role: Role,
        request: GenerationRequest,
        *,
        on_delta: OnDelta | None = None,
        cancel: CancelToken | None = None,
        priority: Priority = Priority.NORMAL,
        on_start: Callable[[str], None] | None = None,
        model: str | None = None,
    ) -> Outcome:
        cancel = cancel or CancelToken()
        notes: list[str] = []
        candidates = self.candidates(role, model)
        private = first_private(self.settings.privacy, request.sources)
        if private is not None and candidates:
            notes.append(self._kept_local(private, model))
            candidates = []
        started = False

        def start_once(model_name: str) -> None:
            nonlocal started
            if not started and on_start is not None:
                on_start(model_name)
            started = True

        hedge_tokens = self.settings.upstream_hedge_tokens
        while candidates:
            if hedge_tokens and request.max_tokens <= hedge_tokens and len(candidates) >= 2:
                pair, candidates = candidates[:2], candidates[2:]
                outcome = hedge(
                    pair,
                    lambda up, forward, token, own: self._try(
                        up, role, request, model, forward, token, start_once, own
                    ),
                    on_delta,
                    cancel,
                    notes,
                )
            else:
                first, candidates = candidates[0], candidates[1:]
                outcome = self._try(
                    first, role, request, model, on_delta, cancel, start_once, notes
                )
            if outcome is not None:
                return replace(outcome, notes=(*outcome.notes, *notes))
        if notes and not private and not self.settings.upstream_fallback_local:
            raise UpstreamError(
                "; ".join(notes) + "; local answers are off (upstream_fallback_local)"
            )
        if notes and model is not None and self._local_model(model) is None:
            # The user asked for that server's model: another model's answer is not it.
            raise UpstreamError(
                "; ".join(notes) + f"; the request named {model}, so no other model answers"
            )
        outcome = self.local.run(
            role,
            request,
            on_delta=on_delta,
            cancel=cancel,
            priority=priority,
            on_start=start_once,
            model=self._local_model(model),
        )
        if notes and not private:
            notes.append(f"answered by the local model {outcome.model.name}")
        return replace(outcome, notes=(*outcome.notes, *notes))

    def _try(
        self,
        upstream: Upstream,
        role: Role,
        request: GenerationRequest,
        model: str | None,
        on_delta: OnDelta | None,
        cancel: CancelToken,
        on_start: Callable[[str], None],
        notes: list[str],
    ) -> Outcome | None:
        """The upstream's answer, or None (noted) when it failed before any output."""
        began = time.monotonic()
        try:
            engine = upstream.engine(role, _model_part(model))
            on_start(engine.info.name)
            finished = collect(engine, request, on_delta, cancel)
        except UpstreamError as exc:
            # One request it refused leaves it in service: so does a model the request named
            # that it does not have (`gpu/big-7b` mistyped).
            named_missing = _model_part(model) is not None and exc.status == 404
            if not (exc.this_request_only or named_missing):
                upstream.failed(str(exc), self.settings.upstream_retry_seconds)
            log.warning("%s", exc)
            if not exc.before_output:
                raise
            notes.append(f"{upstream.name} failed: {exc}")
            return None
        upstream.answered(time.monotonic() - began)
        return Outcome(finished, _resolved(engine))

    def _kept_local(self, private: tuple[str, str], model: str | None) -> str:
        """A request holding a private file goes to the local model (the note says so), or
        is refused when no local model may answer it."""
        path, pattern = private
        if model is not None or not self.settings.upstream_fallback_local:
            raise PrivateContentError(
                f"{path} matches private_paths ({pattern}), so it is never sent to an "
                f"upstream, and no local model may answer ({self._why_not_local(model)}); "
                "remove it from the request or allow local answers"
            )
        return f"{path} is private ({pattern}): answered by the local model"

    def _why_not_local(self, model: str | None) -> str:
        if model is not None:
            return f"the request asked for upstream model {model}"
        return "upstream_fallback_local = false"

    # -- control -----------------------------------------------------------------------

    def describe(self) -> list[dict[str, Any]]:
        return [u.describe() for u in self.upstreams]

    def check(self) -> list[dict[str, Any]]:
        return [u.check() for u in self.upstreams]

    def close(self) -> None:
        self.local.close()
        self.upstream_pool.close()  # shared with sibling routers: they reconnect if used


def _resolved(engine: UpstreamEngine) -> ResolvedModel:
    # A remote model has no file: the path names the server, for the places that key by it.
    return ResolvedModel(engine.info.name, Path(engine.spec.display_url), None, True)


def _model_part(model: str | None) -> str | None:
    """The model a request names on an upstream ("gpu/big-70b": big-70b), if any."""
    return model.split("/", 1)[1] or None if model and "/" in model else None


def first_private(rules: PrivacyRules, sources: Sequence[str]) -> tuple[str, str] | None:
    """(path, pattern) of the first private source, by its name or, for a link, by what it
    points at: a repository's `helpers.py` linked to a private `.env` was sent upstream."""
    found = rules.first_private(sources)
    if found is None and rules.patterns:
        targets = (real for s in sources if (real := os.path.realpath(s)) != s)
        found = rules.first_private(targets)
    return found
