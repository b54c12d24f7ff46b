"""Write tiny GGUF files for tests: real headers, real tensor tables, few bytes."""

from __future__ import annotations

import struct
from pathlib import Path


def _string(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def gguf_bytes(tensor_elements: int = 64, name: str = "tiny") -> bytes:
    kv = [
        _string("general.architecture") + struct.pack("<I", 8) + _string("llama"),
        _string("general.name") + struct.pack("<I", 8) + _string(name),
        _string("general.alignment") + struct.pack("<I", 4) + struct.pack("<I", 32),
        # an array, as tokenizer tables are
        _string("tokenizer.ggml.scores")
        + struct.pack("<IIQ", 9, 6, 3)
        + struct.pack("<3f", 0, 1, 2),
    ]
    tensor = _string("weight") + struct.pack("<I", 1) + struct.pack("<Q", tensor_elements)
    tensor += struct.pack("<IQ", 0, 0)  # F32 at offset 0
    head = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kv)) + b"".join(kv) + tensor
    head += b"\0" * (-len(head) % 32)
    return head + b"\0" * (4 * tensor_elements)


def write_gguf(path: Path, **kwargs: object) -> Path:
    path.write_bytes(gguf_bytes(**kwargs))  # type: ignore[arg-type]
    return path
