"""Upstreams: shared inference servers the daemon may send work to, and the privacy rule
that keeps some files from ever leaving the machine. Pure: no I/O, no HTTP."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import urlsplit

from codesaga.domain.enums import Role
from codesaga.domain.errors import UsageError

# Completion is typed against: it stays on the laptop unless an upstream names it.
REMOTE_ROLES_DEFAULT: tuple[Role, ...] = (Role.GENERATE, Role.REFACTOR, Role.FIX, Role.CHAT)


class UpstreamKind(StrEnum):
    OPENAI = "openai"  # any OpenAI-compatible server: vLLM, Ollama's /v1, another CodeSaga
    LLAMA_SERVER = "llama-server"  # llama.cpp's server: also has /infill for completion


@dataclass(frozen=True)
class Timeouts:
    """Seconds an upstream gets: to connect, to send its first token, between two tokens."""

    connect: float = 3.0
    first_token: float = 120.0
    idle: float = 20.0


@dataclass(frozen=True)
class UpstreamSpec:
    name: str
    url: str  # the OpenAI-compatible base URL, ending in /v1 as a rule
    model: str = ""  # the model name sent upstream; "" asks the server (GET /models)
    roles: tuple[Role, ...] = REMOTE_ROLES_DEFAULT
    role_models: Mapping[Role, str] = field(default_factory=dict)
    kind: UpstreamKind = UpstreamKind.OPENAI
    key: str | None = field(default=None, repr=False)  # never printed, logged or journaled
    n_ctx: int = 32768
    fim: str | None = None  # the model's FIM format name, if completion is routed here

    def serves(self, role: Role) -> bool:
        return role in self.roles

    def model_for(self, role: Role) -> str:
        return self.role_models.get(role, self.model)

    @property
    def display_url(self) -> str:
        """The URL without any user:password part."""
        return without_credentials(self.url)


def header_key(key: str | None, where: str) -> str | None:
    """An API key as a bearer header carries it: without the spaces and line ends around it
    (a key file saved with a newline, or on Windows); one with another character a header
    cannot hold is refused, naming ``where`` and never the key (the HTTP library's error
    quoted it, escaped, past the scrubbing of logs and errors)."""
    if key is None:
        return None
    key = key.strip()
    if not all(" " < c <= "~" for c in key):
        raise UsageError(
            f"{where}: its API key has a character an HTTP header cannot carry (a space, a "
            "line break, a control or non-ASCII character); check the key"
        )
    return key or None


def without_credentials(url: str) -> str:
    """``url`` without any user:password part (and query), fit to print."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"


def parse_roles(raw: str | Iterable[str], source: str) -> tuple[Role, ...]:
    names = [r.strip() for r in (raw.split(",") if isinstance(raw, str) else raw)]
    try:
        return tuple(Role(name) for name in names if name)
    except ValueError:
        valid = ", ".join(r.value for r in Role)
        raise UsageError(f"{source}: roles must be among {valid}; got {list(names)}") from None


def parse_upstream(
    entry: Mapping[str, object], env: Mapping[str, str], source: str
) -> UpstreamSpec:
    """One ``[[upstreams]]`` table of config.toml."""
    if not isinstance(entry, Mapping):
        raise UsageError(f"{source}: upstreams must be [[upstreams]] tables, not {entry!r}")
    known = {"name", "url", "model", "models", "roles", "kind", "key", "key_env", "n_ctx", "fim"}
    unknown = set(entry) - known
    if unknown:
        raise UsageError(
            f"{source}: unknown upstream keys {sorted(unknown)}; known: {sorted(known)}"
        )
    name, url = entry.get("name"), entry.get("url")
    if not isinstance(name, str) or not name or not isinstance(url, str):
        raise UsageError(f"{source}: every [[upstreams]] needs a name and a url")
    check_url(url, f"{source}: upstream {name}")
    key = entry.get("key")
    key_env = entry.get("key_env")
    if isinstance(key_env, str):
        key = env.get(key_env) or None
    models = entry.get("models", {})
    if not isinstance(models, Mapping):
        raise UsageError(f"{source}: upstream {name}: models must be a table of role = model")
    roles = entry.get("roles")
    try:
        kind = UpstreamKind(str(entry.get("kind", "openai")))
        n_ctx = int(str(entry.get("n_ctx", 32768)))
    except ValueError as exc:
        raise UsageError(f"{source}: upstream {name}: {exc}") from None
    return UpstreamSpec(
        name=name,
        url=url.rstrip("/"),
        model=str(entry.get("model", "")),
        roles=parse_roles(_strings(roles), source) if roles is not None else REMOTE_ROLES_DEFAULT,
        role_models={role: str(models[role.value]) for role in Role if role.value in models},
        kind=kind,
        key=header_key(str(key) if key else None, f"{source}: upstream {name}"),
        n_ctx=n_ctx,
        fim=str(entry["fim"]) if "fim" in entry else None,
    )


def _strings(value: object) -> str | list[str]:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return [str(v) for v in value]
    raise UsageError(f"roles must be a list of role names, not {value!r}")


def check_url(url: str, source: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{source}: {url!r} is not an http(s) URL such as http://gpu-box:8080/v1")


class PrivacyRules:
    """Globs of paths whose content never leaves the machine.

    A glob without "/" matches a file or folder name anywhere (``*.env``, ``secrets.py``,
    ``secrets`` covers a folder of that name and all below it); one with "/" matches the
    end of a path or a folder on it (``secrets/*`` and ``app/secrets`` both match
    ``/home/me/app/secrets/db.txt``), and one ending in "/" a folder (``secrets/`` is
    ``secrets/*``), as in a .gitignore. ``*`` crosses directories, so ``internal/*`` covers
    everything below ``internal``. One starting with "/" is a whole absolute path, or a
    folder's. (No project root is known here: a name also matches folders above it.)
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(p.strip() for p in patterns if p.strip())

    @classmethod
    def parse(cls, raw: str) -> PrivacyRules:
        return cls(raw.split(","))

    def match(self, path: str) -> str | None:
        """The first pattern ``path`` matches, or None."""
        posix = path.replace("\\", "/")
        parts = posix.split("/")
        for pattern in self.patterns:
            glob = pattern + "*" if pattern.endswith("/") else pattern  # a folder's all
            if "/" not in glob:  # a file's name, or a folder's anywhere on the path
                hit = any(fnmatch.fnmatchcase(part, glob) for part in parts)
            else:  # the path, or a folder it is in (`config/secrets` covers what it holds)
                globs = (glob, glob.rstrip("/") + "/*")
                if glob.startswith("/"):  # an absolute glob: the whole path
                    hit = any(fnmatch.fnmatchcase(posix, g) for g in globs)
                else:
                    tails = ["/".join(parts[i:]) for i in range(len(parts))]
                    hit = any(fnmatch.fnmatchcase(t, g) for t in tails for g in globs)
            if hit:
                return pattern
        return None

    def first_private(self, paths: Iterable[str]) -> tuple[str, str] | None:
        """(path, pattern) of the first private path, or None."""
        for path in paths:
            pattern = self.match(path)
            if pattern is not None:
                return path, pattern
        return None
