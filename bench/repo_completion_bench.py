#!/usr/bin/env python3
"""Repository-level completion: exact lines with and without other files' definitions.

Cases come from real multi-file packages that are not this repository: pure-Python packages
installed beside CodeSaga (rich, httpx, starlette, ...) and TypeScript sources shipped in the
extension's node_modules (ajv, cheerio, @azure/msal-common, ...), or any folders given with
``--sources`` (held-out repositories). A case blanks one line of a function body that uses a
function, method or class defined in another file of the same package (and not in its own),
and puts the cursor after the line's indentation, as a programmer who starts that line.

Two daemons run side by side with the same model: ``completion_definitions`` off and on (the
package folder is the request's ``workspace``; its index is built before the first case).
Each case is asked of both, in turn first, so a machine that gets busier weighs on both
sides alike. A case is first primed by a request at the end of the line before (the
programmer was typing in that file: the model has read it), then asked for the blank line;
its latency is the second request's. Reported per side: the exact-line rate (the suggestion
is the blanked line, up to whitespace), p50 latency of the case and of the priming (a whole
prompt read), and for definitions on: the share of cases whose prompt showed the definition
the line uses (computed in-process), and the daemon's context-assembly p50 / p95. Also
computed in-process, for the cases whose line uses a member (`recv.name`): how often the
prompt would show it with the cursor after `recv.` and two letters of it, as when typing.

Target: exact-line rate +30 % relative with definitions, at <= +20 % p50 latency.

Usage: python bench/repo_completion_bench.py [--cases 40] [--seed 5] [--sources DIR,DIR]
       [--model PRESET] [--budget TOKENS] [--no-prime] [--show] [--set KEY=VALUE]
Needs the model installed (default qwen2.5-coder-0.5b, the completion default:
codesaga models pull qwen2.5-coder-0.5b).
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import importlib.util
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from installed import ROOT, add_set_option, installed_model, isolated_env, setting_overrides

from codesaga.client.lifecycle import connect, stop_daemon
from codesaga.domain.definition_context import Scope, choose, wanted
from codesaga.domain.definitions import CLASS, FUNCTION, METHOD, SymbolTable
from codesaga.domain.languages import detect_language
from codesaga.domain.symbol_refs import IDENT, references
from codesaga.model_files.presets import PRESETS
from codesaga.service.definition_extract import extract_definitions
from codesaga.service.prompt_reads import CHARS_PER_TOKEN
from codesaga.service.symbol_index import MAX_FILE_BYTES, indexable, skipped
from codesaga.settings import Settings, load_settings

MODEL = "qwen2.5-coder-0.5b"
PYTHON_PACKAGES = ["rich", "httpx", "starlette", "click", "jinja2", "markdown_it", "anyio"]
TS_PACKAGES = ["ajv", "cheerio", "@azure/msal-common", "@azure/msal-node"]
MAX_AMBIGUOUS = 3  # a name defined more often than this in a package makes no case
INDEX_TIMEOUT = 300.0
MEMBER_TYPED = 2  # letters of the member typed, for the in-process member count
_JS_METHODS = (
    "push pop shift unshift slice splice concat join reverse sort indexOf lastIndexOf includes "
    "find findIndex filter map reduce forEach some every keys values entries fill flat flatMap "
    "split trim trimStart trimEnd toLowerCase toUpperCase startsWith endsWith replace "
    "replaceAll substring substr charAt charCodeAt match matchAll padStart padEnd repeat "
    "toString valueOf hasOwnProperty call apply bind then catch finally resolve reject "
    "get set has add delete clear size length assign freeze create stringify parse "
    "isArray from of now error warn info debug log next"
)
# Methods of the languages' own types: a line calling `.append(` or `.slice(` uses the list's
# or the string's, whatever a package may also define under that name.
BUILTIN_NAMES = (
    frozenset(
        name
        for kind in (str, bytes, list, dict, set, tuple, int, object, type(open))
        for name in dir(kind)
    )
    | frozenset(dir(builtins))
    | frozenset(_JS_METHODS.split())
)
_STARTS = (
    "def ", "class ", "import ", "from ", "#", "@", '"""', "'''", "//", "*", "/*", "}",
    "export ", "interface ", "type ", "function ", "else", "elif ", "except", "case ",
)  # fmt: skip


def default_sources() -> list[Path]:
    """The installed Python packages and the extension's TypeScript dependencies we know of."""
    found = []
    for name in PYTHON_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.origin is not None:
            found.append(Path(spec.origin).parent)
    modules = ROOT / "extension" / "node_modules"
    found += [modules / name for name in TS_PACKAGES if (modules / name).is_dir()]
    return found


@dataclass(frozen=True)
class Case:
    root: Path  # the package: the workspace
    path: Path
    text: str  # the file with the line blanked (its indentation kept)
    line: int  # 0-based index of the blanked line
    indent: str
    target: str  # the line's code, without indentation
    uses: str  # the name of another file's definition the line uses

    @property
    def before(self) -> str:
        return "\n".join(self.text.split("\n")[: self.line]) + "\n" + self.indent

    @property
    def after(self) -> str:
        return "\n" + "\n".join(self.text.split("\n")[self.line + 1 :])

    @property
    def language(self) -> str:
        return detect_language(str(self.path)).id

    def name(self) -> str:
        return f"{self.path.relative_to(self.root.parent)}:{self.line + 1}"


# -- cases ----------------------------------------------------------------------------------


def source_files(root: Path) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        parts = path.relative_to(root).parts
        if (
            path.is_file()
            and indexable(path.name)
            and not any(skipped(p) for p in parts[:-1])
            and path.stat().st_size <= MAX_FILE_BYTES
        ):
            yield path


def package_table(root: Path) -> SymbolTable:
    """The package's definitions, as the daemon's index finds them."""
    table = SymbolTable()
    for path in source_files(root):
        found = extract_definitions(detect_language(str(path)).id, path.read_text(), str(path))
        if found:
            table.put(str(path), found)
    return table


def candidate_lines(root: Path, table: SymbolTable) -> Iterator[Case]:
    for path in source_files(root):
        text = path.read_text()
        own = {d.name for d in table.of_file(str(path))}
        lines = text.split("\n")
        in_string = _in_docstring(lines)
        for i, line in enumerate(lines):
            code = line.strip()
            if in_string[i] or i + 1 >= len(lines) or not _whole_statement(line, code):
                continue
            uses = _cross_file_name(code, own, table, str(path))
            if uses is None:
                continue
            indent = line[: len(line) - len(line.lstrip())]
            blanked = "\n".join([*lines[:i], indent, *lines[i + 1 :]])
            yield Case(root, path, blanked, i, indent, code, uses)


def _in_docstring(lines: list[str]) -> list[bool]:
    """Whether each line is inside a triple-quoted string or a block comment."""
    inside, marks = False, []
    for line in lines:
        marks.append(inside)
        toggles = line.count('"""') + line.count("'''") + line.count("/*") + line.count("*/")
        inside ^= toggles % 2 == 1
    return marks


def _whole_statement(line: str, code: str) -> bool:
    """A line of a function's body that is a whole statement on its own."""
    indented = len(line) - len(line.lstrip()) >= 4
    balanced = all(code.count(a) == code.count(b) for a, b in ("()", "[]", "{}"))
    return (
        indented
        and balanced
        and 12 <= len(code) <= 100
        and not code.startswith(_STARTS)
        and not code.endswith((",", "\\", "(", "[", "{", ":", "=>", "+", "&&", "||"))
        and code.count('"') % 2 == 0
        and code.count("'") % 2 == 0
        and code.count("`") % 2 == 0
    )


def _cross_file_name(code: str, own: set[str], table: SymbolTable, path: str) -> str | None:
    """A function, method or class another file of the package defines (and this one does
    not) that ``code`` calls, constructs or reads a member of."""
    for found in re.finditer(rf"({IDENT})\s*(\(|\.)?", code):
        name, after = found.group(1), found.group(2)
        if len(name) < 4 or name in own or name.startswith("__") or name in BUILTIN_NAMES:
            continue
        defined = [d for d in table.named(name) if d.kind in (CLASS, FUNCTION, METHOD)]
        if not defined or len(table.named(name)) > MAX_AMBIGUOUS:
            continue
        is_class = any(d.kind == CLASS for d in defined)
        if all(d.path != path for d in defined) and (after == "(" or (is_class and after)):
            return name
    return None


def build_cases(
    sources: list[Path], count: int, seed: int
) -> tuple[list[Case], dict[Path, SymbolTable]]:
    """``count`` cases, half Python and half TypeScript when both are there, spread evenly
    over the packages of each language."""
    rng = random.Random(seed)
    tables = {root: package_table(root) for root in sources}
    pools: dict[str, list[list[Case]]] = {}
    for root, table in tables.items():
        cases = list(candidate_lines(root, table))
        rng.shuffle(cases)
        if cases:
            pools.setdefault(cases[0].language, []).append(cases)
    if not pools:
        sys.exit("no cases: no line of these sources uses another file's definition")
    chosen: list[Case] = []
    languages = sorted(pools)
    for i in range(count):
        packages = pools[languages[i % len(languages)]]
        package = packages[(i // len(languages)) % len(packages)]
        if package:
            chosen.append(package.pop())
    return chosen, tables


def shows_definition(
    case: Case, table: SymbolTable, budget_tokens: int, before: str | None = None
) -> bool:
    """Whether the definitions the prompt would show include the one the line uses (with
    the cursor at the blank line's start, or after ``before``)."""
    before = case.before if before is None else before
    scope = Scope(table, str(case.path), case.language, before, case.after)
    ranked = wanted(references(before, case.after), scope)
    selection = choose(ranked, int(budget_tokens * CHARS_PER_TOKEN), _language_of)
    return any(key[2] == case.uses for key in selection.keys)


def member_typed(case: Case) -> str | None:
    """The line up to the receiver's dot and two letters of the member it uses
    (`this.cryptoProvider.ge`), as when typing it; None when the line does not use it as a
    member."""
    found = re.search(rf"([\w$]+(?:\.[\w$]+)*)\.{re.escape(case.uses)}\b", case.target)
    if found is None or (found.group(1)[:1].isupper() and "." not in found.group(1)):
        return None  # not a member, or a class's (`Foo.create`): a name, as the cases have
    return case.target[: found.end(1) + 1 + MEMBER_TYPED]


def shows_member_typed(case: Case, table: SymbolTable, budget_tokens: int) -> bool | None:
    """With the cursor after the receiver's dot and two letters of the member the line uses,
    whether the prompt would show that member; None when the line does not use it so."""
    typed = member_typed(case)
    if typed is None:
        return None
    return shows_definition(case, table, budget_tokens, case.before + typed)


def _language_of(path: str) -> str:
    return detect_language(path).id


# -- running --------------------------------------------------------------------------------


@dataclass
class Side:
    name: str
    exact: int = 0
    latencies: list[float] = field(default_factory=list)
    primes: list[float] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    assembly: dict[str, Any] = field(default_factory=dict)

    def rate(self) -> float:
        return self.exact / max(1, len(self.answers))

    def p50(self, values: list[float]) -> float:
        return statistics.median(values) if values else float("nan")


def same_line(answer: str, target: str) -> bool:
    first = answer.split("\n", 1)[0]
    return " ".join(first.split()) == " ".join(target.split())


def start_side(definitions: bool, base: dict[str, str], home: Path, model: str) -> Settings:
    """The settings of one side's daemon (started by the first connect)."""
    env = isolated_env(
        home,
        load_settings().models_dir,
        CODESAGA_MODEL=model,
        CODESAGA_COMPLETION_SPECULATE="0",  # each case stands alone
        CODESAGA_COMPLETION_WARM="0",  # the priming request reads the file, on both sides
        CODESAGA_COMPLETION_READ_BUDGET_MS="0",  # every answer from its whole prompt
        CODESAGA_COMPLETION_DEFINITIONS="1" if definitions else "0",
        **base,
    )
    return load_settings(env)


def case_requests(case: Case, typed: str = "") -> tuple[dict[str, Any], dict[str, Any]]:
    """The params of a case's two `complete` requests: the priming one at the end of the
    line before, then the blanked line's, with the cursor after its indentation and
    ``typed``, the start of the line written there (none: the bench's blank line)."""
    lines = case.text.split("\n")
    lines[case.line] += typed
    # Gate off: what is measured is what the model writes with and without definitions;
    # which suggestions the confidence gate would hide is gate_bench.py's question.
    common = {"content": "\n".join(lines), "path": str(case.path), "maxLines": 1,
              "workspace": str(case.root), "gate": False}  # fmt: skip
    prime = {**common, "line": case.line, "column": len(lines[case.line - 1]) + 1}
    return prime, {**common, "line": case.line + 1, "column": len(lines[case.line]) + 1}


def ask(client: Any, side: Side, case: Case, prime: bool) -> None:
    """The case on one side: primed at the end of the line before, then the blank line."""
    priming, blank = case_requests(case)
    if prime:
        started = time.perf_counter()
        client.call("complete", priming)
        side.primes.append(time.perf_counter() - started)
    started = time.perf_counter()
    result = client.call("complete", blank)
    side.latencies.append(time.perf_counter() - started)
    side.answers.append(str(result["text"]))
    side.exact += same_line(side.answers[-1], case.target)


def run(
    sides: list[Side],
    cases: list[Case],
    prime: bool,
    base: dict[str, str],
    tmp: Path,
    model: str = MODEL,
) -> None:
    """Both daemons at once, each case asked of one then the other (in turn first), so a
    machine that gets busier during the run weighs on both sides alike."""
    with contextlib.ExitStack() as stack:
        clients = []
        for side, on in zip(sides, (False, True), strict=True):
            settings = start_side(on, base, tmp / side.name, model)
            stack.callback(stop_daemon, settings)
            clients.append(stack.enter_context(connect(settings)))
        for i, case in enumerate(cases):
            if i == 0 or case.root != cases[i - 1].root:
                wait_for_index(clients[1], case)
            order = [0, 1] if i % 2 == 0 else [1, 0]
            for k in order:
                ask(clients[k], sides[k], case, prime)
            print(".", end="", flush=True)
        print()
        stats = clients[1].call("stats", {})
        sides[1].assembly = (stats.get("completion") or {}).get("definitions") or {}


def wait_for_index(client: Any, case: Case) -> None:
    """Start the case's package's index, as an editor showing a file of it would, and wait
    for it (the daemon keeps a few workspaces' indexes: cases come package by package). The
    empty text adds no chunk to the recent context: neither side shows other files' text."""
    client.call(
        "context/add",
        {"path": str(case.path), "text": "", "origin": "client", "workspace": str(case.root)},
    )
    deadline = time.monotonic() + INDEX_TIMEOUT
    while time.monotonic() < deadline:
        stats = client.call("stats", {})
        indexes = ((stats.get("completion") or {}).get("definitions") or {}).get("indexes", [])
        found = [i for i in indexes if i["root"] == str(case.root.resolve()) and i["ready"]]
        if found:
            print(f"[{case.root.name}: {found[0]['files']} files indexed]", end="", flush=True)
            return
        time.sleep(0.5)
    sys.exit(f"the index of {case.root} was not built in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=40)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument(
        "--sources",
        help="comma-separated package folders (default: installed Python packages and the "
        "extension's TypeScript dependencies)",
    )
    parser.add_argument(
        "--model", default=MODEL, choices=sorted(PRESETS), help="the model both sides use"
    )
    parser.add_argument("--budget", type=int, help="completion_definitions_tokens for the run")
    parser.add_argument("--no-prime", action="store_true", help="ask each case cold")
    parser.add_argument("--show", action="store_true", help="print every answer")
    add_set_option(parser)
    args = parser.parse_args()
    overrides = setting_overrides(args.set)
    if args.budget is not None:
        overrides["CODESAGA_COMPLETION_DEFINITIONS_TOKENS"] = str(args.budget)
    installed_model(load_settings(), args.model)
    sources = [Path(s).resolve() for s in args.sources.split(",")] if args.sources else (
        default_sources()
    )  # fmt: skip
    print("sources:", ", ".join(str(s) for s in sources), flush=True)
    cases, tables = build_cases(sources, args.cases, args.seed)
    cases.sort(key=lambda case: str(case.root))  # package by package (see wait_for_index)
    budget = args.budget or load_settings().completion_definitions_tokens
    shown = [shows_definition(c, tables[c.root], budget) for c in cases]
    members = [shows_member_typed(c, tables[c.root], budget) for c in cases]
    typed = [m for m in members if m is not None]
    print(
        f"member being typed ({MEMBER_TYPED} letters after the receiver's dot) shown in the "
        f"prompt: {sum(typed)}/{len(typed)}",
        flush=True,
    )
    python = sum(c.language == "python" for c in cases)  # the rest: TypeScript, JavaScript
    by_language = {"python": python, "typescript/javascript": len(cases) - python}
    print(f"{len(cases)} cases {by_language}", flush=True)

    sides = [Side("without"), Side("with")]
    with tempfile.TemporaryDirectory(prefix="codesaga-bench-") as tmp:
        run(sides, cases, not args.no_prime, overrides, Path(tmp), args.model)

    report(sides, cases, shown, args.show)


def report(sides: list[Side], cases: list[Case], shown: list[bool], show: bool) -> None:
    without, with_ = sides
    for i, case in enumerate(cases):
        a, b = without.answers[i], with_.answers[i]
        if show or same_line(a, case.target) != same_line(b, case.target):
            mark = "shown" if shown[i] else "not shown"
            print(f"{case.name()}  uses {case.uses} ({mark})\n  want    {case.target!r}")
            print(f"  without {a.split(chr(10))[0]!r}\n  with    {b.split(chr(10))[0]!r}")
    print()
    for side in sides:
        print(
            f"{side.name:<8} exact {side.exact:>3}/{len(cases)} ({side.rate():.0%})  "
            f"p50 {side.p50(side.latencies) * 1000:6.0f} ms  "
            + (f"primed p50 {side.p50(side.primes) * 1000:6.0f} ms" if side.primes else "")
        )
    print(f"definition the line uses shown in the prompt: {sum(shown)}/{len(cases)}")
    assembly = with_.assembly
    print(
        f"context assembly (definitions) p50 {assembly.get('assembly_ms_p50')} ms, "
        f"p95 {assembly.get('assembly_ms_p95')} ms over {assembly.get('assemblies')} requests"
    )
    if without.rate():
        gain = with_.rate() / without.rate() - 1
    else:  # nothing exact without: any exact line with is a gain, none is none
        gain = float("inf") if with_.rate() else 0.0
    cost = with_.p50(with_.latencies) / without.p50(without.latencies) - 1
    met = gain >= 0.30 and cost <= 0.20
    print(
        f"exact-line rate {gain:+.0%} relative, p50 {cost:+.0%}  "
        f"(target: >= +30 % at <= +20 %): {'met' if met else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
