"""The commands. Each parses its options, calls the service layer, and renders the result."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from codesaga import __version__
from codesaga.cli import render
from codesaga.domain.errors import UsageError

if TYPE_CHECKING:
    from codesaga.cli.client import Client, DaemonClient
    from codesaga.settings import Settings

app = typer.Typer(
    name="codesaga",
    help="Offline-first AI coding assistant: a local code model that generates, refactors, "
    "fixes and completes code without sending it anywhere.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)
models_app = typer.Typer(help="Install, list and remove local models.", no_args_is_help=True)
config_app = typer.Typer(help="Show the settings in force.", no_args_is_help=True)
app.add_typer(models_app, name="models")
app.add_typer(config_app, name="config")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object for machines.")]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help="Preset name or .gguf path for this run (default: the role's model from settings).",
    ),
]
FileArg = Annotated[Path, typer.Argument(help="The source file.", show_default=False)]
LinesOpt = Annotated[
    str | None, typer.Option("--lines", help="Only lines A:B (1-based, inclusive), e.g. 10:25.")
]
ApplyOpt = Annotated[bool, typer.Option("--apply", help="Write the result to FILE (atomically).")]


class _State:
    no_daemon = False
    warned_settings = False


STATE = _State()


def _version(value: bool) -> None:
    if value:
        typer.echo(f"codesaga {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
    no_daemon: Annotated[
        bool,
        typer.Option(
            "--no-daemon",
            help="Run in this process instead of through the daemon (loads the model for "
            "this one command).",
        ),
    ] = False,
) -> None:
    STATE.no_daemon = no_daemon


def _settings() -> Settings:
    from codesaga.settings import load_settings

    return load_settings()


def _client(settings: Settings, *, models_matter: bool = False) -> Client:
    """The daemon (started on first use), or an in-process one with --no-daemon."""
    from codesaga.cli.client import LocalClient

    if STATE.no_daemon:
        return LocalClient(settings)
    return _connect(settings, models_matter=models_matter)


def _connect(settings: Settings, *, models_matter: bool = False) -> DaemonClient:
    """The running daemon (started if need be), with a warning when it does not use these
    settings: a variable set in this shell alone, or a config.toml key read only at start,
    changes nothing there yet. The model keys count only where ``models_matter``: task
    requests name their model, and `models load` changes them on purpose."""
    from codesaga.cli.client import connect

    client = connect(settings)
    differ = [
        key
        for key in client.server.get("settingsDiffer") or []
        if models_matter or not (key == "model" or key.startswith("model_"))
    ]
    if differ and not STATE.warned_settings:
        STATE.warned_settings = True  # once per command, not once per file a hook refactors
        render.warn(
            f"the running daemon (pid {client.server['daemon']['pid']}) does not use this "
            f"command's {', '.join(differ)}: it keeps what it started with (or what `codesaga "
            "models load` set) until `codesaga daemon restart`"
        )
    return client


def _run_task(
    method: str, params: dict[str, Any], *, on_delta: Callable[[str], None] | None = None
) -> dict[str, Any]:
    """Run a task through the daemon, or in-process with --no-daemon."""
    from codesaga.daemon.protocol import TASK_ROLES

    settings = _settings()
    params = {k: v for k, v in params.items() if v is not None}
    with _client(settings) as client:
        if on_delta is not None:
            params["stream"] = True
        # The daemon may have started under other settings: this command's own choice of
        # model (CODESAGA_MODEL, config) wins for this request.
        role = TASK_ROLES[method]
        wanted = settings.model_for(role)
        if "model" not in params and client.server.get("models", {}).get(role) != wanted:
            params["model"] = wanted
        result: dict[str, Any] = _call_patiently(client, method, params, on_delta)
        return result


def _call_patiently(
    client: Client,
    method: str,
    params: dict[str, Any],
    on_delta: Callable[[str], None] | None = None,
) -> Any:
    """A person would rather wait than see "busy": retry a full queue for a while."""
    import time

    from codesaga.domain.errors import BusyError

    deadline = time.monotonic() + BUSY_PATIENCE_SECONDS
    delay = 0.1
    while True:
        try:
            return client.call(method, params, on_delta=on_delta)
        except BusyError:
            if time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


BUSY_PATIENCE_SECONDS = 60.0


def _file_params(file: Path) -> dict[str, Any]:
    """The daemon needs an absolute path; the label keeps what the user typed for display."""
    return {"path": str(file.expanduser().absolute()), "label": str(file)}


def _show_rewrite(result: dict[str, Any], as_json: bool) -> None:
    if as_json:
        render.print_json(result)
        return
    for warning in result.get("warnings", []):
        render.warn(warning)
    if result.get("diff"):
        render.diff(result["diff"])
    if result.get("applied"):
        render.note(f"applied to {result['path']} (request {result['request_id']})")
    elif result.get("diff"):
        render.note(f"not applied; run again with --apply to write {result['path']}")


@app.command(
    epilog="Examples: codesaga generate 'a Python function that parses ISO dates'  ·  "
    "codesaga generate 'a bash script that backs up ~/notes' -l bash --code > backup.sh"
)
def generate(
    prompt: Annotated[str, typer.Argument(help="What to write.", show_default=False)],
    language: Annotated[
        str | None, typer.Option("--language", "-l", help="Language to answer in.")
    ] = None,
    code: Annotated[
        bool,
        typer.Option(
            "--code",
            "-x",
            help="Print only the answer's code, without the Markdown fence or prose (for a "
            'file or a pipe); JSON gets a "code" field.',
        ),
    ] = False,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Generate code from a description, streaming the answer."""
    from codesaga.domain.errors import ModelError
    from codesaga.domain.extract import extract_code

    params = {"prompt": prompt, "language": language, "model": model}

    def code_of(result: dict[str, Any]) -> str:
        extracted = extract_code(result["text"], language)
        if not extracted.strip():
            raise ModelError("the model answered without any code; run without --code to see it")
        return extracted

    if as_json:
        result = _run_task("generate", params)
        if code:
            result["code"] = code_of(result)
        render.print_json(result)
        return
    if code:  # the code is known only once the answer is whole: show progress meanwhile
        with render.Spinner("generating") as spinner:
            result = _run_task("generate", params, on_delta=spinner.on_delta)
        for warning in result.get("warnings", []):
            render.warn(warning)
        sys.stdout.write(code_of(result).rstrip("\n") + "\n")
        return

    def show(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    result = _run_task("generate", params, on_delta=show)
    if not result["text"].endswith("\n"):
        sys.stdout.write("\n")
    for warning in result.get("warnings", []):
        render.warn(warning)


VerifyOpt = Annotated[
    str | None,
    typer.Option(
        "--verify",
        help="With --apply: a shell command run after writing (e.g. 'pytest -q'); if it fails, "
        "every file is restored. {files} in it becomes the changed files.",
    ),
]


@app.command(
    epilog="Examples: codesaga refactor app.py  ·  codesaga refactor app.py --lines 10:40 "
    "--instruction 'extract a function' --apply  ·  codesaga refactor src/*.py -i 'add type "
    "hints' --apply --verify 'pytest -q'"
)
def refactor(
    files: Annotated[
        list[Path], typer.Argument(help="Source files to refactor.", show_default=False)
    ],
    lines: LinesOpt = None,
    instruction: Annotated[
        str | None,
        typer.Option("--instruction", "-i", help="How to refactor (default: improve readability)."),
    ] = None,
    apply: ApplyOpt = False,
    verify: VerifyOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Refactor files or some lines; shows diffs. --apply writes them as one saga: journaled,
    validated, optionally verified, restored on any failure, undoable (`codesaga saga`)."""
    if lines and len(files) > 1:
        raise UsageError("--lines works with one file; give one file or leave --lines out")
    params = {"lines": lines, "instruction": instruction, "model": model}
    if apply:
        _run_saga("refactor", files, params, verify, as_json)
        return
    if verify:
        raise UsageError("--verify checks the written files; add --apply")
    for file in files:
        with render.Spinner(f"refactoring {file.name}") as spinner:
            result = _run_task(
                "refactor", {**_file_params(file), **params}, on_delta=spinner.on_delta
            )
        _show_rewrite(result, as_json)


@app.command(
    epilog="Examples: codesaga fix calc.py --error 'ZeroDivisionError: division by zero'  ·  "
    "python calc.py 2>&1 | codesaga fix calc.py --error - --apply --verify 'python calc.py'"
)
def fix(
    file: FileArg,
    error: Annotated[
        str,
        typer.Option(
            "--error",
            "-e",
            show_default=False,
            help="The error message or traceback; '-' reads it from stdin.",
        ),
    ],
    lines: LinesOpt = None,
    apply: ApplyOpt = False,
    verify: VerifyOpt = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fix a file given the error it fails with; shows a diff. --apply writes it as a saga
    (restored if --verify fails, undoable with `codesaga saga undo`)."""
    from codesaga.domain.errors import InputError

    if error == "-":
        if sys.stdin.isatty():
            raise InputError(
                "--error - reads the error from stdin, but stdin is a terminal; pipe the output in"
            )
        error = sys.stdin.read(256 * 1024)
    params = {"error": error, "lines": lines, "model": model}
    if apply:
        _run_saga("fix", [file], params, verify, as_json)
        return
    if verify:
        raise UsageError("--verify checks the written file; add --apply")
    with render.Spinner(f"fixing {file.name}") as spinner:
        result = _run_task("fix", {**_file_params(file), **params}, on_delta=spinner.on_delta)
    _show_rewrite(result, as_json)


def _run_saga(
    method: str, files: list[Path], params: dict[str, Any], verify: str | None, as_json: bool
) -> None:
    """Rewrite ``files`` as one saga: the model works on the snapshot the saga took."""
    from codesaga.saga.engine import SagaRunner
    from codesaga.saga.log import SagaStore

    settings = _settings()
    runner = SagaRunner(SagaStore(settings.state_dir / "sagas"), settings.max_file_bytes)
    verb = {"refactor": "refactoring", "fix": "fixing"}[method]
    with render.Spinner(f"{verb} {len(files)} file(s)") as spinner:

        def rewrite(path: Path, text: str) -> str:
            shown = next((f for f in files if f.absolute() == path), path)
            request = {**_file_params(shown), "content": text, **params}
            result = _run_task(method, request, on_delta=spinner.on_delta)
            for warning in result.get("warnings", []):
                render.warn(f"{shown}: {warning}")
            return str(result["text"])

        result = runner.run(
            method,
            files,
            rewrite,
            verify=verify,
            details={k: v for k, v in params.items() if v is not None},
            progress=spinner.stage,
        )
    if as_json:
        render.print_json(result.to_dict())
        return
    for diff in result.diffs.values():
        render.diff(diff)
    for note in result.notes:
        render.note(note)
    if result.changed:
        render.note(
            f"saga {result.id}: {len(result.changed)} file(s) written"
            + (", verified" if verify else "")
            + f"; undo with `codesaga saga undo {result.id}`"
        )
    else:
        render.note(f"saga {result.id}: the model changed nothing; no file was written")


@app.command(epilog="Example: codesaga complete app.py --line 12 --column 5")
def complete(
    file: FileArg,
    line: Annotated[int, typer.Option("--line", help="1-based cursor line.", show_default=False)],
    column: Annotated[
        int, typer.Option("--column", help="1-based cursor column.", show_default=False)
    ],
    multiline: Annotated[
        bool | None,
        typer.Option(
            "--multi-line/--single-line",
            help="Several lines, or only the rest of the current line "
            "(default: several at the start of a line or block, else the rest of the line).",
            show_default=False,
        ),
    ] = None,
    max_lines: Annotated[
        int | None, typer.Option("--max-lines", min=1, max=200, help="Most lines to suggest.")
    ] = None,
    candidates: Annotated[
        int, typer.Option("--candidates", min=1, max=5, help="How many different suggestions.")
    ] = 1,
    budget_ms: Annotated[
        int | None,
        typer.Option(
            "--budget-ms", min=1, help="Answer within this many ms with the lines finished so far."
        ),
    ] = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print the code to insert at a cursor position (fill-in-the-middle).

    The same path editors use: prompt caching, post-processing and the completion cache.
    """
    params = {
        **_file_params(file),
        "line": line,
        "column": column,
        "multiline": multiline,
        "maxLines": max_lines,
        "candidates": candidates,
        "timeBudgetMs": budget_ms,
        "model": model,
    }
    result = _run_task("complete", params)
    if as_json:
        render.print_json(result)
        return
    for warning in result.get("warnings", []):
        render.warn(warning)
    texts = result.get("candidates") or [result["text"]]
    for i, text in enumerate(texts):
        if len(texts) > 1:
            sys.stdout.flush()
            render.note(f"--- candidate {i + 1} ---")
        sys.stdout.write(text + ("\n" if text and not text.endswith("\n") else ""))


@models_app.command("pull", epilog="Example: codesaga models pull qwen2.5-coder-1.5b")
def models_pull(
    names: Annotated[
        list[str], typer.Argument(help="Preset names or paths to .gguf files.", show_default=False)
    ],
    as_json: JsonOpt = False,
) -> None:
    """Download, verify (size + sha256) and install models; resumes; instant if installed."""
    from codesaga.models.fetch import pull
    from codesaga.models.store import ModelStore
    from codesaga.settings import load_settings

    settings = load_settings()
    store = ModelStore(settings.models_dir)
    done = []
    for name in names:
        progress = None if as_json else render.DownloadProgress()
        path = pull(name, store, progress=progress, hf_endpoint=settings.hf_endpoint)
        done.append({"name": name, "path": str(path)})
        if not as_json:
            render.note(f"{name}: installed at {path}")
    if as_json:
        render.print_json({"installed": done})


@models_app.command("list", epilog="Example: codesaga models list --json")
def models_list(as_json: JsonOpt = False) -> None:
    """List the presets and installed models, and which role uses each."""
    from codesaga.domain.enums import Role
    from codesaga.models.presets import PRESETS
    from codesaga.models.store import ModelStore
    from codesaga.settings import load_settings

    settings = load_settings()
    store = ModelStore(settings.models_dir)
    installed = {m.name: m for m in store.installed()}
    rows: list[dict[str, Any]] = []
    for name in dict.fromkeys([*PRESETS, *installed]):
        preset, found = PRESETS.get(name), installed.get(name)
        rows.append(
            {
                "name": name,
                "installed": found is not None,
                "verified": bool(found and found.sha256),
                "path": str(found.path) if found else None,
                "size": found.size if found else (preset.size if preset else None),
                "roles": [str(r) for r in Role if settings.model_for(r) == name],
                "description": preset.description if preset else "local file",
            }
        )
    if as_json:
        render.print_json({"models_dir": str(settings.models_dir), "models": rows})
        return
    from rich.table import Table

    table = Table("model", "installed", "size", "roles", "description", box=None)
    for row in rows:
        size = f"{row['size'] / 1e6:,.0f} MB" if row["size"] else "?"
        state = "yes" if row["verified"] else ("unverified" if row["installed"] else "no")
        table.add_row(row["name"], state, size, ", ".join(row["roles"]), row["description"])
    render.stdout.print(table)
    render.note(f"models dir: {settings.models_dir}")


@models_app.command("remove", epilog="Example: codesaga models remove qwen2.5-coder-1.5b")
def models_remove(
    name: Annotated[
        str, typer.Argument(help="Preset or installed model name.", show_default=False)
    ],
    as_json: JsonOpt = False,
) -> None:
    """Remove an installed model (and any partial download of it)."""
    from codesaga.domain.errors import InputError
    from codesaga.models.store import ModelStore
    from codesaga.settings import load_settings

    removed = ModelStore(load_settings().models_dir).remove(name)
    if not removed:
        raise InputError(f"{name} is not installed; see `codesaga models list`")
    if as_json:
        render.print_json({"removed": [str(p) for p in removed]})
    else:
        render.note(f"removed {name}")


@config_app.command("show", epilog="Example: CODESAGA_N_CTX=4096 codesaga config show")
def config_show(as_json: JsonOpt = False) -> None:
    """Every setting: its value, environment variable and meaning."""
    from codesaga.settings import config_file, load_settings

    settings = load_settings()
    rows = settings.describe()
    if as_json:
        render.print_json(
            {
                "config_file": str(config_file()),
                "settings": {k: (str(v) if isinstance(v, Path) else v) for k, _, v, _ in rows},
            }
        )
        return
    from rich.table import Table

    table = Table("key", "value", "environment", "meaning", box=None)
    for key, env, value, doc in rows:
        table.add_row(key, "" if value is None else str(value), env, doc)
    render.stdout.print(table)
    render.note(f"config file: {config_file()} (TOML, same keys; the environment wins)")


# -- upstreams ------------------------------------------------------------------------------

upstreams_app = typer.Typer(
    help="Shared inference servers the daemon sends work to (docs/gpu-server.md).",
    no_args_is_help=True,
)
app.add_typer(upstreams_app, name="upstreams")


def _show_upstreams(rows: list[dict[str, Any]], private: list[str] | None = None) -> None:
    if not rows:
        render.stdout.print(
            "no upstreams: every role runs on this machine. Set CODESAGA_UPSTREAM_URL or add "
            "[[upstreams]] to config.toml (docs/gpu-server.md)"
        )
    for u in rows:
        state = u["status"] if "ok" not in u else ("ok" if u["ok"] else "FAILED")
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


@upstreams_app.command("list", epilog="Example: codesaga upstreams list")
def upstreams_list(as_json: JsonOpt = False) -> None:
    """The upstreams, the roles each serves, their health and the private_paths globs."""
    result = _control("upstreams/list")
    if as_json:
        render.print_json(result)
        return
    _show_upstreams(result["upstreams"], result["private_paths"])


@upstreams_app.command("check", epilog="Example: codesaga upstreams check")
def upstreams_check(as_json: JsonOpt = False) -> None:
    """Ask every upstream for its models now; exits 1 when one does not answer."""
    result = _control("upstreams/check")
    if as_json:
        render.print_json(result)
    else:
        _show_upstreams(result["upstreams"])
    if not all(u["ok"] for u in result["upstreams"]):
        raise typer.Exit(1)


# -- sagas ----------------------------------------------------------------------------------

saga_app = typer.Typer(
    help="Journaled edits made with --apply: list, show, undo, recover after a crash.",
    no_args_is_help=True,
)
app.add_typer(saga_app, name="saga")


def _saga_store() -> Any:
    from codesaga.saga.log import SagaStore

    return SagaStore(_settings().state_dir / "sagas")


@saga_app.command("list", epilog="Example: codesaga saga list -n 5")
def saga_list(
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many, newest first.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """The most recent sagas and how each ended."""
    import itertools
    import time

    from codesaga.saga.engine import state_of

    states = [state_of(log).to_dict() for log in itertools.islice(_saga_store().all(), limit)]
    if as_json:
        render.print_json({"sagas": states})
        return
    if not states:
        render.stdout.print("no sagas yet (refactor or fix with --apply makes one)")
    for st in states:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(st["created_at"]))
        render.stdout.print(
            f"{st['id']}  {when}  {st['kind']:<8} {st['status']:<11} "
            f"{len(st['changed'])}/{len(st['files'])} file(s) changed"
        )


@saga_app.command("show", epilog="Example: codesaga saga show 20261125-101500-a1b2c3")
def saga_show(
    saga_id: Annotated[str, typer.Argument(help="A saga id (or its end).", show_default=False)],
    as_json: JsonOpt = False,
) -> None:
    """A saga's state and every step of its journal."""
    from codesaga.saga.engine import state_of

    log = _saga_store().get(saga_id)
    state = state_of(log).to_dict()
    events = log.events()
    if as_json:
        render.print_json({**state, "events": events})
        return
    render.stdout.print(f"saga {state['id']}: {state['kind']}, {state['status']}")
    if state["error"]:
        render.stdout.print(f"  error: {state['error']}")
    for event in events:
        detail = event.get("path") or event.get("command") or event.get("error") or ""
        render.stdout.print(f"  {event['event']:<11} {detail}")


@saga_app.command("undo", epilog="Example: codesaga saga undo 20261125-101500-a1b2c3")
def saga_undo(
    saga_id: Annotated[str, typer.Argument(help="A saga id (or its end).", show_default=False)],
) -> None:
    """Put back the files a completed saga wrote — refused if any changed since."""
    from codesaga.saga.engine import undo

    state = undo(_saga_store(), saga_id)
    render.note(f"saga {state.id} undone: {len(state.written)} file(s) restored")


@saga_app.command("recover", epilog="Example: codesaga saga recover")
def saga_recover() -> None:
    """Finish or roll back sagas a crash interrupted (safe to run any time)."""
    from codesaga.saga.engine import recover

    done = recover(_saga_store())
    if not done:
        render.note("no interrupted saga")
    for saga_id, outcome in done:
        render.note(f"saga {saga_id}: {outcome}")


# -- the git hook ---------------------------------------------------------------------------

hook_app = typer.Typer(
    help="The git pre-commit hook: refactor staged files without losing unstaged work.",
    no_args_is_help=True,
)
app.add_typer(hook_app, name="hook")


@hook_app.command("install", epilog="Example: codesaga hook install")
def hook_install() -> None:
    """Install the pre-commit hook in this repository (an existing hook keeps running first).
    Its mode and globs are settings: hook_mode, hook_globs, hook_instruction."""
    from codesaga.saga import hook

    render.note(hook.install(hook.repo_root()))


@hook_app.command("uninstall", epilog="Example: codesaga hook uninstall")
def hook_uninstall() -> None:
    """Remove the hook (and put back the one it chained, if any)."""
    from codesaga.saga import hook

    render.note(hook.uninstall(hook.repo_root()))


@hook_app.command(
    "run", epilog="Example: codesaga hook run --mode suggest  (git runs it before each commit)"
)
def hook_run(
    mode: Annotated[
        str | None,
        typer.Option("--mode", help="suggest, apply or check (default: the hook_mode setting)."),
    ] = None,
    globs: Annotated[
        list[str] | None,
        typer.Option("--glob", help="Staged files to refactor (default: hook_globs)."),
    ] = None,
) -> None:
    """Refactor the staged files. Bypass with `git commit --no-verify` or CODESAGA_SKIP=1."""
    import os

    from codesaga.domain.errors import CodeSagaError
    from codesaga.saga import hook
    from codesaga.saga.log import SagaStore

    if os.environ.get(hook.SKIP_ENV) == "1":
        return
    settings = _settings()
    mode = mode or settings.hook_mode
    patterns = globs or [g.strip() for g in settings.hook_globs.split(",") if g.strip()]
    repo = hook.repo_root()
    instruction = settings.hook_instruction or None

    def rewrite(path: Path, text: str) -> str:
        request = {
            "path": str(path),
            "label": str(path.relative_to(repo)),
            "content": text,
            "instruction": instruction,
        }
        result = _run_task("refactor", request)
        for warning in result.get("warnings", []):
            render.warn(f"codesaga hook: {request['label']}: {warning}")
        return str(result["text"])

    try:
        report = hook.run(
            repo,
            mode,
            patterns,
            rewrite,
            store=SagaStore(settings.state_dir / "sagas"),
            patches=settings.state_dir / "hook-patches",
            max_bytes=settings.max_file_bytes,
            budget_seconds=settings.hook_budget_seconds,
            say=lambda message: render.note(f"codesaga hook: {message}"),
        )
    except CodeSagaError as exc:
        if mode == "suggest":
            render.warn(f"codesaga hook: {exc}; the commit goes ahead (suggest mode never blocks)")
            return
        render.error(
            f"codesaga hook: {exc}\nnothing was changed; commit with --no-verify or "
            "CODESAGA_SKIP=1 to skip the hook"
        )
        raise typer.Exit(1) from None
    for skipped in report.skipped:
        render.note(f"codesaga hook: {skipped}")
    for diff in report.suggestions.values():
        render.diff(diff)
    if report.conflict:
        render.warn(
            "codesaga hook: the refactor conflicted with your unstaged changes, so it was rolled "
            "back; your changes are kept and the commit has what you staged"
        )
    elif report.applied:
        render.note(
            f"codesaga hook: refactored and restaged {len(report.applied)} file(s) "
            f"(saga {report.saga})"
        )
    if mode == "check" and report.suggestions:
        render.error(
            f"codesaga hook: {len(report.suggestions)} file(s) could be refactored (mode check); "
            "apply the suggestions, or commit with --no-verify"
        )
        raise typer.Exit(1)


# -- the daemon ---------------------------------------------------------------------------

daemon_app = typer.Typer(
    help="The background daemon that keeps models warm (started on first use).",
    no_args_is_help=True,
)
app.add_typer(daemon_app, name="daemon")


@daemon_app.command("start", epilog="Example: codesaga daemon start")
def daemon_start(
    foreground: Annotated[
        bool, typer.Option("--foreground", help="Run in this terminal until stopped.")
    ] = False,
) -> None:
    """Start the daemon (it is also started on first use by any command)."""
    settings = _settings()
    if foreground:
        from codesaga.daemon.main import run

        raise typer.Exit(run(settings))
    with _connect(settings, models_matter=True) as client:
        render.note(f"daemon running (pid {client.server['daemon']['pid']})")


@daemon_app.command("stop", epilog="Example: codesaga daemon stop")
def daemon_stop() -> None:
    """Stop the daemon: running requests are cancelled and journaled as such."""
    from codesaga.cli.client import stop_daemon

    render.note("daemon stopped" if stop_daemon(_settings()) else "daemon was not running")


@daemon_app.command("restart", epilog="Example: codesaga daemon restart")
def daemon_restart() -> None:
    """Stop the daemon if it runs, then start a fresh one (e.g. after upgrading)."""
    from codesaga.cli.client import stop_daemon

    settings = _settings()
    stop_daemon(settings)
    with _connect(settings, models_matter=True) as client:
        render.note(f"daemon running (pid {client.server['daemon']['pid']})")


@daemon_app.command("status", epilog="Example: codesaga daemon status --json")
def daemon_status(as_json: JsonOpt = False) -> None:
    """Whether the daemon runs, its models, queues and idle time."""
    from codesaga.cli.client import DaemonClient
    from codesaga.daemon.runtime import RuntimePaths

    paths = RuntimePaths(_settings().runtime_dir)
    try:
        with DaemonClient.connect(paths.socket, timeout=2.0) as client:
            status: dict[str, Any] = {"running": True, **client.call("status")}
    except OSError:
        status = {"running": False}
    if as_json:
        render.print_json(status)
        return
    if not status["running"]:
        render.stdout.print("daemon: not running (it starts on first use)")
        return
    render.stdout.print(
        f"daemon: running, pid {status['pid']}, version {status['version']}, up "
        f"{status['uptime_seconds']:.0f} s, idle {status['idle_seconds']:.0f} s "
        f"(exits after {status['idle_timeout']} s idle)"
    )
    for role, name in status["roles"].items():
        render.stdout.print(f"  {role:<10} {name}")
    for model in status["models"]:
        state = "busy" if model["busy"] else "idle"
        render.stdout.print(f"  loaded: {model['model']} ({state}, {model['queued']} queued)")
    for up in status.get("upstreams", []):
        render.stdout.print(
            f"  upstream: {up['name']} {up['url']} for {', '.join(up['roles'])} ({up['status']})"
        )
    if status.get("openai_url"):
        render.stdout.print(
            f"  OpenAI-compatible API: {status['openai_url']} (key: the token file)"
        )


@daemon_app.command("logs", epilog="Example: codesaga daemon logs -n 100")
def daemon_logs(
    lines: Annotated[int, typer.Option("--lines", "-n", help="How many lines to show.")] = 50,
) -> None:
    """Show the end of the daemon's log."""
    from codesaga.daemon.runtime import log_path
    from codesaga.domain.errors import InputError

    path = log_path(_settings().state_dir)
    if not path.exists():
        raise InputError(f"no daemon log yet at {path}")
    for line in path.read_text(errors="replace").splitlines()[-lines:]:
        sys.stdout.write(line + "\n")


def _control(method: str, params: dict[str, Any] | None = None) -> Any:
    """A control call: through the daemon, or in-process (the stores on disk) with --no-daemon."""
    with _client(_settings()) as client:
        return client.call(method, params or {})


requests_app = typer.Typer(
    help="The request journal: every request, its state, timings and output.",
    invoke_without_command=True,
)
app.add_typer(requests_app, name="requests")


@requests_app.callback(epilog="Example: codesaga requests --status failed --limit 5")
def requests_list(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option("--status", help="pending, processing, completed, failed or cancelled."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option("--type", help="completion, refactor, error-fix, generate or chat."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="Newest N requests.")] = 20,
    as_json: JsonOpt = False,
) -> None:
    """List recent requests, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    result = _control("requests/list", {"status": status, "type": kind, "limit": limit})
    if as_json:
        render.print_json(result)
        return
    from rich.table import Table

    table = Table("id", "type", "status", "model", "seconds", "tokens", "cached", box=None)
    for r in result["requests"]:
        seconds = (r["finished_at"] or r["created_at"]) - r["created_at"]
        table.add_row(
            r["id"],
            r["type"],
            r["status"],
            r["model"] or "",
            f"{seconds:.2f}",
            str(r["timings"]["completion_tokens"]),
            "yes" if r["cached"] else "",
        )
    render.stdout.print(table)


@requests_app.command("show", epilog="Example: codesaga requests show 9f1c2a7b5d3e4f60")
def requests_show(
    request_id: Annotated[str, typer.Argument(help="A request id.", show_default=False)],
    as_json: JsonOpt = False,
) -> None:
    """One request in full: input, output, timings."""
    record = _control("requests/get", {"id": request_id})
    render.print_json(record) if as_json else render.stdout.print_json(data=record)


@app.command(epilog="Example: codesaga stats --json")
def stats(as_json: JsonOpt = False) -> None:
    """Per model: usage, mean and p95 response time, tokens/s, last use, accuracy."""
    import datetime

    result = _control("stats")
    if as_json:
        render.print_json(result)
        return
    from rich.table import Table

    table = Table(
        "model",
        "requests",
        "cached",
        "failed",
        "mean s",
        "p95 s",
        "tokens/s",
        "last used",
        "accuracy",
        box=None,
    )

    def num(value: float | None, fmt: str = ".2f") -> str:
        return "-" if value is None else format(value, fmt)

    for m in result["models"]:
        last = m["last_used_at"]
        when = datetime.datetime.fromtimestamp(last).strftime("%Y-%m-%d %H:%M") if last else "-"
        table.add_row(
            m["model"],
            str(m["usage_count"]),
            str(m["cached"]),
            str(m["failed"]),
            num(m["mean_seconds"]),
            num(m["p95_seconds"]),
            num(m["tokens_per_second"], ".1f"),
            when,
            num(m["accuracy"], ".0%"),
        )
    render.stdout.print(table)
    documents = (result.get("completion") or {}).get("documents") or []
    if documents:
        # How much of each document's completion prompts the KV cache already held: low
        # reuse means the model re-read the file (a first request, a window move, eviction).
        reuse = Table("document", "completions", "warm-ups", "prompt tokens", "read", "reuse",
                      box=None, title="completion prompt reuse, most recent first")  # fmt: skip
        for d in documents:
            reuse.add_row(
                d["path"],
                str(d.get("generations", 0)),
                str(d.get("warm-ups", 0)),
                str(d.get("prompt_tokens", 0)),
                str(d.get("prompt_tokens_evaluated", 0)),
                num(d.get("reuse"), ".0%"),
            )
        render.stdout.print(reuse)


@models_app.command("load", epilog="Example: codesaga models load refactor qwen2.5-coder-0.5b")
def models_load(
    role: Annotated[
        str, typer.Argument(help="completion, refactor, fix, generate or chat.", show_default=False)
    ],
    model: Annotated[
        str, typer.Argument(help="Preset, installed name or .gguf path.", show_default=False)
    ],
) -> None:
    """Point a role at another model in the running daemon (until it restarts)."""
    with _connect(_settings()) as client:
        result = client.call("models/load", {"role": role, "model": model})
    loaded = ", ".join(result["loaded"]) or "nothing new"
    render.note(f"{role} now uses {result['roles'][role]} (loaded: {loaded})")


# -- chat ------------------------------------------------------------------------------------


@app.command(
    epilog="Examples: codesaga chat  ·  codesaga chat 'why is my regex slow?'  ·  "
    "codesaga chat 'why does total() fail?' --add app.py --add data.py:10-40  ·  "
    "codesaga chat --session refactor-ideas --new"
)
def chat(
    message: Annotated[
        str | None,
        typer.Argument(
            help="Say this one thing and print the answer ('-' reads stdin); "
            "without it, an interactive chat starts.",
            show_default=False,
        ),
    ] = None,
    session: Annotated[
        str | None, typer.Option("--session", "-s", help="Chat in the session of this name.")
    ] = None,
    new: Annotated[bool, typer.Option("--new", help="Start a fresh session.")] = False,
    tui: Annotated[
        bool, typer.Option("--tui", help="The full-screen chat: sessions beside the talk.")
    ] = False,
    add: Annotated[
        list[str] | None,
        typer.Option(
            "--add",
            "-a",
            help="Attach FILE or FILE:A-B (lines A to B) to the session first, as /add does; "
            "repeat for more.",
            show_default=False,
        ),
    ] = None,
    model: ModelOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Chat about code. By default the session of this git repository and branch (or this
    directory) continues where it left off."""
    from codesaga.cli.chat import Repl, ask, attach, current_key, split_range
    from codesaga.domain.errors import InputError

    for spec in add or []:  # before a session is opened or anything attached
        file = Path(split_range(spec)[0]).expanduser()
        if not file.is_file():
            problem = "is a directory; give a file" if file.is_dir() else "does not exist"
            raise InputError(f"--add {spec}: {file} {problem}")
    settings = _settings()
    with _client(settings, models_matter=model is None) as client:
        key = None if session else current_key(Path.cwd())
        opened = client.call("sessions/open", {"name": session, "key": key, "new": new})
        for spec in add or []:
            opened = attach(client, opened["id"], spec)
        if add and not as_json:
            render.note("attached: " + ", ".join(opened["attachments"]))
        if tui:
            from codesaga.cli.tui import ChatApp

            if model:  # the TUI asks without options: the session carries the model
                client.call("sessions/set", {"session": opened["id"], "model": model})

            ChatApp(client, opened, settings.n_ctx).run()
            return
        if message is None:
            Repl(client, _call_patiently, opened, settings, model).run()
            return
        if message == "-":
            message = sys.stdin.read()
        if as_json:
            params = {"session": opened["id"], "message": message, "model": model}
            reply = _call_patiently(client, "chat", {k: v for k, v in params.items() if v})
            render.print_json(reply)
            return
        ask(client, _call_patiently, opened["id"], message, model)


sessions_app = typer.Typer(
    help="Chat sessions: list, show, rename, delete, export.", no_args_is_help=True
)
app.add_typer(sessions_app, name="sessions")
SessionArg = Annotated[str, typer.Argument(help="Session name or id.", show_default=False)]


@sessions_app.command("list", epilog="Example: codesaga sessions list --json")
def sessions_list(as_json: JsonOpt = False) -> None:
    """Sessions, most recently used first."""
    import datetime

    result = _control("sessions/list")
    if as_json:
        render.print_json(result)
        return
    from rich.table import Table

    table = Table("name", "messages", "last used", "belongs to", box=None)
    for s in result["sessions"]:
        when = datetime.datetime.fromtimestamp(s["updated_at"]).strftime("%Y-%m-%d %H:%M")
        table.add_row(s["name"], str(s["turns"]), when, s["key"] or "")
    render.stdout.print(table)


@sessions_app.command("show", epilog="Example: codesaga sessions show main")
def sessions_show(session: SessionArg, as_json: JsonOpt = False) -> None:
    """A whole conversation."""
    if as_json:
        render.print_json(_control("sessions/get", {"session": session}))
        return
    text = _control("sessions/export", {"session": session, "format": "markdown"})["text"]
    if render.stdout.is_terminal:
        from rich.markdown import Markdown

        render.stdout.print(Markdown(text))
    else:
        sys.stdout.write(text)


@sessions_app.command("rename", epilog="Example: codesaga sessions rename chat-1a2b3c parser")
def sessions_rename(
    session: SessionArg,
    name: Annotated[str, typer.Argument(help="The new name.", show_default=False)],
) -> None:
    """Give a session another name."""
    result = _control("sessions/rename", {"session": session, "name": name})
    render.note(f"renamed to {result['name']}")


@sessions_app.command("delete", epilog="Example: codesaga sessions delete old-chat")
def sessions_delete(session: SessionArg) -> None:
    """Delete a session for good."""
    _control("sessions/delete", {"session": session})
    render.note(f"deleted {session}")


@sessions_app.command("export", epilog="Example: codesaga sessions export parser -o parser.md")
def sessions_export(
    session: SessionArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="markdown or json.")] = "markdown",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
) -> None:
    """Export a session as Markdown or JSON."""
    text = _control("sessions/export", {"session": session, "format": fmt})["text"]
    if output is None:
        sys.stdout.write(text)
        return
    output.write_text(text, encoding="utf-8")
    render.note(f"exported to {output}")


def _one_line_summaries(*apps: typer.Typer) -> None:
    """Command lists show each command's first docstring paragraph with its line breaks
    (Typer keeps them in rich mode); give them the paragraph as one line instead."""
    for typer_app in apps:
        for info in typer_app.registered_commands:
            doc = inspect.getdoc(info.callback) if info.callback else None
            if info.short_help is None and doc:
                info.short_help = " ".join(doc.split("\n\n")[0].split())


_one_line_summaries(
    app,
    models_app,
    config_app,
    upstreams_app,
    saga_app,
    hook_app,
    daemon_app,
    requests_app,
    sessions_app,
)
