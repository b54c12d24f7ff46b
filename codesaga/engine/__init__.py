"""The Engine port and its adapters. Import adapters from their modules: they are heavy."""

from codesaga.engine.port import (
    CancelToken,
    Delta,
    Engine,
    EngineInfo,
    Finished,
    GenerationRequest,
    collect,
)

__all__ = [
    "CancelToken",
    "Delta",
    "Engine",
    "EngineInfo",
    "Finished",
    "GenerationRequest",
    "collect",
]
