"""Rules for accepting a user's source file: size, binary content, encoding."""

from __future__ import annotations

import re

from codesaga.domain.errors import InputError

DEFAULT_MAX_FILE_BYTES = 1024 * 1024
BOM = "\ufeff"  # a UTF-8 file may begin with it; the model never sees it (decode_source)


def check_size(size: int, name: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> None:
    if size > max_bytes:
        raise InputError(
            f"{name} is {size:,} bytes, over the {max_bytes:,}-byte limit; "
            "raise CODESAGA_MAX_FILE_BYTES to accept it"
        )


def decode_source(data: bytes, name: str, max_bytes: int = DEFAULT_MAX_FILE_BYTES) -> str:
    """Return the text of a source file or raise ``InputError`` saying why it cannot be used.

    Line endings are kept as they are so that a rewrite can be written back faithfully.
    """
    check_size(len(data), name, max_bytes)
    if b"\x00" in data[:8192]:
        raise InputError(
            f"{name} looks like a binary file (it contains NUL bytes); give a text file"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{name} is not valid UTF-8 (byte {exc.start + 1}, line {line}); convert it to UTF-8 "
            "first"
        ) from None
    return text.removeprefix(BOM)


def keep_bom(original: str | bytes, new_text: str) -> str:
    """``new_text`` (a rewrite of ``original``, a file's text or bytes) beginning with a BOM
    exactly when ``original`` did: rewrites are made of the text without it."""
    if isinstance(original, bytes):
        had = original.startswith(BOM.encode())
    else:
        had = original.startswith(BOM)
    return BOM + new_text.removeprefix(BOM) if had else new_text


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def source_lines(text: str) -> list[str]:
    """The lines of ``text`` with their ends, as editors and Python's parser count them
    ("\n", "\r\n" or a lone "\r"). ``str.splitlines`` also breaks at form feeds, U+2028
    and other separators, so ``--lines`` and a fix's focus fell on the wrong lines of a
    file holding one (a `^L` page break)."""
    return _LINE.findall(text)
