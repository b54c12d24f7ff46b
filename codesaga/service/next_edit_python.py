"""Python's identifiers for next-edit candidates, read by regular expressions and indentation
rather than ``ast``: the text is often mid-edit (and ``ast`` takes ~20 ms on 2,000 lines,
most of the budget). Strings and comments are skipped, except an f-string's `{...}` parts;
the `def` and `class` blocks come from the indentation of the lines that start code.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from codesaga.domain.next_edit_locations import LineIndex
from codesaga.domain.next_edit_patterns import (
    DEFINITION,
    KEY,
    LOCAL,
    MEMBER_DEFINITION,
    PARAMETER,
    USE,
    Occurrence,
)
from codesaga.domain.next_edit_signatures import Header, matching_paren
from codesaga.service.next_edit_names import MaskedNames, Masks

MAX_LINES_ABOVE = 4  # comment or blank lines passed over to find a call's line above
_SKIP = re.compile(  # the lookahead first: most places start neither
    r"(?=[#\"'rRbBuUfF])(?:#[^\n]*"
    r"|(?P<prefix>(?<![\w$])[rRbBuUfF]{1,2})?"
    r"""(?:\"\"\"[\s\S]*?\"\"\"|'''[\s\S]*?'''|"(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'))"""
)
_HOLE = re.compile(r"\{\{|\}\}|\{([^{}\n]*)\}")  # an f-string's replacement field
_BLOCK = re.compile(r"^([ \t]*)(?:async[ \t]+)?(def|class)[ \t]+([A-Za-z_]\w*)", re.MULTILINE)
_ASSIGNED = re.compile(r"[\s)\]]*=(?!=)|\s*(?:[-+*/%&|^@]=|//=|\*\*=|>>=|<<=|:=)")
_ANNOTATED = re.compile(r"\s*:[^=\n]*=(?!=)")
# Each pattern reads a span one way only: where two parts could both take a space, a long
# line that failed to match was tried at every split (a generated line froze the daemon).
_TARGETS = re.compile(r"[\w\s,()*.]*")  # what may precede a name assigned to
_LOOP_TARGETS = re.compile(r"[\w\s,()*]*")  # read backwards from the name: `for a, (b, `
_FOR = re.compile(r"(?<!\w)for\s")
_IN = re.compile(r"[\w\s,()*]*\bin\b")
_AS = re.compile(r"\bas\s+$")
_OPENS = re.compile(r"\s*\(")
_IMPORT = re.compile(r"\s*(?:from\s+\S+\s+)?import\b")


@functools.cache
def _dedent(indent: int) -> re.Pattern[str]:
    """A line of code indented no deeper than ``indent``."""
    return re.compile(rf"\n[ \t]{{0,{indent}}}(?=[^ \t\r\n])")


@dataclass
class _Block:
    kind: str  # "def" | "class"
    name: str
    name_start: int
    start: int  # the start of its first line
    header_end: int  # after the colon ending its header
    indent: int
    parent: _Block | None
    end: int

    def functions(self) -> tuple[tuple[int, int], ...]:
        """This block and those around it that are functions, innermost first."""
        found = []
        block: _Block | None = self
        while block is not None:
            if block.kind == "def":
                found.append((block.start, block.end))
            block = block.parent
        return tuple(found)


class PythonNames(MaskedNames):
    def __init__(self, content: str, index: LineIndex) -> None:
        self.content = content
        self.index = index

    @cached_property
    def _masks(self) -> Masks:
        return Masks(self._skipped())

    def _skipped(self) -> Iterator[tuple[int, int]]:
        for found in _SKIP.finditer(self.content):
            start = found.start()
            if "f" in (found.group("prefix") or "").lower():
                for hole in _HOLE.finditer(self.content, found.start(), found.end()):
                    if hole.group(1) is not None:
                        yield start, hole.start(1)
                        start = hole.end(1)
            yield start, found.end()

    @cached_property
    def _blocks(self) -> list[_Block]:
        """The `def` and `class` blocks in order, each ending where the first line of code
        indented no deeper than its own starts (found by a search, not line by line: this
        runs on every request)."""
        blocks: list[_Block] = []
        open_blocks: list[_Block] = []
        for found in _BLOCK.finditer(self.content):
            if self._masks.covers(found.start(2)):
                continue  # an example in a docstring
            start, indent = found.start(), len(found.group(1))
            header_end = self._header_end(found.end(3))
            end = self._block_end(header_end, indent)
            while open_blocks and open_blocks[-1].end <= start:
                open_blocks.pop()
            parent = open_blocks[-1] if open_blocks else None
            kind, name = found.group(2), found.group(3)
            block = _Block(kind, name, found.start(3), start, header_end, indent, parent, end)
            blocks.append(block)
            open_blocks.append(block)
        return blocks

    def _block_end(self, after: int, indent: int) -> int:
        pattern = _dedent(indent)
        while (found := pattern.search(self.content, after)) is not None:
            if not self._masks.covers(found.end()):  # a comment or a string's line
                return found.start() + 1
            after = found.end()
        return len(self.content)

    def _header_end(self, at: int) -> int:
        content = self.content
        opened = _OPENS.match(content, at)
        if opened is not None:
            close = matching_paren(content, opened.end() - 1)
            at = close + 1 if close is not None else opened.end()
        colon = content.find(":", at, at + 500)
        return colon + 1 if colon >= 0 else at

    @cached_property
    def _starts(self) -> list[int]:
        return [b.start for b in self._blocks]

    def _block_at(self, at: int) -> _Block | None:
        blocks = self._blocks
        k = bisect.bisect_right(self._starts, at) - 1
        block = blocks[k] if k >= 0 else None
        while block is not None and not block.start <= at < block.end:
            block = block.parent
        return block

    def header_at(self, start: int, end: int) -> Header | None:
        block = self._block_at(start)
        while block is not None:
            if block.kind == "def" and block.start <= start and end <= block.header_end:
                method = block.parent is not None and block.parent.kind == "class"
                return Header(block.name, block.start, block.header_end, method)
            block = block.parent
        return None

    def _occurrence(self, start: int, end: int) -> Occurrence:
        block = self._block_at(start)
        if block is not None and block.name_start == start:  # `def name` / `class name`
            return self._defined(start, end, block.parent)
        functions = block.functions() if block is not None else ()
        receiver = self._receiver(start, (".",))
        line_start = self.content.rfind("\n", 0, start) + 1
        prefix = self.content[line_start:start]
        if receiver is not None:
            head = prefix[: len(prefix.rstrip()) - 1].rstrip().removesuffix(receiver)
            assigned = self._assigned(end) and _TARGETS.fullmatch(head) is not None
            return Occurrence(
                start, end, MEMBER_DEFINITION if assigned else USE, receiver, functions
            )
        before = self._before(start)
        after = self.content[end : end + 1].strip() or self.content[end : end + 80].lstrip()[:1]
        if block is not None and block.kind == "def" and start < block.header_end:
            role = PARAMETER if before in ("(", ",", "*") and after in (",", ")", ":", "=") else USE
            return Occurrence(start, end, role, None, functions)
        if (
            before in ("(", ",")
            and _ASSIGNED.match(self.content, end)
            and self._in_call(prefix, start)
        ):
            return Occurrence(start, end, KEY, None, functions)
        if self._binds(prefix, start, end, block):
            return self._bound(start, end, block, functions)
        return Occurrence(start, end, USE, None, functions)

    def _defined(self, start: int, end: int, parent: _Block | None) -> Occurrence:
        if parent is None:
            return Occurrence(start, end, DEFINITION)
        if parent.kind == "class":
            container = (parent.start, parent.end)
            return Occurrence(start, end, MEMBER_DEFINITION, None, parent.functions(), container)
        return Occurrence(start, end, LOCAL, None, parent.functions())

    def _bound(
        self, start: int, end: int, block: _Block | None, functions: tuple[tuple[int, int], ...]
    ) -> Occurrence:
        if block is None:
            return Occurrence(start, end, DEFINITION)
        if block.kind == "class":
            container = (block.start, block.end)
            return Occurrence(start, end, MEMBER_DEFINITION, None, functions, container)
        return Occurrence(start, end, LOCAL, None, functions)

    def _binds(self, prefix: str, start: int, end: int, block: _Block | None) -> bool:
        """Assigned, a loop's or `with`'s target, imported, or a class body's field."""
        suffix = self.content[end : self.index.line_bounds(self.index.line_of(end))[1]]
        if _TARGETS.fullmatch(prefix) and self._assigned(end):
            return True
        if _loop_target(prefix) and _IN.match(suffix):
            return True
        if _AS.search(prefix) or _IMPORT.match(prefix):
            return True
        in_class = block is not None and block.kind == "class"
        return in_class and not prefix.strip() and suffix.lstrip().startswith(":")

    def _assigned(self, end: int) -> bool:
        return bool(_ASSIGNED.match(self.content, end) or _ANNOTATED.match(self.content, end))

    def _before(self, start: int) -> str:
        """The character before ``start``, past spaces and newlines."""
        stripped = self.content[max(0, start - 200) : start].rstrip()
        return stripped[-1:]

    def _in_call(self, prefix: str, start: int) -> bool:
        """Inside parentheses: opened earlier on the line, a line of a call's arguments, or
        one that goes on with them after a line that opened the call or ended with a comma
        (`    sockaddr, flags, cancellable=True` under `run_sync(`)."""
        if prefix.count("(") > prefix.count(")") or not prefix.strip():
            return True
        return prefix.rstrip().endswith(",") and self._code_above(start - len(prefix)).endswith(
            ("(", ",")
        )

    def _code_above(self, line_start: int) -> str:
        """The code of the nearest line above ``line_start`` that has any, less its comment
        (comment lines and blank ones passed over, a few at most); "" at the top."""
        end = line_start - 1  # the newline that ends the line above
        for _ in range(MAX_LINES_ABOVE):
            if end < 0:
                return ""
            begin = self.content.rfind("\n", 0, end) + 1
            cut = next(
                (
                    at
                    for at in range(begin, end)
                    if self.content[at] == "#" and self._masks.starts_at(at)
                ),
                end,
            )
            code = self.content[begin:cut].rstrip()
            if code.strip():
                return code
            end = begin - 1
        return ""


def _loop_target(prefix: str) -> bool:
    """Whether a name after ``prefix`` is a for loop's target (`for i, (k, ` before it)."""
    targets = _LOOP_TARGETS.match(prefix[::-1])
    assert targets is not None  # it matches nothing at worst
    return _FOR.search(prefix, len(prefix) - targets.end()) is not None
