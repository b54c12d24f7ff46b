"""Language detection from a file name, and the names used in prompts and code fences."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath


@dataclass(frozen=True)
class Language:
    id: str  # stable identifier, also the default code-fence tag
    name: str  # what we call it in prompts
    line_comment: str | None = "//"


PYTHON = Language("python", "Python", "#")
PLAIN = Language("text", "plain text", None)

_LANGUAGES = [
    PYTHON,
    Language("javascript", "JavaScript"),
    Language("typescript", "TypeScript"),
    Language("go", "Go"),
    Language("rust", "Rust"),
    Language("java", "Java"),
    Language("kotlin", "Kotlin"),
    Language("c", "C"),
    Language("cpp", "C++"),
    Language("csharp", "C#"),
    Language("ruby", "Ruby", "#"),
    Language("php", "PHP"),
    Language("swift", "Swift"),
    Language("shell", "shell script", "#"),
    # Not shell scripts, though their lines run in one: their syntax is left unchecked.
    Language("makefile", "Makefile", "#"),
    Language("dockerfile", "Dockerfile", "#"),
    Language("sql", "SQL", "--"),
    Language("html", "HTML", None),
    Language("css", "CSS", None),
    Language("json", "JSON", None),
    Language("yaml", "YAML", "#"),
    Language("toml", "TOML", "#"),
    Language("markdown", "Markdown", None),
    Language("lua", "Lua", "--"),
    Language("scala", "Scala"),
    Language("dart", "Dart"),
    PLAIN,
]
BY_ID = {lang.id: lang for lang in _LANGUAGES}

_ALIASES = {
    "py": "python", "js": "javascript", "ts": "typescript", "golang": "go", "rs": "rust",
    "c++": "cpp", "cxx": "cpp", "c#": "csharp", "cs": "csharp", "rb": "ruby", "sh": "shell",
    "bash": "shell", "zsh": "shell", "kt": "kotlin", "yml": "yaml", "md": "markdown",
    "txt": "text", "plaintext": "text",
    # editors' own ids (VS Code's language identifiers)
    "typescriptreact": "typescript", "javascriptreact": "javascript", "shellscript": "shell",
    "jsonc": "json", "json5": "json", "make": "makefile",
}  # fmt: skip

_EXTENSIONS = {
    ".py": "python", ".pyi": "python", ".pyw": "python",
    ".js": "javascript", ".mjs": "javascript", ".cjs": "javascript", ".jsx": "javascript",
    ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript", ".cts": "typescript",
    ".go": "go", ".rs": "rust", ".java": "java", ".kt": "kotlin", ".kts": "kotlin",
    ".c": "c", ".h": "c",
    ".cc": "cpp", ".cpp": "cpp", ".cxx": "cpp", ".hpp": "cpp", ".hh": "cpp", ".hxx": "cpp",
    ".cs": "csharp", ".rb": "ruby", ".rake": "ruby", ".php": "php", ".swift": "swift",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell", ".ksh": "shell",
    ".sql": "sql", ".html": "html", ".htm": "html", ".css": "css", ".json": "json",
    ".yaml": "yaml", ".yml": "yaml", ".toml": "toml", ".md": "markdown", ".lua": "lua",
    ".scala": "scala", ".dart": "dart", ".txt": "text", ".mk": "makefile",
}  # fmt: skip

_FILENAMES = {
    "Makefile": "makefile", "GNUmakefile": "makefile", "makefile": "makefile",
    "Dockerfile": "dockerfile", "Rakefile": "ruby", "Gemfile": "ruby",
    ".bashrc": "shell", ".zshrc": "shell", ".profile": "shell",
}  # fmt: skip

_SHEBANGS = {"python": "python", "bash": "shell", "sh": "shell", "zsh": "shell",
             "node": "javascript", "ruby": "ruby", "php": "php"}  # fmt: skip


def language_by_name(name: str) -> Language | None:
    """Look a language up by id or common alias, case-insensitively (``py``, ``c++``)."""
    key = name.strip().lower()
    return BY_ID.get(_ALIASES.get(key, key))


def detect_language(path: str | None, content: str = "") -> Language:
    """Guess the language from the file name, then from a shebang line; plain text otherwise."""
    if path:
        p = PurePath(path)
        if p.name in _FILENAMES:
            return BY_ID[_FILENAMES[p.name]]
        found = _EXTENSIONS.get(p.suffix.lower())
        if found:
            return BY_ID[found]
    if content.startswith("#!"):
        first = content.split("\n", 1)[0]
        words = first[2:].replace("/", " ").split()
        for word in reversed(words):
            interpreter = word.rstrip("0123456789.")
            if interpreter in _SHEBANGS:
                return BY_ID[_SHEBANGS[interpreter]]
    return PLAIN
