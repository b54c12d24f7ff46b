"""Reading stored records written by another version of CodeSaga."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any


def known_fields(cls: type, data: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` without the keys dataclass ``cls`` has no field for: a record a newer version
    wrote (with a field added since) is read by this one, not refused whole."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {key: value for key, value in data.items() if key in names}
