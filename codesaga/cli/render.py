"""Rich rendering on the terminal; plain text when output is piped."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.status import Status
from rich.text import Text

# No markup: what is printed holds the user's paths, commands and errors, and rich would take
# `[slug]` in `pages/[slug].tsx` (or an upstream's `[openai]`) for a style and drop it.
stdout = Console(highlight=False, soft_wrap=True, markup=False)
stderr = Console(stderr=True, highlight=False, soft_wrap=True, markup=False)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def warn(message: str) -> None:
    stderr.print(Text(f"warning: {message}", style="yellow"))


def note(message: str) -> None:
    stderr.print(Text(message, style="dim"))


# Control characters but tab and newline, C1 controls (an 8-bit CSI among them) and DEL:
# a model's answer (steered, say, by a file it was shown) with ESC sequences in it could
# clear the screen, retitle the terminal or write to the clipboard (OSC 52). Taken out one
# by one, a sequence split over two streamed pieces is harmless too.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def shown(text: str) -> str:
    """``text`` from a model, fit for a terminal: without its control characters."""
    return _CONTROL.sub("", text)


def model_text(text: str) -> str:
    """``text`` from a model as stdout takes it: as it is when piped (a file gets every
    byte), without control characters on a terminal (see ``shown``)."""
    return shown(text) if stdout.is_terminal else text


def error(message: str) -> None:
    stderr.print(Text(f"codesaga: error: {message}", style="bold red"))


def diff(text: str) -> None:
    if not stdout.is_terminal:
        sys.stdout.write(text)
        return
    styles = {"+++": "bold", "---": "bold", "@@": "cyan", "+": "green", "-": "red"}
    for line in shown(text).splitlines():
        style = next((s for prefix, s in styles.items() if line.startswith(prefix)), "")
        stdout.print(Text(line, style=style))


class Spinner:
    """Shows what a task is doing on stderr while a model works; silent when piped."""

    def __init__(self, label: str, doing: str = "loading the model and reading the prompt") -> None:
        self.label = label
        self.doing = doing
        self.tokens = 0
        self._status: Status | None = None

    def __enter__(self) -> Spinner:
        if stderr.is_terminal:
            self._status = stderr.status(f"{self.label}: {self.doing}…")
            self._status.start()
        return self

    def stage(self, label: str) -> None:
        """A new step of the same work (a saga's next file, its verify command)."""
        self.label = label
        self.tokens = 0
        if self._status is not None:
            self._status.update(f"{label}…")

    def on_delta(self, text: str) -> None:
        self.tokens += 1
        if self._status is not None:
            self._status.update(f"{self.label}: writing… {self.tokens} tokens")

    def __exit__(self, *exc: object) -> None:
        if self._status is not None:
            self._status.stop()


class DownloadProgress:
    """The fetch module's Progress port, drawn as a rich progress bar on stderr."""

    def __init__(self) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=stderr,
            transient=False,
        )
        self._task: Any = None

    def start(self, description: str, total: int | None, completed: int = 0) -> None:
        self._progress.start()
        self._task = self._progress.add_task(description, total=total, completed=completed)

    def advance(self, n: int) -> None:
        self._progress.advance(self._task, n)

    def finish(self) -> None:
        self._progress.stop()
