"""llama.cpp's AMX code crashes (ggml-org/llama.cpp#26954): a build that has it loads models
without extra buffer types, by wrapping the defaults ``Llama`` starts from."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from codesaga.engine import llama_cpp as adapter

AMX_BUILD = (
    "CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | AVX512_VNNI = 1 | AMX_INT8 = 1 | "
    "LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "
)
PLAIN_BUILD = "CPU : SSE3 = 1 | AVX2 = 1 | AVX512 = 1 | LLAMAFILE = 1 | OPENMP = 1 | REPACK = 1 | "


def test_an_amx_build_is_told_from_its_system_info() -> None:
    assert adapter.amx_compiled(AMX_BUILD)
    assert not adapter.amx_compiled(PLAIN_BUILD)
    assert not adapter.amx_compiled(AMX_BUILD.replace("AMX_INT8 = 1", "AMX_INT8 = 0"))


def _library(defaults: Any) -> Any:
    return SimpleNamespace(llama_cpp=SimpleNamespace(llama_model_default_params=defaults))


def test_models_load_without_extra_buffers_once_wrapped(caplog: pytest.LogCaptureFixture) -> None:
    lib = _library(lambda: SimpleNamespace(use_extra_bufts=True, use_mmap=True))
    with caplog.at_level(logging.WARNING, logger=adapter.__name__):
        adapter._without_extra_buffers(lib)
        adapter._without_extra_buffers(lib)  # a second model: wrapped once, said once
    params = lib.llama_cpp.llama_model_default_params()
    assert params.use_extra_bufts is False
    assert params.use_mmap is True  # the other defaults are left as they were
    assert len([r for r in caplog.records if "AMX" in r.getMessage()]) == 1


def test_the_real_parameters_have_the_field_it_turns_off() -> None:
    """The wrapper sets a field of llama.cpp's model parameters: a ctypes structure takes any
    attribute, so a renamed field would be set in vain; the structure must declare it."""
    import llama_cpp

    lib = _library(llama_cpp.llama_cpp.llama_model_default_params)
    adapter._without_extra_buffers(lib)
    params = lib.llama_cpp.llama_model_default_params()
    assert "use_extra_bufts" in {name for name, *_ in type(params)._fields_}
    assert params.use_extra_bufts is False


def test_llama_server_on_an_amx_cpu_runs_without_extra_buffers(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f amx_bf16 amx_tile\n")
    assert adapter.llama_server_args(cpuinfo) == ["--no-repack"]
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu sse avx2 avx512f\nbugs\t\t: amx_tile\n")
    assert adapter.llama_server_args(cpuinfo) == []
    assert adapter.llama_server_args(tmp_path / "absent") == []
