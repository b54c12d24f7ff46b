#!/usr/bin/env python3
"""Fix loop: the pass rate of `codesaga fix --verify` with one attempt vs with retries.

Each case in bench/data/fix_loop/ is a small program with one bug (off-by-one, wrong
operator, wrong variable, missing return, wrong condition, an exception not handled, ...)
and a test that fails because of it: Python run by python, JavaScript by node. A case is
copied to a temporary directory, its test run to get the error, and the product's own path
fixes it: `codesaga fix FILE --error - --apply --verify TEST --attempts N` (the CLI, the
saga, the daemon, the model), once with N = 1 and once with N = 3 (the default). Then the
test runs again on what is on disk.

Reported per mode: cases passed, the pass rate (also per language), the model answers taken
and the time. Targets: the pass rate with retries at least 15 points above one attempt's,
and never a file left on disk that fails its test (the saga writes only a rewrite that
passed --verify, or puts the original back).

Usage: python bench/fix_loop_bench.py [--model qwen2.5-coder-1.5b] [--limit N] [--attempts 3]
[--data DIR] [--set KEY=VALUE]; --limit takes the first N cases of each language (a smoke
run); --data another set, e.g. bench/data/fix_loop_heldout (10 programs written after the
retry styles were chosen). Uses a temporary CODESAGA_HOME and the installed model; needs
node.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from installed import add_set_option, installed_model, isolated_env, setting_overrides

from codesaga.client.lifecycle import stop_daemon
from codesaga.saga.log import SagaStore
from codesaga.settings import load_settings

DATA = Path(__file__).resolve().parent / "data" / "fix_loop"
TEST_TIMEOUT = 60
FIX_TIMEOUT = 900
ERROR_CHARS = 3000  # the end of a failing test's output, given as --error


@dataclass(frozen=True)
class Case:
    id: str
    language: str
    file: str
    test: str
    bug: str
    data: Path = DATA  # the set it comes from

    def command(self) -> str:
        """The test command; `python` is this interpreter (there may be none on PATH)."""
        program, _, rest = self.test.partition(" ")
        runner = shlex.quote(sys.executable) if program == "python" else program
        return f"{runner} {rest}"


@dataclass(frozen=True)
class Outcome:
    case: Case
    attempts_allowed: int
    exit_code: int
    passed: bool  # the test passes on what is on disk afterwards
    changed: bool  # the file on disk is not the original
    attempts: int  # model answers the saga journaled
    seconds: float

    @property
    def written_failing(self) -> bool:
        return self.changed and not self.passed


def load_cases(limit: int | None, data: Path = DATA) -> list[Case]:
    raw = json.loads((data / "cases.json").read_text())
    cases = [Case(c["id"], c["language"], c["file"], c["test"], c["bug"], data) for c in raw]
    if not limit:
        return cases
    languages = dict.fromkeys(c.language for c in cases)
    return [c for lang in languages for c in [c for c in cases if c.language == lang][:limit]]


def run_test(case: Case, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        case.command(),
        shell=True,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TEST_TIMEOUT,
        check=False,
    )


def check_data(cases: list[Case]) -> None:
    """Every case's test fails on its program and passes once the known fix (``fix`` in
    cases.json: a replacement) is made; no model involved."""
    known = {
        c["id"]: c["fix"]
        for data in {case.data for case in cases}
        for c in json.loads((data / "cases.json").read_text())
    }
    with tempfile.TemporaryDirectory(prefix="codesaga-fix-loop-data-") as tmp:
        for case in cases:
            work = Path(tmp) / case.id
            shutil.copytree(case.data / case.id, work)
            buggy = run_test(case, work).returncode != 0
            old, new = known[case.id]
            target = work / case.file
            target.write_text(target.read_text().replace(old, new, 1))
            fixed = run_test(case, work).returncode == 0
            if not (buggy and fixed):
                sys.exit(f"{case.id}: fails before the fix {buggy}, passes after it {fixed}")
    print(f"{len(cases)} cases: each test fails on its bug and passes once it is fixed")


def saga_attempts(home: Path, file: Path) -> int:
    """The model answers journaled by the saga that worked on ``file``."""
    for log in SagaStore(home / "state" / "sagas").all():
        events = log.events()
        if events and str(file) in events[0].get("files", []):
            return sum(1 for e in events if e["event"] == "attempt")
    return 0


def fix_case(case: Case, attempts: int, work: Path, env: dict[str, str], home: Path) -> Outcome:
    shutil.copytree(case.data / case.id, work)
    target = work / case.file
    original = target.read_bytes()
    before = run_test(case, work)
    if before.returncode == 0:
        sys.exit(f"{case.id}: its test passes before any fix; the case is broken")
    error = (before.stdout + before.stderr)[-ERROR_CHARS:]
    exe = str(Path(sys.executable).with_name("codesaga"))
    argv = [exe, "fix", case.file, "--error", "-", "--apply", "--verify", case.command()]
    started = time.perf_counter()
    proc = subprocess.run(
        [*argv, "--attempts", str(attempts), "--json"],
        input=error,
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=FIX_TIMEOUT,
        check=False,
    )
    seconds = time.perf_counter() - started
    after = run_test(case, work)
    return Outcome(
        case,
        attempts,
        proc.returncode,
        after.returncode == 0,
        target.read_bytes() != original,
        saga_attempts(home, target.absolute()),
        seconds,
    )


def warm_up(env: dict[str, str], model: str, cwd: Path) -> None:
    """Start the daemon and load the model, so no case's time includes either."""
    exe = str(Path(sys.executable).with_name("codesaga"))
    for argv in (["daemon", "start"], ["generate", "say ok", "--model", model, "--json"]):
        proc = subprocess.run(
            [exe, *argv], env=env, cwd=cwd, capture_output=True, text=True, check=False
        )
        if proc.returncode != 0:
            sys.exit(f"codesaga {argv[0]} failed: {proc.stderr.strip()}")


def rate(outcomes: list[Outcome]) -> float:
    return 100.0 * sum(o.passed for o in outcomes) / max(1, len(outcomes))


def report(modes: dict[int, list[Outcome]], model: str) -> bool:
    """Print the table; True when both targets are met."""
    any_mode = next(iter(modes.values()))
    languages = sorted({o.case.language for o in any_mode})
    counts = ", ".join(
        f"{sum(o.case.language == lang for o in any_mode)} {lang}" for lang in languages
    )
    print(f"\nfix loop: {len(any_mode)} cases ({counts}), model {model}\n")
    header = f"{'attempts':>8} {'passed':>7} {'rate':>6} "
    header += " ".join(f"{lang[:10]:>10}" for lang in languages)
    header += f" {'answers':>8} {'total s':>8} {'p50 s':>6} {'max s':>6} {'written failing':>15}"
    print(header)
    for allowed, outcomes in modes.items():
        seconds = [o.seconds for o in outcomes]
        per_language = " ".join(
            f"{rate([o for o in outcomes if o.case.language == lang]):>9.0f}%" for lang in languages
        )
        print(
            f"{'<= ' + str(allowed):>8} {sum(o.passed for o in outcomes):>7} "
            f"{rate(outcomes):>5.0f}% {per_language} "
            f"{statistics.mean(o.attempts for o in outcomes):>8.2f} {sum(seconds):>8.1f} "
            f"{statistics.median(seconds):>6.1f} {max(seconds):>6.1f} "
            f"{sum(o.written_failing for o in outcomes):>15}"
        )
    first, *_, last = modes.values()
    gain = rate(last) - rate(first)
    failing = sum(o.written_failing for outcomes in modes.values() for o in outcomes)
    print(
        f"\npass rate up by {gain:.0f} points (target >= 15); files left on disk that fail "
        f"their test: {failing} (target 0)"
    )
    return gain >= 15 and failing == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="the fix model")
    parser.add_argument(
        "--limit", type=int, default=None, help="only the first N cases of each language"
    )
    parser.add_argument("--attempts", type=int, default=3, help="attempts with the loop")
    parser.add_argument("--only", help="comma-separated case ids: only these")
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help="the set: a folder of cases and their cases.json (e.g. bench/data/fix_loop_heldout)",
    )
    parser.add_argument(
        "--check-data", action="store_true", help="only check the cases (no model): then exit"
    )
    add_set_option(parser)
    args = parser.parse_args()
    if shutil.which("node") is None:
        sys.exit("node is not on PATH; the JavaScript cases need it")
    if args.check_data:
        check_data(load_cases(args.limit, args.data))
        return
    real = load_settings()
    installed_model(real, args.model)
    cases = load_cases(args.limit, args.data)
    if args.only:
        wanted = set(args.only.split(","))
        cases = [c for c in cases if c.id in wanted]
        if not cases:
            sys.exit(f"no case is named {args.only}")
    with tempfile.TemporaryDirectory(prefix="codesaga-fix-loop-") as tmp:
        root = Path(tmp)
        home = root / "home"
        env = isolated_env(
            home,
            real.models_dir,
            CODESAGA_MODEL_FIX=args.model,
            CODESAGA_CACHE_RESPONSES="0",  # the loop's first answers are not the cache's
            **setting_overrides(args.set),
        )
        modes: dict[int, list[Outcome]] = {}
        try:
            warm_up(env, args.model, root)
            for allowed in (1, args.attempts):
                outcomes = modes.setdefault(allowed, [])
                for case in cases:
                    work = root / f"attempts-{allowed}" / case.id
                    outcome = fix_case(case, allowed, work, env, home)
                    outcomes.append(outcome)
                    verdict = "pass" if outcome.passed else f"fail (exit {outcome.exit_code})"
                    print(
                        f"  <= {allowed} {case.id:<22} {verdict:<15} {outcome.attempts} "
                        f"answer(s) {outcome.seconds:6.1f} s"
                        + ("  WRITTEN BUT FAILING" if outcome.written_failing else ""),
                        flush=True,
                    )
        finally:
            stop_daemon(load_settings(env))
    met = report(modes, args.model)
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
