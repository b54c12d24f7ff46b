"""Which process runs a journaled request, and whether it still does.

A pid alone is not enough: after a crash and a reboot (or a busy day) another process may
carry the same pid. On Linux the process's start time, in clock ticks since boot, joins it.
"""

from __future__ import annotations

import os
from pathlib import Path


def _proc_stat(pid: int) -> tuple[str, str] | None:
    """(state, start time) of a process from /proc, or None where there is no such file."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces and parentheses: count from its end.
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], fields[19]


def current_owner() -> str:
    """This process, as a journal record names its owner: ``pid`` or ``pid:start``."""
    pid = os.getpid()
    found = _proc_stat(pid)
    return f"{pid}:{found[1]}" if found else str(pid)


def owner_alive(owner: str | None) -> bool:
    """Whether the process a record names still runs (None: nobody is known to)."""
    if not owner:
        return False
    pid_text, _, start = owner.partition(":")
    try:
        pid = int(pid_text)
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        pass  # it exists, as someone else's: not ours, but alive
    found = _proc_stat(pid)
    if found is None:
        return not start  # no /proc: the pid's existence is all there is to go on
    state, started = found
    # A zombie has died (its parent has yet to reap it); another start time is another process
    return state != "Z" and (not start or started == start)
