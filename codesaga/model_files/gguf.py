"""Checking a GGUF file before llama.cpp maps it.

llama.cpp on a truncated or foreign file may crash the process or read garbage; we read the
header and tensor table ourselves and compute the size the file must have.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from codesaga.domain.errors import ModelFileError

MAGIC = b"GGUF"
_SCALARS = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?",
            10: "<Q", 11: "<q", 12: "<d"}  # fmt: skip
_STRING, _ARRAY = 8, 9
# ggml type id -> (bytes per block, elements per block)
_TYPE_SIZES = {
    0: (4, 1), 1: (2, 1), 2: (18, 32), 3: (20, 32), 6: (22, 32), 7: (24, 32), 8: (34, 32),
    9: (36, 32), 10: (84, 256), 11: (110, 256), 12: (144, 256), 13: (176, 256), 14: (210, 256),
    15: (292, 256), 16: (66, 256), 17: (74, 256), 18: (98, 256), 19: (50, 256), 20: (18, 32),
    21: (110, 256), 22: (82, 256), 23: (136, 256), 24: (1, 1), 25: (2, 1), 26: (4, 1),
    27: (8, 1), 28: (8, 1), 29: (56, 256), 30: (2, 1), 34: (54, 256), 35: (66, 256),
}  # fmt: skip
_MAX_COUNT = 1 << 24  # more keys, tensors or array items than any real model has


@dataclass
class GgufInfo:
    version: int
    tensor_count: int
    metadata: dict[str, Any] = field(default_factory=dict)
    expected_size: int | None = None  # None when a tensor type is unknown to us

    @property
    def name(self) -> str | None:
        value = self.metadata.get("general.name")
        return value if isinstance(value, str) else None

    @property
    def architecture(self) -> str | None:
        value = self.metadata.get("general.architecture")
        return value if isinstance(value, str) else None


class _Reader:
    def __init__(self, f: BinaryIO) -> None:
        self.f = f

    def take(self, n: int) -> bytes:
        data = self.f.read(n)
        if len(data) != n:
            raise EOFError
        return data

    def unpack(self, fmt: str) -> Any:
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]

    def string(self) -> str:
        n = self.unpack("<Q")
        if n > _MAX_COUNT:
            raise ValueError(f"string of {n} bytes")
        return self.take(n).decode("utf-8", errors="replace")

    def value(self, kind: int, keep: bool) -> Any:
        if kind in _SCALARS:
            return self.unpack(_SCALARS[kind])
        if kind == _STRING:
            return self.string()
        if kind == _ARRAY:
            item_kind, count = self.unpack("<I"), self.unpack("<Q")
            if count > _MAX_COUNT:
                raise ValueError(f"array of {count} items")
            if item_kind in _SCALARS and not keep:  # skip big token tables quickly
                self.take(struct.calcsize(_SCALARS[item_kind]) * count)
                return None
            items = [self.value(item_kind, keep) for _ in range(count)]
            return items if keep else None
        raise ValueError(f"unknown value type {kind}")


def read_gguf(path: Path, *, keep_arrays: bool = False) -> GgufInfo:
    """Parse a GGUF header; raise ``ModelFileError`` saying what is wrong with the file."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            r = _Reader(f)
            magic = f.read(4)
            if magic != MAGIC:
                raise ModelFileError(
                    f"{path} is not a GGUF model file (it starts with {magic!r}, not b'GGUF')"
                )
            version = r.unpack("<I")
            if version not in (2, 3):
                raise ModelFileError(
                    f"{path} is GGUF version {version}; only 2 and 3 are supported"
                )
            tensor_count, kv_count = r.unpack("<Q"), r.unpack("<Q")
            if tensor_count > _MAX_COUNT or kv_count > _MAX_COUNT:
                raise ValueError("implausible header counts")
            info = GgufInfo(version, tensor_count)
            for _ in range(kv_count):
                key = r.string()
                info.metadata[key] = r.value(r.unpack("<I"), keep_arrays)
            last_end = 0
            known = True
            for _ in range(tensor_count):
                r.string()
                dims = [r.unpack("<Q") for _ in range(r.unpack("<I"))]
                kind, offset = r.unpack("<I"), r.unpack("<Q")
                elements = 1
                for d in dims:
                    elements *= d
                if kind in _TYPE_SIZES:
                    block_bytes, block_elems = _TYPE_SIZES[kind]
                    last_end = max(last_end, offset + elements // block_elems * block_bytes)
                else:
                    known = False
                    last_end = max(last_end, offset)
            align = info.metadata.get("general.alignment", 32) or 32
            if isinstance(align, bool) or not isinstance(align, int) or align < 0:
                raise ValueError(f"general.alignment is {align!r}, not a size")
            data_start = -(-f.tell() // align) * align
    except EOFError:
        raise ModelFileError(f"{path} is truncated: its GGUF header ends early") from None
    except (ValueError, UnicodeDecodeError, struct.error) as exc:
        raise ModelFileError(f"{path} has a corrupt GGUF header ({exc})") from None
    except OSError as exc:
        raise ModelFileError(f"cannot read model file {path}: {exc.strerror}") from None
    needed = data_start + last_end
    if known:
        info.expected_size = needed
    if size < needed:
        raise ModelFileError(
            f"{path} is truncated: {size:,} bytes but its tensors need {needed:,}; "
            "download it again (codesaga models pull ...)"
        )
    return info
