"""The import-linter contracts (pyproject.toml) keep up with the package: a new engine
adapter module is forbidden to the service layer as the old ones are."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_engine_module_but_the_port_is_kept_from_the_service_layer() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    contracts = config["tool"]["importlinter"]["contracts"]
    (adapters,) = [c for c in contracts if "codesaga.service" in c.get("source_modules", [])]
    modules = {
        f"codesaga.engine.{path.stem}"
        for path in (ROOT / "codesaga" / "engine").glob("*.py")
        if path.stem not in ("__init__", "port")
    }
    assert modules == set(adapters["forbidden_modules"])
