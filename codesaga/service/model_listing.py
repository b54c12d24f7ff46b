"""The models CodeSaga knows: every preset and every installed model, once, with what each
role uses. `codesaga models list`, the daemon's `models/list` and the HTTP API's
`/v1/models` all list from here."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codesaga.domain.enums import Role
from codesaga.domain.errors import CodeSagaError
from codesaga.model_files.presets import PRESETS
from codesaga.model_files.store import ModelStore
from codesaga.service.engine_pool import ModelResolver
from codesaga.settings import Settings


@dataclass(frozen=True)
class ModelListing:
    name: str
    installed: bool
    verified: bool  # its size and sha256 were checked
    path: Path | None
    size: int | None  # bytes: installed, else the preset's download
    roles: tuple[str, ...]  # the roles whose model it is
    description: str
    loaded: bool = False  # in a running daemon's memory

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "installed": self.installed,
            "verified": self.verified,
            "path": str(self.path) if self.path else None,
            "size": self.size,
            "roles": list(self.roles),
            "description": self.description,
            "loaded": self.loaded,
        }


def list_models(
    settings: Settings, store: ModelStore, *, loaded: Iterable[Path] = ()
) -> list[ModelListing]:
    """Presets first (in their order), then installed models that are not presets."""
    installed = {m.name: m for m in store.installed()}
    serving = _serving(settings, store)
    in_memory = {str(path) for path in loaded}
    listing = []
    for name in dict.fromkeys([*PRESETS, *installed]):
        preset, found = PRESETS.get(name), installed.get(name)
        listing.append(
            ModelListing(
                name=name,
                installed=found is not None,
                # Checked against the preset's own sha256 where it has one: a file of the
                # preset's name pulled from elsewhere was shown as the verified preset.
                verified=bool(found and found.sha256)
                and (preset is None or preset.sha256 in (None, found and found.sha256)),
                path=found.path if found else None,
                size=found.size if found else (preset.size if preset else None),
                # The roles it answers: by its file (a role set by a .gguf path was
                # nobody's), and not a preset that is set but not installed.
                roles=tuple(
                    str(r) for r, path in serving.items() if found and path == found.path.resolve()
                ),
                description=preset.description if preset else "local file",
                loaded=found is not None and str(found.path) in in_memory,
            )
        )
    return listing


def _serving(settings: Settings, store: ModelStore) -> dict[Role, Path]:
    """The file that answers each role that has one (standing in for one not installed)."""
    resolver = ModelResolver(settings, store)
    serving = {}
    for role in Role:
        with contextlib.suppress(CodeSagaError):
            serving[role] = resolver.resolve(role).path.resolve()
    return serving
