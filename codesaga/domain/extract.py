"""Getting code out of a chat answer: fences, prose around them, truncated answers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from codesaga.domain.languages import language_by_name

_OPEN = re.compile(r"^(?P<indent>[ \t]{0,3})(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^\n`]*)$")
_PROSE_START = re.compile(
    r"^(here('s| is| are)|sure|certainly|below|this|the (following|refactored|fixed|corrected))\b",
    re.IGNORECASE,
)
_CODE_PUNCTUATION = re.compile(r"[()\[\]{}=;]")
# A line that starts so is code, not a sentence: a statement's keyword (lowercase, where a
# sentence starts with a capital: `for item in items:`, `while not done:`) or a comment
# (`# Clean up the temporary files.`).
_CODE_START = re.compile(
    r"^(?:(?:for|while|if|elif|else|with|try|except|finally|async|match|case|def|class)\b"
    r"|#|//|/\*|\*|--)"
)


def _is_prose(line: str) -> bool:
    """A sentence introducing code ("Sure! Here you go:"), not a code line ("def f():")."""
    text = line.strip()
    if not text or line.startswith((" ", "\t")) or _CODE_START.match(text):
        return False
    if _PROSE_START.match(text):
        return True
    return text.endswith(":") and len(text.split()) >= 3 and not _CODE_PUNCTUATION.search(text)


@dataclass(frozen=True)
class CodeBlock:
    info: str
    code: str
    closed: bool


def code_blocks(answer: str) -> list[CodeBlock]:
    """Every fenced block in order; an unclosed last block (a cut-off answer) is kept."""
    blocks: list[CodeBlock] = []
    lines = answer.split("\n")
    i = 0
    while i < len(lines):
        opened = _OPEN.match(lines[i])
        if not opened:
            i += 1
            continue
        marker = opened["fence"]
        body: list[str] = []
        i += 1
        closed = False
        while i < len(lines):
            stripped = lines[i].strip()
            if stripped.startswith(marker[0] * len(marker)) and not stripped.strip(marker[0]):
                closed = True
                break
            body.append(lines[i])
            i += 1
        i += 1
        blocks.append(CodeBlock(opened["info"].strip(), "\n".join(body), closed))
    return blocks


def extract_code(answer: str, language: str | None = None) -> str:
    """The code a model meant as its answer.

    Prefers a block tagged with ``language``, then the longest block. With no fence at all,
    leading and trailing prose lines are dropped and the rest is taken as code; "" when
    there is no code (empty fences, or prose alone).
    """
    fenced = code_blocks(answer)
    if fenced and not any(b.code.strip() for b in fenced):
        return ""  # fences with nothing inside: the answer holds no code, whatever it says
    blocks = [b for b in fenced if b.code.strip()]
    if blocks:
        wanted = language_by_name(language) if language else None
        tagged = [
            b
            for b in blocks
            if wanted and language_by_name(b.info.split()[0] if b.info else "") == wanted
        ]
        pool = tagged or blocks
        return max(pool, key=lambda b: len(b.code)).code
    lines = answer.strip("\n").split("\n")
    while lines and _is_prose(lines[0]):
        lines.pop(0)
    while lines and (not lines[-1].strip() or _is_sentence(lines[-1])):
        lines.pop()
    return "\n".join(lines).strip("\n")


def blocks_left_out(answer: str) -> int:
    """How many of the answer's code blocks ``extract_code`` leaves out (it takes one)."""
    return max(0, sum(1 for b in code_blocks(answer) if b.code.strip()) - 1)


def _is_sentence(line: str) -> bool:
    """A closing remark ("This function does nothing.", "I cannot help with that."), not
    code: unindented words ending in a full stop, without code punctuation."""
    text = line.strip()
    if not text or line.startswith((" ", "\t")) or _CODE_START.match(text):
        return False
    if _is_prose(line):
        return True
    return text.endswith(".") and len(text.split()) >= 3 and not _CODE_PUNCTUATION.search(text)


def match_layout(code: str, original: str, crlf: bool | None = None) -> str:
    """Give ``code`` the original's final newline and, for a selection, its indentation;
    ``crlf``: whether the file's lines end in CRLF (None: as ``original``'s do; a selection
    of a CRLF file's last line, without its end, holds none)."""
    code = code.strip("\n")
    indent = _common_indent(original)
    if indent and not _common_indent(code):
        code = "\n".join(indent + line if line.strip() else line for line in code.split("\n"))
    crlf = "\r\n" in original if crlf is None else crlf
    if crlf:
        code = code.replace("\r\n", "\n").replace("\n", "\r\n")
    newline = "\r\n" if crlf else "\n"
    return code + newline if original.endswith(("\n", "\r\n")) else code


def _common_indent(text: str) -> str:
    indents = [line[: len(line) - len(line.lstrip())] for line in text.splitlines() if line.strip()]
    if not indents:
        return ""
    first = min(indents, key=len)
    return first if all(i.startswith(first) for i in indents) else ""
