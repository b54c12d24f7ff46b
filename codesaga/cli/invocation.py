"""What one run of ``codesaga`` carries from the root options to its command: the settings,
whether to use the daemon, and the client to reach it. It rides on Typer's context object."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from codesaga.cli import render

if TYPE_CHECKING:
    from codesaga.client.connection import PatientClient
    from codesaga.saga.log import SagaStore
    from codesaga.settings import Settings


class Invocation:
    def __init__(self, *, no_daemon: bool = False) -> None:
        self.no_daemon = no_daemon
        self._settings: Settings | None = None
        self._without_config: Settings | None = None  # daemon_settings', when it fell back
        self._warned_settings = False
        self._warned_variables = False

    @classmethod
    def of(cls, ctx: typer.Context) -> Invocation:
        """The invocation the root callback put on ``ctx`` (a default one if none did)."""
        root = ctx.find_root()
        if not isinstance(root.obj, Invocation):
            root.obj = cls()
        return root.obj

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from codesaga.settings import load_settings

            self._warn_variables()
            self._settings = load_settings()
        return self._settings

    def _warn_variables(self) -> None:
        """Once a command: the CODESAGA_ variables spelled almost as a setting's name."""
        from codesaga.settings import misspelled_variables

        if not self._warned_variables:
            self._warned_variables = True
            for said in misspelled_variables():
                render.warn(said)

    @property
    def daemon_settings(self) -> Settings:
        """The settings that find the daemon, for commands that stop it or look at it: these,
        or, when config.toml has an error, the defaults and environment alone (said once).
        A typo in the file kept `daemon stop`, `status` and `logs` from running at all,
        while the daemon ran on with the settings it had read before."""
        from codesaga.domain.errors import UsageError
        from codesaga.settings import config_file, load_settings

        if self._without_config is not None:
            return self._without_config
        try:
            return self.settings
        except UsageError as exc:
            render.warn(
                f"{exc}; read without that file, which a daemon would not start with: mend "
                f"{config_file()} (if it moves the daemon's directories, this finds another)"
            )
            self._without_config = load_settings(read_config=False)
            return self._without_config

    def saga_store(self, settings: Settings | None = None) -> SagaStore:
        """The sagas (``settings``'s, else this invocation's), pruned by saga_keep_days."""
        from codesaga.saga.log import SagaStore

        s = settings or self.settings
        return SagaStore(s.state_dir / "sagas", keep_days=s.saga_keep_days, patches=hook_patches(s))

    def client(self, *, models_matter: bool = False) -> PatientClient:
        """The daemon (started on first use), or an in-process one with --no-daemon."""
        if self.no_daemon:
            from codesaga.client.connection import PatientClient
            from codesaga.inprocess import LocalClient

            return PatientClient(LocalClient(self.settings))
        return self.connect(models_matter=models_matter)

    def connect(self, *, models_matter: bool = False) -> PatientClient:
        """The running daemon (started if need be), with a warning when it does not use these
        settings: a variable set in this shell alone, or a config.toml key read only at start,
        changes nothing there yet. The model keys count only where ``models_matter``: task
        requests name their model, and `models load` changes them on purpose."""
        from codesaga.client.connection import PatientClient
        from codesaga.client.lifecycle import connect

        client = connect(self.settings)
        differ = [
            key
            for key in client.server.get("settingsDiffer") or []
            if models_matter or not (key == "model" or key.startswith("model_"))
        ]
        if differ and not self._warned_settings:
            self._warned_settings = True  # once per command, not once per file a hook refactors
            loaded = any(key == "model" or key.startswith("model_") for key in differ)
            render.warn(
                f"the running daemon (pid {client.server['daemon']['pid']}) does not use this "
                f"command's {', '.join(differ)}: it keeps what it started with"
                + (" (or what `codesaga models load` set)" if loaded else "")
                + " until `codesaga daemon restart`"
            )
        return PatientClient(client, reconnect=lambda: connect(self.settings))

    def run_task(
        self,
        method: str,
        params: dict[str, Any],
        *,
        on_delta: Callable[[str], None] | None = None,
        cancel_after: float | None = None,
    ) -> dict[str, Any]:
        """Run a task through the daemon, or in-process with --no-daemon; ``cancel_after``
        seconds, it is cancelled (the call then raises ``CancelledError``)."""
        import threading

        from codesaga.protocol.jsonrpc import TASK_ROLES

        settings = self.settings
        params = {k: v for k, v in params.items() if v is not None}
        with self.client() as client:
            if on_delta is not None:
                params["stream"] = True
            # The daemon may have started under other settings: this command's own choice of
            # model (CODESAGA_MODEL, config) wins for this request.
            role = TASK_ROLES[method]
            wanted = settings.model_for(role)
            if "model" not in params and client.server.get("models", {}).get(role) != wanted:
                params["model"] = wanted
            timer = None
            if cancel_after is not None:
                timer = threading.Timer(max(0.0, cancel_after), client.cancel_current)
                timer.daemon = True
                timer.start()
            try:
                result: dict[str, Any] = client.call(method, params, on_delta=on_delta)
            finally:
                if timer is not None:
                    timer.cancel()
            return result

    def control(self, method: str, params: dict[str, Any] | None = None) -> Any:
        """A control call: through the daemon, or in-process (the stores on disk) with
        --no-daemon."""
        with self.client() as client:
            return client.call(method, params or {})


def hook_patches(settings: Settings) -> Path:
    """Where the git hook saves the unstaged changes it set aside, one patch per saga."""
    return settings.state_dir / "hook-patches"
