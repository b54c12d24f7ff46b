"""The methods that read what happened: the request journal, statistics, and feedback on
completions shown."""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from typing import Any

from codesaga.daemon.handlers.base import Call, Method
from codesaga.domain.enums import RequestStatus, RequestType
from codesaga.domain.requests import RequestRecord
from codesaga.domain.stats import model_stats
from codesaga.protocol import jsonrpc as p
from codesaga.protocol import params as t
from codesaga.protocol.jsonrpc import RpcError
from codesaga.service.completer import Completer
from codesaga.service.journal import Journal
from codesaga.service.next_edit_stats import NextEditStats
from codesaga.service.routing import Router
from codesaga.service.stores import KeyValueStore

MAX_LISTING_CHARS = 8 * 2**20  # a listing's records together (each is up to a few MiB)
SWEEP_SECONDS = 30.0  # how often a listing may re-check the journal for dead requests
STATS_RECORDS = 5_000  # the newest records `stats` reads for each model's figures
# The feedback store's keys of each model's completions rated, and of those accepted.
SHOWN, ACCEPTED = "shown:", "accepted:"


class JournalMethods:
    def __init__(
        self,
        journal: Journal,
        feedback: KeyValueStore,
        completer: Completer,
        router: Router,
        next_edits: NextEditStats,
    ) -> None:
        self.journal = journal
        self.feedback = feedback
        self.completer = completer
        self.router = router
        self.next_edits = next_edits
        self._swept_at = -SWEEP_SECONDS  # the journal's first listing sweeps
        self._rating = threading.Lock()  # a rating's check and mark are one step

    def methods(self) -> dict[str, Method[Any]]:
        return {
            "requests/list": Method(t.RequestsListParams, self.list_requests),
            "requests/get": Method(t.RequestsGetParams, self.get_request),
            "stats": Method(t.NoParams, self.stats),
            "feedback": Method(t.FeedbackParams, self.rate),
        }

    def abandon_dead_requests(self) -> int:
        """Mark failed what a dead process left in progress (the daemon before this one, or
        a --no-daemon command killed meanwhile); returns how many. It reads the whole
        journal, so listings repeat it at most every SWEEP_SECONDS."""
        self._swept_at = time.monotonic()
        return self.journal.abandon_unfinished()

    async def _sweep(self, call: Call) -> None:
        if time.monotonic() - self._swept_at >= SWEEP_SECONDS:
            self._swept_at = time.monotonic()  # now: a listing meanwhile does not sweep too
            await call.off_loop(self.journal.abandon_unfinished)

    async def list_requests(self, call: Call, params: t.RequestsListParams) -> Any:
        status = RequestStatus(params.status) if params.status else None
        kind = RequestType(params.kind) if params.kind else None
        limit = max(0, min(params.limit, t.MAX_LISTED_REQUESTS))
        await self._sweep(call)
        return await call.off_loop(
            lambda: _listing(self.journal.query(status=status, type=kind, limit=limit))
        )

    async def get_request(self, call: Call, params: t.RequestsGetParams) -> Any:
        await self._sweep(call)
        record = await call.off_loop(lambda: self.journal.get(params.id))
        if record is None:
            raise RpcError(p.INVALID_PARAMS, f"no request {params.id!r} in the journal")
        return record.to_dict()

    async def stats(self, call: Call, params: t.NoParams) -> Any:
        models, read = await call.off_loop(self._model_stats)
        return {
            "models": models,
            # The models' figures are of the newest records only: a journal of months of
            # completions took a second per 7,000 records to read whole.
            "journal_window": {"records": read, "limit": STATS_RECORDS},
            "completion": self.completer.stats(),
            "gate": await call.off_loop(self.completer.gate.report),
            "upstreams": self.router.describe(),
            "nextEdit": await call.off_loop(self.next_edits.report),
        }

    def _model_stats(self) -> tuple[list[dict[str, Any]], int]:
        """Each model's figures, and how many of the newest records they come from."""
        records = self.journal.query(limit=STATS_RECORDS)
        feedback = {}
        # Every model ever rated, over all time: only those in the window and the presets
        # were looked up, so a model named by its path lost its accuracy with its records.
        for key in self.feedback.iterkeys():
            if key.startswith(SHOWN):
                model = key.removeprefix(SHOWN)
                shown = self.feedback.get(key) or 0
                if shown:
                    feedback[model] = (int(self.feedback.get(ACCEPTED + model) or 0), int(shown))
        models = [
            dict(dataclasses.asdict(s), accuracy=s.accuracy) for s in model_stats(records, feedback)
        ]
        return models, len(records)

    async def rate(self, call: Call, params: t.FeedbackParams) -> Any:
        record, first = await call.off_loop(lambda: self._claim(params.request_id, params.accepted))
        if not first:  # rated already (a client's retry): counted once
            return {"model": record.model, "accepted": record.rated, "counted": False}
        if record.type == RequestType.NEXT_EDIT:
            # A next edit's acceptance is its own rate, not its model's: most are computed.
            await call.off_loop(lambda: self.next_edits.rated(params.accepted))
            return {"model": record.model, "accepted": params.accepted}
        if record.gated or not record.output:
            # Hidden, or nothing to show: no one saw it, so it is no one's verdict on the
            # model (counted, more were accepted than were ever shown).
            return {"model": record.model, "accepted": params.accepted}
        await call.off_loop(lambda: self._count(str(record.model), params.accepted))
        language = record.input.get("language")
        if record.confidence is not None and language:
            # The gate judged this suggestion: its threshold learns from the answer.
            gate = self.completer.gate
            await call.off_loop(
                lambda: gate.learn(str(record.model), str(language), params.accepted)
            )
        return {"model": record.model, "accepted": params.accepted}

    def _claim(self, request_id: str, accepted: bool) -> tuple[RequestRecord, bool]:
        """The completed request rated, and whether this is its first rating (which the
        record keeps): the same feedback sent twice moved the counts and the gate twice."""
        with self._rating:
            record = self.journal.get(request_id)
            if (
                record is None
                or record.status != RequestStatus.COMPLETED
                # a next edit is rated without a model: most are computed
                or (record.model is None and record.type != RequestType.NEXT_EDIT)
            ):
                raise RpcError(p.INVALID_PARAMS, f"no finished request {request_id!r} to rate")
            if record.rated is not None:
                return record, False
            record.rated = accepted
            self.journal.save(record)
            return record, True

    def _count(self, model: str, accepted: bool) -> None:
        self.feedback.incr(SHOWN + model)
        if accepted:
            self.feedback.incr(ACCEPTED + model)


def _listing(records: list[RequestRecord]) -> dict[str, Any]:
    """The newest records that fit MAX_LISTING_CHARS (at least one), and whether some were
    left out: a journal of failed fixes, each keeping its 1 MiB error, made a 73-byte
    request's answer 150 MB, built and then buffered by the daemon at once."""
    listed: list[dict[str, Any]] = []
    size = 0
    for record in records:
        data = record.to_dict()
        size += len(json.dumps(data, ensure_ascii=False, default=str))
        if listed and size > MAX_LISTING_CHARS:
            return {"requests": listed, "truncated": True}
        listed.append(data)
    return {"requests": listed}
