"""`codesaga upstreams`: the shared inference servers the daemon sends work to."""

from __future__ import annotations

from typing import Any

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import JsonOpt

app = typer.Typer(
    help="Shared inference servers the daemon sends work to (docs/gpu-server.md).",
    no_args_is_help=True,
)


def _show_upstreams(
    rows: list[dict[str, Any]], here: int, private: list[str] | None = None
) -> None:
    """The daemon's upstreams (``rows``); ``here``: how many this shell's settings name."""
    if not rows and here:
        # "Set CODESAGA_UPSTREAM_URL" to someone who had: the daemon started without it.
        render.stdout.print(
            "the running daemon has no upstreams, though this shell's settings name "
            f"{here}: `codesaga daemon restart` starts one that uses them"
        )
    elif not rows:
        render.stdout.print(
            "no upstreams: every role runs on this machine. Set CODESAGA_UPSTREAM_URL or add "
            "[[upstreams]] to config.toml (docs/gpu-server.md)"
        )
    for u in rows:
        state = u["status"] if "ok" not in u else ("ok" if u["ok"] else "FAILED")
        if state == "ready" and not (u.get("last_used_at") or u.get("last_checked_at")):
            state = "not asked yet (`codesaga upstreams check` asks it)"
        render.stdout.print(
            f"{u['name']:<16} {u['url']}  [{u['kind']}]  roles: {', '.join(u['roles'])}  "
            f"model: {u['model']}  key: {u['key']}  {state}"
        )
        if u.get("models"):
            render.stdout.print(
                f"    serves {', '.join(u['models'])} (answered in {u['seconds']:.2f} s)"
            )
        if u.get("error") or u.get("last_error"):
            render.stdout.print(f"    {u.get('error') or u.get('last_error')}")
    if private:
        render.stdout.print(f"never sent upstream: {', '.join(private)}")


@app.command("list", epilog="Example: codesaga upstreams list")
def upstreams_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The upstreams, the roles each serves, their health and the private_paths globs."""
    invocation = Invocation.of(ctx)
    result = invocation.control("upstreams/list")
    if as_json:
        render.print_json(result)
        return
    here = len(invocation.settings.all_upstreams())
    _show_upstreams(result["upstreams"], here, result["private_paths"])


@app.command("check", epilog="Example: codesaga upstreams check")
def upstreams_check(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Ask every upstream for its models now (and for one token when it has a key: that
    checks the key); exits 1 when one does not answer."""
    invocation = Invocation.of(ctx)
    result = invocation.control("upstreams/check")
    if as_json:
        render.print_json(result)
    else:
        _show_upstreams(result["upstreams"], len(invocation.settings.all_upstreams()))
    if not all(u["ok"] for u in result["upstreams"]):
        raise typer.Exit(1)
