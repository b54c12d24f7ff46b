"""A chat template's prompt with its own special tokens told from what the messages spell.

The template is rendered with the messages' contents as they are, except that each control
token a content spells is swapped for a sentinel of plain letters first. Every control token
left in the prompt is then the template's own (a mark), and the sentinels are put back as
text. Whatever the template does to a content (Llama 3 trims it, Qwen 3 cuts an earlier
answer's reasoning off) it does to the real text; a content that spells no control token is
rendered exactly as before.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Sequence

from codesaga.domain.marked_text import Layout, MarkedText
from codesaga.domain.prompts import Message

Render = Callable[[list[dict[str, str]]], str]  # the template: messages to prompt


def marked_chat(
    render: Render, messages: Sequence[Message], controls: re.Pattern[str]
) -> MarkedText:
    """``render``'s prompt for ``messages``; ``controls`` matches the model's control tokens'
    spellings. A sentinel the template changed past finding (upper-cased) stays as it came
    out: the spelling it stood for is lost, never read as a token."""
    spelled: list[str] = []
    nonce = secrets.token_hex(6)

    def hide(found: re.Match[str]) -> str:
        spelled.append(found.group())
        return f"spelled{nonce}n{len(spelled) - 1}x"

    shaped = render([{"role": m.role, "content": controls.sub(hide, m.content)} for m in messages])
    either = re.compile(f"spelled{nonce}n(?P<n>\\d+)x|{controls.pattern}")
    layout = Layout()
    at = 0
    for found in either.finditer(shaped):
        layout.text(shaped[at : found.start()])
        n = found.group("n")
        if n is None:
            layout.mark(found.group())
        else:
            layout.text(spelled[int(n)])
        at = found.end()
    return layout.text(shaped[at:]).done()
