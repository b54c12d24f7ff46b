"""A daemon's crash report (faulthandler's, in daemon.stderr) as `daemon logs` finds it."""

from __future__ import annotations

import pytest

from codesaga.cli.main import main
from codesaga.protocol.runtime import last_crash, log_path, start_line, stderr_path
from codesaga.settings import Settings, load_settings

REPORT = [
    "Fatal Python error: Segmentation fault",
    "",
    "Thread 0x00007f (most recent call first):",
    '  File "/venv/llama_cpp/_internals.py", line 312 in decode',
]
OLDER = ["Fatal Python error: Aborted", '  File "x.py", line 1 in f']


def test_the_last_report_with_its_daemon() -> None:
    text = "\n".join([start_line(11), *OLDER, start_line(12), *REPORT]) + "\n"
    crash = last_crash(text)
    assert crash is not None and (crash.pid, crash.latest, crash.lines) == (12, True, REPORT)
    later = last_crash(text + start_line(13) + "\ncodesaga: a daemon is already running\n")
    assert later is not None and (later.pid, later.latest) == (12, False)
    assert last_crash("OSError: port taken\n") is None


def test_what_its_daemon_said_just_before_it_comes_too() -> None:
    # llama.cpp's own last words (a GGML_ASSERT): kept, a few lines of them, never another
    # daemon's lines nor an earlier report's stacks
    said = [start_line(7), "", "ggml.c:1912: GGML_ASSERT(n_dims <= 4) failed", "", *REPORT]
    crash = last_crash("\n".join(said))
    assert crash is not None and crash.lines == [said[2], *REPORT]
    crash = last_crash("\n".join(["OSError: [Errno 98] taken", start_line(8), *REPORT]))
    assert crash is not None and crash.lines == REPORT
    crash = last_crash("\n".join([*OLDER, *REPORT]))  # before daemons said who they were
    assert crash is not None and crash.pid is None and crash.lines == REPORT


@pytest.fixture
def settings(codesaga_home: object) -> Settings:
    return load_settings()


def logs(settings: Settings, log: list[str], stderr: list[str]) -> None:
    """`codesaga daemon logs -n 5` over this log and this stderr."""
    settings.state_dir.mkdir(parents=True, exist_ok=True)
    log_path(settings.state_dir).write_text("\n".join(log) + "\n")
    stderr_path(settings.state_dir).write_text("\n".join(stderr) + "\n")
    main(["daemon", "logs", "-n", "5"])


def test_daemon_logs_show_the_crash_of_the_last_daemon_or_of_one_in_view(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    listening = "INFO codesaga.daemon: codesaga 0.1.0 daemon {} listening on /run/daemon.sock"
    # The last daemon crashed: shown after its log, whatever came into stderr since (a
    # second start that found it running: the report came back for a daemon running fine).
    logs(settings, [listening.format(12)], [start_line(12), *REPORT, "codesaga: a daemon is"])
    out = capsys.readouterr().out
    assert out.index("listening") < out.index("-- daemon 12 crashed") < out.index("decode")
    # Another daemon started since: still shown while the crashed one's lines are in view,
    logs(
        settings,
        [listening.format(12), listening.format(13)],
        [start_line(12), *REPORT, start_line(13)],
    )
    assert "-- daemon 12 crashed" in capsys.readouterr().out
    # and not once they are not (an old crash, long since followed by working daemons).
    logs(
        settings,
        [listening.format(n) for n in range(13, 19)],
        [start_line(12), *REPORT, *(start_line(n) for n in range(13, 19))],
    )
    assert "crashed" not in capsys.readouterr().out
