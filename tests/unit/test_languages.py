import pytest

from codesaga.domain.languages import detect_language, language_by_name


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("app.py", "python"), ("web/index.js", "javascript"), ("ui/App.tsx", "typescript"),
        ("main.go", "go"), ("src/lib.rs", "rust"), ("Main.java", "java"), ("App.kt", "kotlin"),
        ("x.c", "c"), ("x.h", "c"), ("x.cpp", "cpp"), ("x.hpp", "cpp"), ("Prog.cs", "csharp"),
        ("app.rb", "ruby"), ("index.php", "php"), ("View.swift", "swift"),
        ("build.sh", "shell"), ("query.sql", "sql"), ("Makefile", "makefile"), ("APP.PY", "python"),
        ("Dockerfile", "dockerfile"), ("rules.mk", "makefile"),
    ],
)  # fmt: skip
def test_detects_language_from_file_name(path: str, expected: str) -> None:
    assert detect_language(path).id == expected


def test_shebang_decides_when_there_is_no_extension() -> None:
    assert detect_language("tool", "#!/usr/bin/env python3\nprint(1)\n").id == "python"
    assert detect_language("run", "#!/bin/bash\necho hi\n").id == "shell"


def test_unknown_file_is_plain_text() -> None:
    assert detect_language("notes.xyz").id == "text"
    assert detect_language(None).id == "text"


def test_aliases() -> None:
    lang = language_by_name("C++")
    assert lang is not None and lang.id == "cpp"
    assert language_by_name("py") == detect_language("a.py")
    assert language_by_name("cobol") is None
