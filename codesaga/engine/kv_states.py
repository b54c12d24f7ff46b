"""Saved copies of llama.cpp's KV cache, one per cache slot (a document being completed, a
chat session): taken when another slot takes the model, brought back when the slot returns,
kept in an LRU sized in bytes."""

from __future__ import annotations

import ctypes
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from codesaga.engine.kv_reuse import keep_first


@dataclass
class SavedState:
    """A copy of one slot's KV cache and the tokens it holds."""

    tokens: list[int]
    data: Any  # a ctypes byte array
    size: int


class StateCache:
    """Saved KV states by slot, least recently used dropped past ``budget`` bytes."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self._states: OrderedDict[str, SavedState] = OrderedDict()
        self.size = 0

    def get(self, slot: str) -> SavedState | None:
        state = self._states.get(slot)
        if state is not None:
            self._states.move_to_end(slot)
        return state

    def put(self, slot: str, state: SavedState) -> None:
        self.drop(slot)
        if state.size > self.budget:
            return
        self._states[slot] = state
        self.size += state.size
        while self.size > self.budget:
            _, old = self._states.popitem(last=False)
            self.size -= old.size

    def drop(self, slot: str) -> None:
        old = self._states.pop(slot, None)
        if old is not None:
            self.size -= old.size

    def __contains__(self, slot: object) -> bool:
        return slot in self._states

    def __len__(self) -> int:
        return len(self._states)


def capture(lib: Any, llm: Any, held: list[int], budget: int) -> SavedState | None:
    """A copy of the KV cache of ``llm`` (a ``llama_cpp.Llama``; ``lib`` is the
    ``llama_cpp`` module) as holding the tokens ``held`` (its first ones, if it holds more:
    the rest are dropped when it is restored); None if llama.cpp wrote none, or if it is
    larger than ``budget`` bytes (it would not be kept: it is not copied, which for a long
    context of a large model meant a gigabyte allocated for nothing)."""
    ctx = llm._ctx.ctx
    size = lib.llama_state_seq_get_size(ctx, 0)
    if size > budget:
        return None
    data = (ctypes.c_uint8 * size)()
    written = int(lib.llama_state_seq_get_data(ctx, data, size, 0))
    return SavedState(held, data, written) if written else None


def restore(lib: Any, llm: Any, saved: SavedState) -> None:
    """Replace what the context of ``llm`` holds with ``saved``. If llama.cpp refuses it,
    the context is left empty: the next prompt is read in full."""
    memory = lib.llama_get_memory(llm._ctx.ctx)
    lib.llama_memory_seq_rm(memory, 0, -1, -1)
    if not lib.llama_state_seq_set_data(llm._ctx.ctx, saved.data, saved.size, 0):
        llm.n_tokens = 0
        return
    # Not the cells past the tokens it holds (a copy taken while a shift waited has them).
    n = keep_first(lib, llm, memory, len(saved.tokens))
    llm.input_ids[:n] = saved.tokens[:n]
