"""`codesaga saga`: the journaled edits --apply made."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from codesaga.cli import render
from codesaga.cli.invocation import Invocation
from codesaga.cli.options import JsonOpt

if TYPE_CHECKING:
    from codesaga.saga.log import SagaStore

app = typer.Typer(
    help="Journaled edits made with --apply: list, show, undo, recover after a crash.",
    no_args_is_help=True,
)


def _saga_store(ctx: typer.Context) -> SagaStore:
    # Found as `daemon status` finds the daemon: a bad value in config.toml (n_ctx = 10)
    # kept `saga recover` and `saga undo` from running at all.
    invocation = Invocation.of(ctx)
    return invocation.saga_store(invocation.daemon_settings)


@app.command("list", epilog="Example: codesaga saga list -n 5")
def saga_list(
    ctx: typer.Context,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, help="How many, newest first.")
    ] = 20,
    as_json: JsonOpt = False,
) -> None:
    """The most recent sagas and how each ended."""
    import itertools

    from codesaga.saga.recovery import state_of

    states = [state_of(log).to_dict() for log in itertools.islice(_saga_store(ctx).all(), limit)]
    if as_json:
        render.print_json({"sagas": states})
        return
    if not states:
        render.stdout.print("no sagas yet (refactor or fix with --apply makes one)")
    for st in states:
        render.stdout.print(saga_line(st))


def saga_line(st: dict[str, Any]) -> str:
    """One saga in `saga list`: its id, when, kind, status and what it left on disk."""
    import time

    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(st["created_at"]))
    files = f"{len(st['changed'])}/{len(st['files'])} file(s) changed"
    if st["status"] in ("rolled-back", "undone", "tried"):  # what it wrote is gone again
        files = f"{len(st['changed'])}/{len(st['files'])} file(s) put back"
        if st["conflicts"]:
            files += f", {len(set(st['conflicts']))} left as changed since"
    return f"{st['id']}  {when}  {st['kind']:<8} {st['status']:<11} {files}"


@app.command("show", epilog="Example: codesaga saga show 20261125-101500-a1b2c3")
def saga_show(
    ctx: typer.Context,
    saga_id: Annotated[
        str, typer.Argument(help="A saga's id, or its start or end.", show_default=False)
    ],
    as_json: JsonOpt = False,
) -> None:
    """A saga's state and every step of its journal."""
    from codesaga.saga.recovery import state_of

    log = _saga_store(ctx).get(saga_id)
    state = state_of(log).to_dict()
    events = log.events()
    if as_json:
        render.print_json({**state, "events": events})
        return
    render.stdout.print(f"saga {state['id']}: {state['kind']}, {state['status']}")
    if state["error"]:
        render.stdout.print(f"  error: {state['error']}")
    for event in events:
        render.stdout.print(f"  {event['event']:<11} {_detail(event)}")


def _detail(event: dict[str, Any]) -> str:
    if event["event"] == "attempt":  # a model answer, and the check that refused it if one did
        why = str(event.get("why") or "passed the checks").splitlines()[0]
        return f"{event.get('path')} #{event.get('attempt')}: {why}"
    if event["event"] == "retry":  # a failing --verify: its message goes back to the model
        return str(event.get("why", "")).splitlines()[0]
    if event["event"] == "conflict":  # left as it was found: where its original is kept
        return f"{event.get('path')}: {event.get('note', '')}"
    if event["event"] == "begin":  # what it was asked, on which files
        said = [f"{len(event.get('files', []))} file(s)"]
        said += [
            f"{k}: {(str(v).splitlines() or [''])[0][:80]}"
            for k, v in (event.get("details") or {}).items()
            if v
        ]
        said += [f"--verify {event['verify']}"] if event.get("verify") else []
        return "; ".join(said)
    if event["event"] == "verified":  # whether it passed: the line said only the command
        return "passed" if event.get("ok") else "failed: " + _last_line(event.get("output"))
    if event["event"] == "check-running":
        return "--verify started"
    return str(event.get("path") or event.get("command") or event.get("error") or "")


def _last_line(text: object) -> str:
    """The last line a check printed (a test run's summary), shortened."""
    lines = [line for line in str(text or "").splitlines() if line.strip()]
    return lines[-1][:160] if lines else "(no output)"


@app.command("undo", epilog="Example: codesaga saga undo 20261125-101500-a1b2c3")
def saga_undo(
    ctx: typer.Context,
    saga_id: Annotated[
        str, typer.Argument(help="A saga's id, or its start or end.", show_default=False)
    ],
) -> None:
    """Put back the files a completed saga wrote — refused if any changed since."""
    from codesaga.saga.compensators import COMPENSATORS
    from codesaga.saga.recovery import left_alone, undo

    store = _saga_store(ctx)
    state = undo(store, saga_id, COMPENSATORS)
    files = set(state.written)
    left = set(state.conflicts) | set(state.damaged)
    render.note(f"saga {state.id} undone: {len(files - left)} file(s) restored")
    if left:  # saved over in the moment of the undo (their save kept), or damaged: said
        render.warn(left_alone(store.get(state.id), state))


@app.command("recover", epilog="Example: codesaga saga recover")
def saga_recover(ctx: typer.Context) -> None:
    """Finish or roll back sagas a crash interrupted (safe to run any time)."""
    from codesaga.saga.compensators import COMPENSATORS
    from codesaga.saga.recovery import recover

    done = recover(_saga_store(ctx), COMPENSATORS)
    if not done:
        render.note("no interrupted saga")
    for saga_id, outcome in done:
        render.note(f"saga {saga_id}: {outcome}")
