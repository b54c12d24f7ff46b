"""Processes named in records by pid and start time: a group left running is ended only
when it is known to be the one the record names."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from codesaga.service.processes import end_group_left_running, process_tag

linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")


@linux
def test_a_group_left_running_is_ended_with_everything_it_started() -> None:
    shell = subprocess.Popen("sleep 60 & sleep 60; wait", shell=True, start_new_session=True)
    tag = process_tag(shell.pid)
    time.sleep(0.2)
    assert end_group_left_running(tag, wait=0)
    assert shell.wait(5) == -9  # reaped: until then its zombie answers for the group
    deadline = time.monotonic() + 5
    while True:
        try:
            os.killpg(shell.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a process of the group is still there"
        time.sleep(0.05)


@linux
def test_a_pid_that_is_another_process_now_is_not_signalled() -> None:
    # This test's own pid with another start time: the group the record named is gone, and
    # the pid was given to someone else (here, us).
    pid = os.getpid()
    assert not end_group_left_running(f"{pid}:1")
    assert not end_group_left_running(str(pid))  # no start time: no telling whose it is
