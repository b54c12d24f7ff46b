"""Which process runs a journaled request, and whether it still does.

A pid alone is not enough: after a crash and a reboot (or a busy day) another process may
carry the same pid. On Linux the process's start time, in clock ticks since boot, joins it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
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
    return process_tag(os.getpid())


def process_tag(pid: int) -> str:
    """A process as a record names it: ``pid:start``, or ``pid`` where there is no /proc."""
    found = _proc_stat(pid)
    return f"{pid}:{found[1]}" if found else str(pid)


def end_group_left_running(leader: str, wait: float = 2.0) -> bool:
    """SIGKILL the process group that the process ``leader`` (a tag) started, if it is still
    there, and wait up to ``wait`` seconds for it to go; whether one was signalled.

    The group is known to be that one only with a start time (Linux): its leader still
    running with that start time, or gone while some of the group is left (the kernel
    never gives a pid to a new process while a group still goes by it). Without /proc
    the pid could be another's by now, so nothing is signalled."""
    pid_text, _, start = leader.partition(":")
    if not start or not pid_text.isdigit():
        return False
    pgid = int(pid_text)
    found = _proc_stat(pgid)
    if found is not None and found[1] != start:
        return False  # the pid is another process's now: the group it led had ended
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    deadline = time.monotonic() + wait
    with contextlib.suppress(ProcessLookupError, PermissionError):
        while time.monotonic() < deadline:
            os.killpg(pgid, 0)  # a zombie of the group answers until it is reaped
            time.sleep(0.02)
    return True


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
