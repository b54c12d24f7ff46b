"""What a rewrite must pass before a saga writes it."""

from __future__ import annotations

from pathlib import Path

from codesaga.domain.languages import detect_language
from codesaga.service.syntax import SyntaxCheck, require_parses


def check_rewrite(path: Path, text: str, new_text: str) -> SyntaxCheck:
    """The rewrite of the file at ``path`` must parse when the original did."""
    return require_parses(detect_language(str(path), text), text, new_text, name=str(path))
