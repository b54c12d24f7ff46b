"""A real daemon (sockets, protocol, journal, completer) with a scripted engine, for the
editor extension's tests (extension/test/), which start it as a process.

Usage: CODESAGA_HOME=DIR python tests/fake_daemon.py RULES.json

RULES.json is ``{"rules": [["needle", "answer"], ...], "delay": 0.0}``: a request is answered
with the answer of the first rule whose needle its prompt contains (else nothing), one word
per token, ``delay`` seconds apart. Rules, not a queue, because the completer also runs
speculative generations the test does not see.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from codesaga.engine.fake import FakeEngine
from codesaga.engine.port import CancelToken, Delta, Finished, GenerationRequest
from codesaga.service.engine_pool import ResolvedModel
from codesaga.settings import load_settings
from tests.ggufgen import write_gguf


class RuleEngine(FakeEngine):
    def __init__(self, rules: list[tuple[str, str]], delay: float) -> None:
        super().__init__(name="fake", n_ctx=32768, delay=delay)
        self.rules = rules

    def stream(
        self, request: GenerationRequest, cancel: CancelToken | None = None
    ) -> Iterator[Delta | Finished]:
        prompt = self.render(request)
        self.enqueue(next((answer for needle, answer in self.rules if needle in prompt), ""))
        return super().stream(request, cancel)


def main() -> int:
    from codesaga.serve import run

    spec = json.loads(Path(sys.argv[1]).read_text())
    rules = [(str(needle), str(answer)) for needle, answer in spec["rules"]]
    engine = RuleEngine(rules, float(spec.get("delay", 0.0)))
    home = Path(os.environ["CODESAGA_HOME"])  # never the user's own daemon
    home.mkdir(parents=True, exist_ok=True)
    model = write_gguf(home / "fake.gguf")  # every role resolves to it; nothing reads it
    # In the environment, not only these settings: the daemon reloads from it.
    os.environ["CODESAGA_MODEL"] = str(model)
    settings = load_settings()

    def factory(resolved: ResolvedModel) -> RuleEngine:
        return engine

    return run(settings, factory)


if __name__ == "__main__":
    sys.exit(main())
