"""The daemon's own methods: the handshake, its status, and stopping it."""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING, Any

from codesaga import __version__
from codesaga.daemon.handlers.base import Call, Method
from codesaga.domain.enums import RequestStatus, Role
from codesaga.protocol import jsonrpc as p
from codesaga.protocol import params as t
from codesaga.protocol.jsonrpc import RpcError

if TYPE_CHECKING:
    from codesaga.daemon.dispatch import Daemon


class ControlMethods:
    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon

    def methods(self) -> dict[str, Method[Any]]:
        return {
            "initialize": Method(t.InitializeParams, self.initialize, before_initialize=True),
            "status": Method(t.StatusParams, self.status, before_initialize=True),
            "shutdown": Method(t.NoParams, self.shutdown, before_initialize=True),
        }

    async def initialize(self, call: Call, params: t.InitializeParams) -> Any:
        _check_versions(params)
        daemon, conn = self.daemon, call.conn
        conn.initialized = True
        conn.client = {"name": params.client.name, "version": params.client.version}
        settings = daemon.settings
        result: dict[str, Any] = {
            "daemon": {"name": "codesaga", "version": __version__, "pid": os.getpid()},
            "protocolVersion": p.PROTOCOL_VERSION,
            "models": {str(role): settings.model_for(role) for role in Role},
            "capabilities": {"streaming": True, "cancel": True, "methods": sorted(daemon.methods)},
        }
        if params.settings is not None:
            result["settingsDiffer"] = self._differ(params.settings)
        return result

    def _differ(self, theirs: dict[str, str]) -> list[str]:
        """The keys whose digest in the client's settings is not the daemon's."""
        ours = self.daemon.fingerprint()
        return sorted(key for key, digest in theirs.items() if key in ours and ours[key] != digest)

    async def status(self, call: Call, params: t.StatusParams) -> Any:
        daemon = self.daemon
        active = list(daemon.assistant.active.values())
        return {
            "version": __version__,
            "pid": os.getpid(),
            "uptime_seconds": round(time.time() - daemon.started_at, 3),
            # Busy is not idle: the time since a request began read as "idle 8 s" while
            # the model answered it.
            "idle_seconds": 0.0
            if daemon.busy()
            else round(time.monotonic() - daemon.last_activity, 3),
            "idle_timeout": daemon.settings.idle_timeout,
            "connections": len(daemon.connections),
            "inflight": sum(len(c.inflight) for c in daemon.connections),
            "models": daemon.scheduler.status(),
            "roles": {str(role): daemon.scheduler.pool.resolver.in_use(role) for role in Role},
            "processing": [r.id for r in active if r.status == RequestStatus.PROCESSING],
            "websocket_url": daemon.websocket_url,
            "openai_url": daemon.openai_url,
            "openai_key_file": daemon.openai_key_file,
            "token_file": daemon.token_file,
            "upstreams": daemon.router.describe(),
            **({"settingsDiffer": self._differ(params.settings)} if params.settings else {}),
        }

    async def shutdown(self, call: Call, params: t.NoParams) -> Any:
        self.daemon.stop_requested.set()
        return {"stopping": True}


def _check_versions(params: t.InitializeParams) -> None:
    """A client of another protocol, or a codesaga CLI of another version, is told to
    restart the daemon rather than half-work with it."""
    data = {"daemonVersion": __version__, "protocolVersion": p.PROTOCOL_VERSION}
    version = params.protocol_version
    if version is not None and version != p.PROTOCOL_VERSION:
        raise RpcError(
            p.VERSION_MISMATCH,
            f"the daemon speaks protocol {p.PROTOCOL_VERSION}, the client {version}; restart "
            "the daemon: codesaga daemon restart",
            data,
        )
    client = params.client
    if client.name == "codesaga" and client.version != __version__:
        raise RpcError(
            p.VERSION_MISMATCH,
            f"the daemon runs codesaga {__version__}, the client is {client.version}; restart "
            "the daemon: codesaga daemon restart",
            data,
        )
