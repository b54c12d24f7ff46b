import pytest

from codesaga.domain.errors import InputError
from codesaga.domain.source import decode_source


def test_text_passes_and_bom_is_dropped() -> None:
    assert decode_source("\ufeffprint('ü')\r\n".encode(), "a.py") == "print('ü')\r\n"


def test_binary_is_refused() -> None:
    with pytest.raises(InputError, match="binary"):
        decode_source(b"\x7fELF\x00\x01", "a.out")


def test_invalid_utf8_names_the_line() -> None:
    with pytest.raises(InputError, match=r"not valid UTF-8 \(byte 7, line 2\)"):
        decode_source(b"x = 1\n\xff = 2\n", "latin.py")


def test_size_limit() -> None:
    with pytest.raises(InputError, match="over the 10-byte limit"):
        decode_source(b"x" * 11, "big.py", max_bytes=10)


def test_source_lines_break_where_editors_do() -> None:
    from codesaga.domain.source import source_lines

    text = "a\r\nb\rc\x0cd\u2028e\x85f\nlast"
    assert source_lines(text) == ["a\r\n", "b\r", "c\x0cd\u2028e\x85f\n", "last"]
    assert source_lines("") == [] and source_lines("x\n") == ["x\n"]
    assert "".join(source_lines(text)) == text
