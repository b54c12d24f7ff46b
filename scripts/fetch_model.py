#!/usr/bin/env python3
"""Download, verify and install a model preset (or import a local .gguf).

Usage: python scripts/fetch_model.py PRESET [PRESET ...]
Same code as `codesaga models pull`; run `codesaga models list` to see the presets.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from codesaga.cli.main import main as codesaga_main
    except ImportError:
        sys.exit(
            "codesaga is not installed: run `python3 scripts/dev.py demo` or "
            "`pip install -e .` first"
        )
    if len(sys.argv) < 2 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        sys.exit(0 if len(sys.argv) >= 2 else 1)
    codesaga_main(["models", "pull", *sys.argv[1:]])


if __name__ == "__main__":
    main()
