"""Code that may hang on the old way of doing something, run in a child interpreter: the old
way fails by the timeout instead of hanging the suite (``re`` holds the GIL, so a thread
cannot be stopped from outside)."""

from __future__ import annotations

import subprocess
import sys


def run_apart(code: str, timeout: float = 30) -> None:
    """Runs ``code`` in a new interpreter; its failed ``assert`` or the timeout fails the test."""
    subprocess.run([sys.executable, "-c", code], check=True, timeout=timeout)
