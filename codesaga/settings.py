"""Every setting in one place.

Each key has a documented default, a ``CODESAGA_<KEY>`` environment variable and an
optional entry in ``config.toml`` in the user config dir. Precedence: environment, then the
file, then the default. ``CODESAGA_HOME=DIR`` relocates every directory under DIR, which is
what tests and benchmarks use so they never touch the real home.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_type_hints

from codesaga.domain.enums import Role
from codesaga.domain.errors import UsageError
from codesaga.domain.retry import MAX_ATTEMPTS
from codesaga.domain.upstreams import (
    PrivacyRules,
    UpstreamKind,
    UpstreamSpec,
    check_url,
    header_key,
    parse_roles,
    parse_upstream,
    without_credentials,
)
from codesaga.setting_values import coerce, digest

APP_NAME = "codesaga"
ENV_PREFIX = "CODESAGA_"


def _key(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Settings:
    model: str | None = _key(
        None, "A preset name or .gguf path used for every role (overrides the per-role keys)."
    )
    model_completion: str = _key(
        "qwen2.5-coder-0.5b", "Model for inline completion: small and fast."
    )
    model_refactor: str = _key("qwen2.5-coder-1.5b", "Model for refactor.")
    model_fix: str = _key("qwen2.5-coder-1.5b", "Model for fix.")
    model_generate: str = _key("qwen2.5-coder-1.5b", "Model for generate.")
    model_chat: str = _key("qwen2.5-coder-1.5b", "Model for chat.")
    n_ctx: int = _key(8192, "Context window in tokens given to every local model.")
    n_threads: int = _key(0, "CPU threads for llama.cpp; 0 means one per core.")
    n_batch: int = _key(512, "Prompt tokens evaluated per batch.")
    max_file_bytes: int = _key(1024 * 1024, "Largest source file accepted, in bytes.")
    max_tokens: int = _key(2048, "Most tokens generated for one answer.")
    temperature: float = _key(0.0, "Sampling temperature for code tasks; 0 is deterministic.")
    completion_max_lines: int = _key(8, "Most lines in one inline completion.")
    completion_max_tokens: int = _key(128, "Most tokens generated for one inline completion.")
    completion_prefix_chars: int = _key(
        4000, "Most characters before the cursor in a completion prompt."
    )
    completion_suffix_lines: int = _key(
        24,
        "Lines after the cursor's line in a completion prompt at the start of a line (read "
        "again at each new line; what follows tells the model what belongs here).",
    )
    completion_suffix_lines_midline: int = _key(
        2,
        "Lines after the cursor's line when the cursor follows code on its line: the answer is "
        "then the rest of that line, which needs little look-ahead.",
    )
    completion_suffix_chars: int = _key(1500, "Most characters after the cursor in that prompt.")
    completion_lookahead_chars: int = _key(
        1000,
        "Most characters of the document below the mid-line suffix shown at the start of a "
        "completion prompt's prefix window (read once while a block is typed: the line being "
        "typed often repeats text further down). 0 turns it off.",
    )
    completion_context_chars: int = _key(
        2000, "Most characters of other files' recent chunks in a completion prompt."
    )
    completion_definitions: bool = _key(
        True,
        "Put the signatures of the definitions the cursor uses (the call being typed, the "
        "receiver's type, imported names) first in a completion prompt, from a symbol index "
        "of the workspace built in the background.",
    )
    completion_definitions_tokens: int = _key(
        512, "Most tokens (estimated) of those definitions in a completion prompt."
    )
    completion_order: Literal["auto", "psm", "spm"] = _key(
        "auto", "Completion prompt order: psm, spm (suffix first), or auto (the model's own)."
    )
    completion_speculate: bool = _key(
        True, "After showing a suggestion, precompute the one that follows its acceptance."
    )
    completion_cache_size: int = _key(512, "Recent completions kept in memory.")
    completion_warm: bool = _key(
        True,
        "Read a document's prompt ahead of its first completion when an editor opens it "
        "or switches to it (at idle priority; any request cancels it).",
    )
    completion_read_budget_ms: int = _key(
        1000,
        "A completion whose unread prompt would take longer than this to read (a file the "
        "model has not seen, a far jump) first reads a quarter of it (at most twice this "
        "long, less its short window's read and what was read of it in the background "
        "meanwhile), then is answered from a short window, and the rest is read in the "
        "background; a new line's suffix is cut to what reads in half of it; a request's "
        "timeBudgetMs replaces it; 0 waits for the whole prompt.",
    )
    completion_gate: bool = _key(
        True,
        "Hide a suggestion the model is unsure of: below the threshold it is answered empty "
        "(gated: true, journaled). Local models only: remote servers report no token "
        "probabilities, and their suggestions are always shown.",
    )
    completion_gate_measure: Literal["line", "mean", "least"] = _key(
        "line",
        "What the gate compares, of the tokens that wrote a suggestion's first line: line "
        "(the product of their probabilities: the model's probability of the whole line), "
        "mean (their geometric mean) or least (the least likely one's).",
    )
    completion_gate_threshold: float = _key(
        0.1,
        "Where the gate starts, for every model and language: the confidence (see "
        "completion_gate_measure) below which a suggestion is hidden (bench/gate_bench.py: "
        "with the 0.5B model, 45% fewer suggestions shown, 11 of 12 exact lines kept). "
        "Feedback moves each language's threshold (at most 4x either way) from there.",
    )
    completion_gate_target: float = _key(
        0.25,
        "The share of shown suggestions the gate aims to have accepted: a rejection raises "
        "the threshold a little, an acceptance lowers it, so they balance at this share "
        "(erring low: a share the model cannot reach would push the threshold to its 4x "
        "bound and hide most suggestions).",
    )
    next_edit: bool = _key(
        True,
        "Next-edit suggestions: after an edit, where the next one goes and what it is (a "
        "rename's other occurrences, a changed signature's calls, lines like the one just "
        "changed), at idle priority; false answers every nextEdit with no edit.",
    )
    state_cache_mib: int = _key(
        128,
        "MiB of saved KV-cache states per local model: documents being completed and chat "
        "sessions resume without re-reading their prompts; least recently used dropped.",
    )
    fast_apply: bool = _key(
        False,
        "Refactor and fix draft tokens from the code being rewritten and verify them in "
        "one batch (prompt-lookup decoding), only where that is expected to be faster: "
        "~0.6-0.75x the time on rewrites that keep most lines, ~1x otherwise. Experimental: "
        "at temperature 0 the answer is plain greedy decoding's except where two tokens are "
        "within llama.cpp's rounding of each other, and such a tie can change the answer "
        "(bench/fast_apply_bench.py).",
    )
    rewrite_attempts: int = _key(
        3,
        "Most model answers a fix or refactor takes to pass its checks: an answer without "
        "code, that does not parse, loses a name the file defined, changes nothing (a fix) or "
        "fails --verify is shown to the model again with the check's message; 1: no retry.",
    )
    rewrite_budget_seconds: float = _key(
        300.0, "No new attempt of a fix or refactor starts after this many seconds."
    )
    verify_timeout_seconds: float = _key(
        900.0,
        "How long a fix's or refactor's --verify command may run (and fix's first run of it, "
        "to see the error); one that runs longer is stopped with all it started, a failed "
        "verify. --verify-timeout overrides it.",
    )
    rewrite_retry_temperature: float = _key(
        0.6,
        "Sampling temperature of a fix's or refactor's second and later attempts (never below "
        "`temperature`): at temperature 0 a model told its answer failed mostly gives the same "
        "answer again (bench/fix_loop_bench.py).",
    )
    rewrite_retry_focus: bool = _key(
        True,
        "A fix's retries ask for only the function the failing test calls, written again, "
        "when the error's test lines name one function of the file (bench/fix_loop_bench.py); "
        "off: each retry asks for the whole file again, shown the failed attempt's diff.",
    )
    hook_mode: Literal["suggest", "apply", "check"] = _key(
        "suggest",
        "The pre-commit hook: suggest (show diffs, change nothing), apply (refactor and "
        "restage), check (fail the commit when there are suggestions).",
    )
    saga_keep_days: int = _key(
        90,
        "Days a finished saga (its copies of your files, for `saga undo`) and the hook's "
        "saved patch are kept; 0 keeps them all.",
    )
    hook_globs: tuple[str, ...] = _key(
        ("*.py",), "Globs of staged files the hook refactors (comma-separated in the environment)."
    )
    hook_instruction: str = _key("", "How the hook refactors (empty: improve readability).")
    hook_budget_seconds: float = _key(
        120.0, "After this long the hook skips the remaining files (and says so)."
    )
    upstream_url: str = _key(
        "",
        "An OpenAI-compatible server (e.g. http://gpu-box:8080/v1) that answers every role but "
        "completion; more servers as [[upstreams]] tables in config.toml (docs/gpu-server.md).",
    )
    upstream_key: str = _key(
        "", "API key for upstream_url, sent as a bearer token; never logged or shown."
    )
    upstream_model: str = _key("", "Model name to ask upstream_url for; empty: its first model.")
    upstream_roles: tuple[Role, ...] = _key(
        (Role.GENERATE, Role.REFACTOR, Role.FIX, Role.CHAT),
        "Roles upstream_url serves (comma-separated in the environment).",
    )
    upstream_kind: Literal["openai", "llama-server"] = _key(
        "openai", "upstream_url's server: openai (vLLM, Ollama, ...) or llama-server."
    )
    upstream_connect_timeout: float = _key(3.0, "Seconds to connect to an upstream.")
    upstream_first_token_timeout: float = _key(
        120.0, "Seconds an upstream may take to send the first token (it reads the prompt)."
    )
    upstream_idle_timeout: float = _key(
        20.0, "Seconds an upstream's stream may pause between tokens before it is given up."
    )
    upstream_retry_seconds: float = _key(
        30.0, "A failed upstream is skipped for this long, then tried again."
    )
    upstream_fallback_local: bool = _key(
        True, "When every upstream for a role fails, the local model answers."
    )
    upstream_hedge_tokens: int = _key(
        0,
        "Hedging: a request for at most this many tokens goes to the role's first two "
        "upstreams at once and the first to answer wins; 0 turns it off.",
    )
    private_paths: tuple[str, ...] = _key(
        (),
        "Globs of files whose content never leaves this machine (*.env, secrets/*): requests "
        "holding them are answered locally or refused (comma-separated in the environment).",
    )
    openai_port: int = _key(
        0,
        "Port of the daemon's OpenAI-compatible API on 127.0.0.1 (token required); 0 picks "
        "a free one, -1 disables it.",
    )
    openai_stable_key: bool = _key(
        False,
        "Give the OpenAI-compatible API a key of its own that survives restarts (made once, "
        "0600, in DATA_DIR/openai_key; delete the file for a new one) instead of the daemon's "
        "token, new at each start: with a fixed openai_port, clients that keep a key (Continue, "
        "aider) keep working.",
    )
    upstreams: tuple[UpstreamSpec, ...] = _key(
        (), "Named upstreams: [[upstreams]] tables in config.toml (see docs/gpu-server.md)."
    )
    idle_timeout: int = _key(1800, "Seconds without requests before the daemon exits; 0 = never.")
    max_queue: int = _key(16, "Requests that may wait per model before new ones get 'busy'.")
    cache_responses: bool = _key(True, "Answer identical deterministic requests from the cache.")
    ws_port: int = _key(
        0, "WebSocket port for editors on 127.0.0.1; 0 picks a free one, -1 disables it."
    )
    ws_host: str = _key(
        "127.0.0.1",
        "WebSocket address: a loopback one (127.0.0.1, ::1, localhost); others are refused.",
    )
    ws_origins: tuple[str, ...] = _key(
        (r"vscode-webview://[0-9a-z-]+", "vscode-file://vscode-app"),
        "Allowed WebSocket Origins: patterns, fullmatch (comma-separated in the environment); "
        "no Origin is allowed.",
    )
    ws_open_timeout: float = _key(5.0, "Seconds a WebSocket client has to finish its handshake.")
    hf_endpoint: str = _key(
        "https://huggingface.co", "Hugging Face endpoint for presets hosted there."
    )
    config_dir: Path = _key(None, "Where config.toml lives.")
    data_dir: Path = _key(None, "Where installed models live (models/ below it).")
    cache_dir: Path = _key(None, "Response cache and download scratch space.")
    state_dir: Path = _key(None, "Logs and journals.")
    runtime_dir: Path = _key(None, "Sockets, lock and token files (0700).")
    models_dir: Path = _key(None, "Installed GGUF models; defaults to DATA_DIR/models.")

    @property
    def threads(self) -> int:
        return self.n_threads or os.cpu_count() or 1

    @property
    def completion_read_budget(self) -> float:
        """completion_read_budget_ms in seconds (0: no limit)."""
        return self.completion_read_budget_ms / 1000

    def model_for(self, role: Role) -> str:
        if self.model:
            return self.model
        value: str = getattr(self, f"model_{role.value}")
        return value

    def explicit_model_for(self, role: Role) -> bool:
        """Whether the user chose this role's model (rather than taking the default)."""
        default = next(f.default for f in dataclasses.fields(Settings) if f.name == f"model_{role}")
        return self.model is not None or self.model_for(role) != default

    def fingerprint(self) -> dict[str, str]:
        """A digest per key the daemon acts on, so a client can tell which of its settings a
        running daemon does not share (it was started from another environment, or
        ``models load`` changed it). Digests, not values: keys must not travel."""
        return {
            f.name: digest(getattr(self, f.name))
            for f in dataclasses.fields(self)
            if f.name not in CLIENT_ONLY_KEYS
        }

    def describe(self) -> list[tuple[str, str, Any, str]]:
        """(key, environment variable, value, doc) for every key, for ``config show``."""
        return [
            (f.name, _variable(f.name), self._shown(f.name), f.metadata["doc"])
            for f in dataclasses.fields(self)
        ]

    def _shown(self, name: str) -> Any:
        value = getattr(self, name)
        if name == "upstream_key" and value:
            return "(set)"
        if name == "upstream_url" and value:
            return without_credentials(value)  # http://user:password@host is a secret too
        if name == "upstreams":
            return ", ".join(f"{u.name} ({u.display_url})" for u in value) or "()"
        if isinstance(value, tuple):
            return ",".join(map(str, value))  # as the environment variable takes it
        return value

    def all_upstreams(self) -> tuple[UpstreamSpec, ...]:
        """The [[upstreams]] of config.toml, then upstream_url's (CODESAGA_UPSTREAM_URL)."""
        if not self.upstream_url:
            return self.upstreams
        source = "upstream_url"
        check_url(self.upstream_url, source)
        try:
            kind = UpstreamKind(self.upstream_kind)
        except ValueError:  # the type says so; a Settings built in code may still get it wrong
            raise UsageError("upstream_kind must be openai or llama-server") from None
        from urllib.parse import urlsplit

        parts = urlsplit(self.upstream_url)
        name = f"{parts.hostname}:{parts.port}" if parts.port else str(parts.hostname)
        single = UpstreamSpec(
            name=name,
            url=self.upstream_url.rstrip("/"),
            model=self.upstream_model,
            roles=parse_roles(self.upstream_roles, source),
            kind=kind,
            key=header_key(self.upstream_key or None, "upstream_key"),
        )
        return (*self.upstreams, single)

    @property
    def privacy(self) -> PrivacyRules:
        return PrivacyRules(list(self.private_paths))


class Live:
    """The settings in force, one object shared by every part of a daemon: a reload replaces
    them with one assignment to ``current``, and each part reads ``current`` when it needs
    a value (so no part keeps a copy that a reload could miss)."""

    def __init__(self, settings: Settings) -> None:
        self.current = settings


def live(settings: Settings | Live) -> Live:
    """``settings`` as a holder: the shared one, or a fixed one of its own."""
    return settings if isinstance(settings, Live) else Live(settings)


def _default_dirs(env: Mapping[str, str]) -> dict[str, Path]:
    home = env.get(ENV_PREFIX + "HOME")
    if home:
        root = Path(home).expanduser().absolute()
        return {
            "config_dir": root / "config",
            "data_dir": root / "data",
            "cache_dir": root / "cache",
            "state_dir": root / "state",
            "runtime_dir": root / "run",
        }
    import platformdirs

    dirs = platformdirs.PlatformDirs(APP_NAME, appauthor=False)
    # Without XDG_RUNTIME_DIR, platformdirs falls back to a shared /tmp path: keep ours private.
    xdg_runtime = env.get("XDG_RUNTIME_DIR")
    runtime = Path(xdg_runtime) / APP_NAME if xdg_runtime else Path(dirs.user_state_dir) / "run"
    return {
        "config_dir": Path(dirs.user_config_dir),
        "data_dir": Path(dirs.user_data_dir),
        "cache_dir": Path(dirs.user_cache_dir),
        "state_dir": Path(dirs.user_state_dir),
        "runtime_dir": runtime,
    }


# Read by the command that runs, never by the daemon: a daemon with other values is no news.
CLIENT_ONLY_KEYS = frozenset(
    {
        "hook_mode",
        "hook_globs",
        "hook_instruction",
        "hook_budget_seconds",
        "hf_endpoint",
        "saga_keep_days",
        "verify_timeout_seconds",  # `fix/refactor --verify` runs the command itself
    }
)
# Read once when the daemon starts (its sockets, stores, queues and how it loads models): an
# edit of config.toml changes them at the next `codesaga daemon restart`, not before.
RESTART_KEYS = frozenset(
    {
        "n_ctx",
        "n_threads",
        "n_batch",
        "state_cache_mib",
        "max_queue",
        "cache_responses",
        "ws_port",
        "ws_host",
        "ws_origins",
        "ws_open_timeout",
        "openai_port",
        "openai_stable_key",
        "config_dir",
        "data_dir",
        "cache_dir",
        "state_dir",
        "runtime_dir",
        "models_dir",
    }
)


def _variable(name: str) -> str:
    """The environment variable that sets ``name``; what sets the keys no variable does."""
    if name == "upstreams":  # tables: config.toml's alone (CODESAGA_UPSTREAM_URL adds one)
        return "(config.toml only)"
    if name == "config_dir":  # the file cannot name where it is itself
        return f"{ENV_PREFIX}CONFIG_DIR (not config.toml)"
    return ENV_PREFIX + name.upper()


def _type_of(name: str) -> Any:
    """The type to coerce a raw value to: the Settings field's annotation."""
    return _HINTS[name]


# CODESAGA_ variables that are no setting and no misspelling: where everything lives, the
# commit hook's and a --verify command's, and those the tests and benchmarks set
# (scripts/dev.py, bench/, tests/).
OTHER_VARIABLES = frozenset(
    ENV_PREFIX + name
    for name in (
        "HOME", "SKIP", "FILES", "SAGA_KILL_AFTER", "PYTHON", "COMMAND",
        "REAL_MODEL_REQUIRED", "NET_GUARD_LOG", "WS_FORCE_BIND", "MIRRORS",
    )
)  # fmt: skip
MISSPELLED = 0.85  # how alike (difflib's ratio) a variable's name is to a setting's


def misspelled_variables(env: Mapping[str, str] | None = None) -> list[str]:
    """What to say of each CODESAGA_ variable that sets nothing though it is spelled almost
    as one that does (`CODESAGA_N_CXT`: the context stayed 4096 without a word), and of
    CODESAGA_UPSTREAMS (config.toml's tables only). Other names are left alone: an upstream's
    ``key_env`` may name any variable, of this prefix too."""
    import difflib

    env = os.environ if env is None else env
    settable = [ENV_PREFIX + f.name.upper() for f in dataclasses.fields(Settings)]
    settable.remove(ENV_PREFIX + "UPSTREAMS")
    said = []
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX) or name in settable or name in OTHER_VARIABLES:
            continue
        if name == ENV_PREFIX + "UPSTREAMS":
            said.append(f"{name} sets nothing: [[upstreams]] are read from config.toml only")
            continue
        near = difflib.get_close_matches(name, settable, 1, MISSPELLED)
        if near:
            said.append(f"{name} is no setting and sets nothing: did you mean {near[0]}?")
    return said


def config_file(env: Mapping[str, str] | None = None) -> Path:
    """The config.toml that ``load_settings(env)`` reads (CODESAGA_CONFIG_DIR first)."""
    env = os.environ if env is None else env
    return Path(env.get(ENV_PREFIX + "CONFIG_DIR") or _default_dirs(env)["config_dir"]) / (
        "config.toml"
    )


_HINTS = get_type_hints(Settings)

# Text keys whose default is empty text, meaning none (no upstream, the default instruction).
_EMPTY_MEANS_NONE = frozenset(
    f.name for f in dataclasses.fields(Settings) if _HINTS.get(f.name) is str and f.default == ""
)


# The least value each number may take (the rest: 0). A value under it made every request
# fail (max_queue 0: all busy; completion_cache_size -1: every completion raised) or asked
# llama.cpp for nonsense (n_batch 0).
_AT_LEAST_ONE = {
    "n_batch", "max_file_bytes", "max_tokens", "completion_max_lines", "completion_max_tokens",
    "max_queue",
}  # fmt: skip
_POSITIVE = {  # waits: 0 would give up at once
    "upstream_connect_timeout", "upstream_first_token_timeout", "upstream_idle_timeout",
    "ws_open_timeout", "verify_timeout_seconds",
}  # fmt: skip
_PORTS = {"openai_port", "ws_port"}  # -1: off


class _BadValue(UsageError):
    """A setting's value out of its range; ``key`` names the setting."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _check_values(settings: Settings) -> None:
    for f in dataclasses.fields(Settings):
        value = getattr(settings, f.name)
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        if value != value or value in (float("inf"), float("-inf")):  # NaN, infinities
            raise _BadValue(f.name, f"{f.name} = {value} is not a number to use")
        if f.name in _PORTS and not -1 <= value <= 65535:
            raise _BadValue(f.name, f"{f.name} = {value} is not a port (0 to 65535, or -1 for off)")
        if f.name in _POSITIVE and value <= 0:
            raise _BadValue(f.name, f"{f.name} = {value} must be more than 0 seconds")
        least = 1 if f.name in _AT_LEAST_ONE else 0
        if f.name not in _PORTS and value < least:
            raise _BadValue(f.name, f"{f.name} = {value} is too small; use at least {least}")
    s = settings
    if not 0 <= s.completion_gate_threshold <= 1:
        raise _BadValue(
            "completion_gate_threshold",
            "completion_gate_threshold is a probability: between 0 and 1",
        )
    if not 0 < s.completion_gate_target < 1:
        raise _BadValue(
            "completion_gate_target",
            "completion_gate_target is a share: between 0 and 1, both excluded",
        )
    if s.n_ctx < 256:
        raise _BadValue("n_ctx", f"n_ctx = {s.n_ctx} is too small; use at least 256")
    if not 0 <= s.temperature <= 2:
        raise _BadValue("temperature", f"temperature = {s.temperature}; use 0 to 2")
    if not 0 <= s.rewrite_retry_temperature <= 2:
        raise _BadValue(
            "rewrite_retry_temperature",
            "rewrite_retry_temperature is a sampling temperature: 0 to 2",
        )
    if not 1 <= s.rewrite_attempts <= MAX_ATTEMPTS:
        raise _BadValue(
            "rewrite_attempts", f"rewrite_attempts = {s.rewrite_attempts}; use 1 to {MAX_ATTEMPTS}"
        )


# `model`, and each role's `model_<role>` (as model_for reads them).
_MODEL_KEYS = frozenset({"model", *(f"model_{role.value}" for role in Role)})


def model_file(value: str, base: Path | None = None) -> str:
    """A model key's .gguf path as every process reads it (``~`` and ``$VARS`` expanded, a
    relative one taken in ``base``, else this process's folder, when a file is there): kept
    as given, it was looked for in the folder of each process that resolved it, the
    daemon's being wherever it started. Anything else is left as it is: a preset, an
    installed model's file name, an upstream's model id (`gpu/model.gguf`)."""
    if not value.lower().endswith(".gguf"):
        return value
    path = Path(os.path.expandvars(value)).expanduser()
    if path.is_absolute():
        return str(path)
    here = path if base is None else base / path
    try:
        return str(here.absolute()) if here.is_file() else value
    except OSError:  # the folder is gone (a daemon's, deleted since it started)
        return value


def load_settings(env: Mapping[str, str] | None = None, *, read_config: bool = True) -> Settings:
    """Build settings from the environment and the optional config file.

    Raises ``UsageError`` naming the key when a value has the wrong type or a key is unknown.
    """
    env = os.environ if env is None else env
    dirs = _default_dirs(env)
    names = {f.name for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}  # key -> the file or variable that set it
    path = config_file(env)
    if read_config and path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path} is not valid TOML: {exc}") from None
        for key, raw in data.items():
            if key == "upstreams":
                if not isinstance(raw, list):
                    raise UsageError(f"{path}: upstreams must be [[upstreams]] tables")
                values[key] = tuple(parse_upstream(entry, env, str(path)) for entry in raw)
                continue
            if key not in names:
                raise UsageError(f"{path}: unknown key {key!r}; see `codesaga config show`")
            if key == "config_dir":  # the daemon would read another file than this one
                raise UsageError(
                    f"{path}: config_dir cannot be set in the config file it names; set "
                    "CODESAGA_CONFIG_DIR instead"
                )
            if raw == "":  # as an empty variable: not set (`model = ""` chose no model)
                continue
            value = coerce(key, raw, _type_of(key), str(path))
            sources[key] = str(path)
            if isinstance(value, Path):
                # Beside the file that names it, not wherever each process happens to run.
                value = path.parent / Path(os.path.expandvars(value))
            elif key in _MODEL_KEYS and isinstance(value, str):
                value = model_file(value, path.parent)
            values[key] = value
    for name in names - {"upstreams"}:
        raw = env.get(ENV_PREFIX + name.upper())
        if raw == "" and name in _EMPTY_MEANS_NONE:
            # upstream_url and the like: an empty variable says "none" over config.toml
            # (so a shell can turn off the file's upstream); elsewhere it reads as not set.
            values[name] = ""
        elif raw not in (None, ""):
            value = coerce(name, raw, _type_of(name), ENV_PREFIX + name.upper())
            sources[name] = ENV_PREFIX + name.upper()
            # A relative path means the shell's folder, also to a daemon started elsewhere.
            if isinstance(value, Path):
                value = value.absolute()
            elif name in _MODEL_KEYS and isinstance(value, str):
                value = model_file(value)
            values[name] = value
    for name, default in dirs.items():
        values.setdefault(name, default)
    values.setdefault("models_dir", values["data_dir"] / "models")
    settings = Settings(**values)
    names_seen = [u.name for u in settings.all_upstreams()]
    if len(set(names_seen)) != len(names_seen):
        raise UsageError(f"upstream names must differ; got {names_seen}")
    try:
        _check_values(settings)
    except _BadValue as bad:
        # Said with where it was set: "n_ctx = 10 is too small" sent users looking through
        # config.toml for a value their shell's CODESAGA_N_CTX had set.
        where = sources.get(bad.key)
        raise UsageError(str(bad) + (f" (set by {where})" if where else "")) from None
    return settings
