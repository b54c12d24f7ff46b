"""Chat sessions and fitting a conversation into the model's context window."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from codesaga.domain.errors import InputError
from codesaga.domain.fields import known_fields
from codesaga.domain.prompts import Message, fence

DEFAULT_SYSTEM = (
    "You are CodeSaga, a concise coding assistant running locally. Answer precisely; put code "
    "in fenced blocks with a language tag."
)


@dataclass
class Turn:
    role: Literal["user", "assistant"]
    content: str
    created_at: float = field(default_factory=time.time)
    # An assistant turn still being written, or cut short by a crash or a cancel.
    interrupted: bool = False
    request_id: str | None = None


@dataclass
class Attachment:
    path: str
    content: str
    lines: str | None = None  # "A:B" when only part of the file is attached

    @property
    def label(self) -> str:
        return f"{self.path}:{self.lines}" if self.lines else self.path


@dataclass
class Session:
    id: str
    name: str
    key: str | None = None  # the repository and branch (or directory) it belongs to
    system: str = DEFAULT_SYSTEM
    model: str | None = None
    turns: list[Turn] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    created_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)
    # Every file attached since the conversation began: the answers may quote one after it is
    # detached, so the privacy rules (private_paths) still see it until /clear.
    held: list[str] = field(default_factory=list)

    @classmethod
    def new(cls, name: str | None = None, key: str | None = None) -> Session:
        sid = uuid.uuid4().hex[:12]
        return cls(sid, name or f"chat-{sid[:6]}", key)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Session:
        values = known_fields(cls, data)
        values["turns"] = [Turn(**known_fields(Turn, t)) for t in values.get("turns", [])]
        values["attachments"] = [
            Attachment(**known_fields(Attachment, a)) for a in values.get("attachments", [])
        ]
        return cls(**values)

    def sources(self) -> tuple[str, ...]:
        """The files whose content the conversation holds: those attached, and those attached
        before (a detached .env's content lives on in the answers that quoted it)."""
        return tuple(dict.fromkeys([*(a.path for a in self.attachments), *self.held]))

    def attach(self, attachment: Attachment, replacing: list[Attachment]) -> None:
        """``attachment`` after ``replacing`` (the attachments it leaves as they are)."""
        self.attachments = [*replacing, attachment]
        if attachment.path not in self.held:
            self.held.append(attachment.path)

    def clear(self) -> None:
        """Forget the conversation; the attachments stay."""
        self.turns.clear()
        self.held = [a.path for a in self.attachments]

    def undo(self) -> int:
        """Remove the last exchange (the last user turn and what followed); returns how many."""
        for i in range(len(self.turns) - 1, -1, -1):
            if self.turns[i].role == "user":
                removed = len(self.turns) - i
                del self.turns[i:]
                return removed
        return 0


@dataclass(frozen=True)
class Fitted:
    messages: list[Message]
    dropped_turns: int  # the oldest turns left out to fit the window
    kept_from: float | None = None  # the moment of the first turn kept, when some were not

    @property
    def notice(self) -> str | None:
        if not self.dropped_turns:
            return None
        return (
            f"the conversation is longer than the model's context: the oldest "
            f"{self.dropped_turns} messages were left out of this answer (they stay in "
            "the session)"
        )


def _context_message(attachments: list[Attachment]) -> str:
    parts = ["Files the user attached for reference:"]
    for a in attachments:
        parts.append(f"{a.label}\n{fence(a.content, _fence_tag(a.path))}")
    return "\n\n".join(parts)


def _fence_tag(path: str) -> str:
    from codesaga.domain.languages import detect_language

    return detect_language(path).id


def fit_conversation(
    session: Session,
    count: Callable[[list[Message]], int],
    budget: int,
    *,
    keep_from: float | None = None,
) -> Fitted:
    """The messages to send: the system prompt, attached files and as many of the latest
    turns as fit in ``budget`` tokens; older turns are dropped, whole exchanges first.

    Once some must go, the turns left fit in half the budget, and ``keep_from`` (the
    ``kept_from`` of the last fit) starts the next prompts for as long as they fit: a prompt
    that began one exchange later at every turn was read anew at every turn, the model's
    cache of the last one unused (llama.cpp's context shift halves what it keeps, too).
    Found by bisection: a message at a time, a long session was counted over and over.

    Raises ``InputError`` when the last message with the system prompt and attachments
    alone does not fit: no dropping can help then.
    """
    system = session.system
    if session.attachments:
        system = f"{system}\n\n{_context_message(session.attachments)}"
    head = [Message("system", system)]
    turns = [t for t in session.turns if t.content or t.role == "user"]
    convo = [Message(t.role, t.content) for t in turns]
    if not convo:
        raise InputError("there is no question to answer yet: ask one first")
    if convo[-1].role != "user":
        raise InputError("there is no question to answer: the last message is not the user's")
    if count(head + convo[-1:]) > budget:
        what = (
            "your message and the attached files do" if session.attachments else "your message does"
        )
        raise InputError(
            f"{what} not fit in the model's context ({budget} tokens); "
            "shorten it, /drop attachments, or raise CODESAGA_N_CTX"
        )

    def fits(start: int, limit: int) -> bool:
        return count(head + convo[start:]) <= limit

    if fits(0, budget):
        return Fitted(head + convo, 0)
    # Never start on an assistant turn: it would answer a question no longer shown.
    starts = [i for i, turn in enumerate(turns) if i and turn.role == "user"]
    kept = next((i for i in starts if turns[i].created_at == keep_from), None)
    if kept is None or not fits(kept, budget):
        half = _first(starts, lambda i: fits(i, budget // 2))
        kept = half if half is not None else _first(starts, lambda i: fits(i, budget))
    assert kept is not None  # the last message alone fits
    return Fitted(head + convo[kept:], kept, turns[kept].created_at)


def _first(starts: list[int], fits: Callable[[int], bool]) -> int | None:
    """The first of ``starts`` that ``fits`` (false, then true from some start on)."""
    low, high = 0, len(starts)
    while low < high:
        middle = (low + high) // 2
        if fits(starts[middle]):
            high = middle
        else:
            low = middle + 1
    return starts[low] if low < len(starts) else None


def export_markdown(session: Session) -> str:
    lines = [f"# {session.name}", ""]
    if session.attachments:
        lines += ["Attached: " + ", ".join(a.label for a in session.attachments), ""]
    if session.system != DEFAULT_SYSTEM:  # it shapes every answer below
        lines += ["System prompt:", "", *(f"> {line}" for line in session.system.splitlines()), ""]
    for turn in session.turns:
        who = "You" if turn.role == "user" else "CodeSaga"
        mark = " (interrupted)" if turn.interrupted else ""
        content = turn.content.rstrip()
        closing = unclosed_fence(content)
        # An answer cut inside a code block left it open: every heading after was code.
        lines += [f"## {who}{mark}", "", content, *([closing] if closing else []), ""]
    return "\n".join(lines)


_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")


def unclosed_fence(markdown: str) -> str | None:
    """The line that closes the code block ``markdown`` leaves open (CommonMark: the same
    character, at least as many), or None when every block is closed."""
    opened: str | None = None
    for line in markdown.splitlines():
        match = _FENCE.fullmatch(line)
        if match is None:
            continue
        marks, rest = match.groups()
        if opened is None:
            if not (marks[0] == "`" and "`" in rest):  # a backtick fence's info has none
                opened = marks
        elif marks[0] == opened[0] and len(marks) >= len(opened) and not rest.strip():
            opened = None
    return opened


def export_json(session: Session) -> str:
    return json.dumps(session.to_dict(), ensure_ascii=False, indent=2) + "\n"


def session_key_for(repo_root: str | None, branch: str | None, cwd: str) -> str:
    """The default session's key: the repository and branch, or else the directory."""
    if repo_root:
        return f"{repo_root}@{branch or 'HEAD'}"
    return cwd


def default_name(key: str) -> str:
    tail = key.rstrip("/").rsplit("/", 1)[-1]
    return re.sub(r"[^\w.@-]+", "-", tail) or "chat"
