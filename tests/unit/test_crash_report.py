"""A daemon's crash report (faulthandler's, in daemon.stderr) as `daemon logs` finds it."""

from __future__ import annotations

import os

import pytest

from codesaga.cli.main import main
from codesaga.protocol.runtime import last_crash, log_path, stderr_path
from codesaga.settings import Settings, load_settings

REPORT = [
    "Fatal Python error: Segmentation fault",
    "",
    "Thread 0x00007f (most recent call first):",
    '  File "/venv/llama_cpp/_internals.py", line 312 in decode',
]


def test_the_last_report_from_its_first_line() -> None:
    older = ["Fatal Python error: Aborted", '  File "x.py", line 1 in f']
    text = "\n".join(["starting", *older, *REPORT]) + "\n"
    assert last_crash(text) == REPORT
    assert last_crash("OSError: port taken\n") == []
    # llama.cpp's own last words come before the report: kept, a few lines of them
    said = ["loading", "", "ggml.c:1912: GGML_ASSERT(n_dims <= 4) failed", "", "", *REPORT]
    assert last_crash("\n".join(said)) == [said[2], *REPORT]


@pytest.fixture
def settings(codesaga_home: object) -> Settings:
    return load_settings()


def test_daemon_logs_show_a_report_written_after_the_log_only(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    log, stderr = log_path(settings.state_dir), stderr_path(settings.state_dir)
    log.write_text("INFO codesaga.daemon: listening\n")
    stderr.write_text("\n".join(REPORT) + "\n")
    os.utime(log, (1_000_000, 1_000_000))
    os.utime(stderr, (1_000_010, 1_000_010))
    main(["daemon", "logs"])
    out = capsys.readouterr().out
    assert out.index("listening") < out.index("then the daemon crashed") < out.index("decode")
    # A report older than the log's last line was a daemon's before the ones logged since.
    os.utime(stderr, (999_990, 999_990))
    main(["daemon", "logs"])
    assert "crashed" not in capsys.readouterr().out
