"""What a rewrite must pass before a saga writes it."""

from __future__ import annotations

from pathlib import Path

from codesaga.domain.errors import UnusableAnswerError
from codesaga.domain.languages import detect_language
from codesaga.service.syntax import SyntaxCheck, lost_names, require_parses


def check_rewrite(path: Path, text: str, new_text: str) -> SyntaxCheck:
    """The rewrite of the file at ``path`` must parse when the original did."""
    return require_parses(detect_language(str(path), text), text, new_text, name=str(path))


def check_names_kept(path: Path, text: str, new_text: str) -> None:
    """A rewrite written without the user looking (the hook's apply mode) must still define
    every name the file defined: a caller elsewhere would break inside the user's commit."""
    lost = lost_names(detect_language(str(path), text).id, text, new_text)
    if lost:
        raise UnusableAnswerError(
            f"the rewrite no longer defines {', '.join(lost)}, which other code may use; left "
            f"as staged (`codesaga refactor {path}` shows the rewrite)"
        )
