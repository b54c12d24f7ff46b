"""A setting's value from its text (the environment's, or a TOML value), by the type of its
key; and the digest by which a client and the daemon compare settings without sending them."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from codesaga.domain.enums import Role
from codesaga.domain.errors import UsageError
from codesaga.domain.upstreams import parse_roles


def digest(value: Any) -> str:
    return hashlib.sha256(repr(_canonical(value)).encode()).hexdigest()[:16]


def _canonical(value: Any) -> Any:
    """Plain nested tuples for a digest; unlike ``repr`` it includes fields kept out of
    reprs (an upstream's key)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        return tuple((f.name, _canonical(getattr(value, f.name))) for f in fields)
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _canonical(v)) for k, v in value.items()))
    if isinstance(value, tuple | list):
        return tuple(_canonical(v) for v in value)
    return str(value) if isinstance(value, Path) else value


TRUE, FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")


def coerce(name: str, raw: Any, target: Any, source: str) -> Any:
    """``raw`` (a string from the environment, or a TOML value) as the key's type; a
    ``UsageError`` naming the key, and the choices where there are some, when it is not."""
    if get_origin(target) is Literal:
        choices = get_args(target)
        if raw not in choices:
            raise UsageError(
                f"{source}: {name} = {raw!r} is not one of {', '.join(map(str, choices))}"
            )
        return raw
    if get_origin(target) is tuple:
        items = raw.split(",") if isinstance(raw, str) else raw
        if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
            raise UsageError(
                f"{source}: {name} must be a list of strings (or one, comma-separated)"
            )
        items = [i.strip() for i in items if i.strip()]
        if get_args(target)[0] is Role:
            return parse_roles(items, f"{source}: {name}")
        return tuple(items)
    try:
        if target is bool:
            return _boolean(raw)
        # A TOML value of another type is refused, not converted: `n_ctx = 4096.9` was
        # 4096, `temperature = true` was 1.0 and `model_chat = [1, 2]` the text "[1, 2]".
        if target is int:
            if isinstance(raw, bool | float):
                raise ValueError
            return int(raw)
        if target is float:
            if isinstance(raw, bool):
                raise ValueError
            return float(raw)
        if not isinstance(raw, str):
            raise ValueError
        if not raw.strip():  # `CODESAGA_MODEL_CHAT=" "`: no name at all
            raise ValueError
        if target is Path:
            return Path(raw).expanduser()
        return raw
    except (TypeError, ValueError):
        # `str | None` (the model key) has no __name__: the error itself was a traceback.
        kind = (
            "true or false" if target is bool else f"a valid {getattr(target, '__name__', 'str')}"
        )
        raise UsageError(f"{source}: {name} = {raw!r} is not {kind}") from None


def _boolean(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int) and raw in (0, 1):  # config files written before keys were bools
        return bool(raw)
    text = str(raw).strip().lower()
    if text in TRUE or text in FALSE:
        return text in TRUE
    raise ValueError(raw)
