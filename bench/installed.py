"""What every benchmark needs first: an installed model (or a clear exit saying how)."""

from __future__ import annotations

import sys
from pathlib import Path

from codesaga.models.presets import PRESETS
from codesaga.models.store import ModelStore
from codesaga.settings import Settings


def installed_model(settings: Settings, name: str) -> Path:
    store = ModelStore(settings.models_dir)
    preset = PRESETS[name]
    if not store.is_installed(preset):
        sys.exit(f"{name} is not installed: codesaga models pull {name}")
    return store.path_for(preset)
