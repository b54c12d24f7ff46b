"""The response cache: an identical deterministic request is answered without the model.

Deterministic means temperature 0 (greedy). The key covers the model file (path, size,
mtime) and everything in the request that can change the answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict

from codesaga.domain.enums import Role
from codesaga.engine.port import CancelToken, EngineInfo, Finished, GenerationRequest
from codesaga.service.engine_pool import ModelResolver, ResolvedModel
from codesaga.service.runner import ModelRunner, OnDelta, Outcome, Priority
from codesaga.service.stores import KeyValueStore


def cache_key(model: ResolvedModel, request: GenerationRequest) -> str:
    st = model.path.stat()
    payload = {
        "model": [str(model.path), st.st_size, st.st_mtime_ns],
        "messages": [asdict(m) for m in request.messages],
        "prompt": request.prompt,
        # The same text read with other marks is another prompt to the model.
        "marks": request.marks,
        "max_tokens": request.max_tokens,
        "stop": list(request.stop),
    }
    raw = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return "response:" + hashlib.sha256(raw).hexdigest()


class CachedRunner:
    """Wraps a ModelRunner; only whole (not cancelled, not cut off) greedy answers are stored."""

    def __init__(self, inner: ModelRunner, resolver: ModelResolver, store: KeyValueStore) -> None:
        self.inner = inner
        self.resolver = resolver
        self.store = store

    def info(
        self, role: Role, model: str | None = None, *, sources: Sequence[str] = ()
    ) -> tuple[EngineInfo, ResolvedModel]:
        return self.inner.info(role, model, sources=sources)

    def count_tokens(self, role: Role, request: GenerationRequest, model: str | None = None) -> int:
        return self.inner.count_tokens(role, request, model)

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
        def generate() -> Outcome:
            return self.inner.run(
                role,
                request,
                on_delta=on_delta,
                cancel=cancel,
                priority=priority,
                on_start=on_start,
                model=model,
            )

        if request.temperature != 0:
            return generate()
        resolved = self.resolver.resolve(role, model)
        key = cache_key(resolved, request)
        hit = self.store.get(key)
        if hit is not None:
            if on_start is not None:
                on_start(resolved.name)
            # No token was evaluated or generated for this answer: say so in the journal.
            finished = Finished(
                **{
                    **hit,
                    "prompt_tokens_evaluated": 0,
                    "prompt_seconds": 0.0,
                    "generation_seconds": 0.0,
                }
            )
            if on_delta is not None and finished.text:
                on_delta(finished.text)
            return Outcome(finished, resolved, cached=True)
        outcome = generate()
        # Only whole answers: one cut off ("length") may have been cut by the context's size,
        # which the key does not hold (the cache outlives restarts: raising n_ctx gave the
        # same cut-off answer back).
        if outcome.finished.reason not in ("cancelled", "length"):
            import sqlite3

            # A cache: on a full disk the answer is given all the same, not kept.
            with contextlib.suppress(sqlite3.Error, OSError):
                self.store.set(key, asdict(outcome.finished))
        return outcome

    def close(self) -> None:
        self.inner.close()
