from pathlib import Path

import pytest

from codesaga.domain.errors import ModelFileError
from codesaga.model_files.gguf import read_gguf
from tests.ggufgen import gguf_bytes, write_gguf


def test_reads_a_valid_header(tmp_path: Path) -> None:
    info = read_gguf(write_gguf(tmp_path / "m.gguf"))
    assert info.architecture == "llama"
    assert info.name == "tiny"
    assert info.expected_size == len(gguf_bytes())


def test_wrong_magic(tmp_path: Path) -> None:
    path = tmp_path / "m.gguf"
    path.write_bytes(b"<html>not a model</html>")
    with pytest.raises(ModelFileError, match="not a GGUF model file"):
        read_gguf(path)


@pytest.mark.parametrize("keep", [10, 100, len(gguf_bytes()) - 1])
def test_truncated_anywhere(tmp_path: Path, keep: int) -> None:
    path = tmp_path / "m.gguf"
    path.write_bytes(gguf_bytes()[:keep])
    with pytest.raises(ModelFileError, match="truncated"):
        read_gguf(path)


def test_real_models_expected_size_matches_their_files(small_model: Path) -> None:
    info = read_gguf(small_model)
    assert info.expected_size == small_model.stat().st_size
    assert info.architecture == "qwen2"


def test_an_alignment_that_is_not_a_number_is_a_corrupt_header(tmp_path: Path) -> None:
    # It raised TypeError (a traceback from `models pull ./bad.gguf`).
    import struct

    from tests.ggufgen import _string

    key = _string("general.alignment")
    number = key + struct.pack("<I", 4) + struct.pack("<I", 32)
    text = key + struct.pack("<I", 8) + _string("32")
    data = gguf_bytes()
    assert number in data
    path = tmp_path / "m.gguf"
    path.write_bytes(data.replace(number, text))
    with pytest.raises(ModelFileError, match=r"corrupt GGUF header .*general\.alignment"):
        read_gguf(path)
