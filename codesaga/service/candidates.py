"""Several suggestions for one completion, when a client asks for them: the one answered,
and alternatives sampled from the same prompt with different seeds."""

from __future__ import annotations

from codesaga.domain.enums import Role
from codesaga.engine.port import CancelToken
from codesaga.service.resolved_prompt import ResolvedPrompt
from codesaga.service.runner import ModelRunner, Priority

TEMPERATURE = 0.7  # enough to make a small model say something else


def sample_candidates(
    runner: ModelRunner,
    prompt: ResolvedPrompt,
    first: str,
    n: int,
    *,
    max_tokens: int,
    cancel: CancelToken | None,
) -> list[str]:
    """``first`` and up to n-1 different sampled alternatives."""
    found = [first] if first else []
    for seed in range(1, n * 2):
        if len(found) >= n or (cancel is not None and cancel.cancelled):
            break
        request = prompt.request(max_tokens, TEMPERATURE, seed)
        outcome = runner.run(
            Role.COMPLETION,
            request,
            cancel=cancel,
            priority=Priority.INTERACTIVE,
            model=prompt.model,
        )
        text = prompt.suggestion(prompt.answer(outcome.finished.text))
        if text and text not in found:
            found.append(text)
    return found
