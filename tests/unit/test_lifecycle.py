"""Starting the daemon: what the client says when it cannot."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from codesaga.client import lifecycle
from codesaga.domain.errors import DaemonError
from codesaga.settings import load_settings


def test_a_daemon_that_dies_on_a_full_disk_is_said_to_have_no_room(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its log and stderr are on that disk, so they said nothing: "see codesaga daemon
    # logs" led to logs that did not mention it.
    settings = load_settings({"CODESAGA_HOME": str(tmp_path / "home")})
    settings.state_dir.mkdir(parents=True)
    died = subprocess.Popen([sys.executable, "-c", "raise SystemExit(1)"])
    died.wait()
    usage = shutil.disk_usage(tmp_path)

    def full(path: Any) -> Any:
        return usage._replace(free=4096)

    monkeypatch.setattr(shutil, "disk_usage", full)
    with pytest.raises(DaemonError) as caught:
        lifecycle.wait_for_daemon(settings, died, timeout=5)
    assert f"the disk holding {settings.state_dir} is full (4,096 bytes free)" in str(caught.value)
    monkeypatch.undo()  # room: the message is as before
    with pytest.raises(DaemonError, match="said nothing; see `codesaga daemon logs`"):
        lifecycle.wait_for_daemon(settings, died, timeout=5)


def test_the_daemon_is_started_without_gits_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Started by the commit hook, it kept GIT_INDEX_FILE (the commit's temporary index) and
    # GIT_DIR for its whole life, and the git it ran later read them.
    started: dict[str, Any] = {}

    class Started:
        pid = -1

        def __init__(self, args: Any, **kw: Any) -> None:
            started.update(kw)

    monkeypatch.setattr(subprocess, "Popen", Started)
    monkeypatch.setenv("GIT_INDEX_FILE", "/repo/.git/next-index-42.lock")
    monkeypatch.setenv("GIT_DIR", "/repo/.git")
    lifecycle.spawn_daemon(load_settings({"CODESAGA_HOME": str(tmp_path / "home")}))
    assert not [k for k in started["env"] if k.startswith("GIT_")]
    assert started["env"]["CODESAGA_STATE_DIR"]  # where the client will look for it
