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
