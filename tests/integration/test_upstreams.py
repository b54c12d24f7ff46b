"""The daemon routed to real OpenAI-compatible servers on loopback: llama-cpp-python's own
server (its [server] extra) with the 0.5B model, another CodeSaga daemon, and a scripted
server for the failures. Requests go through the installed command and the real daemon."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Cli, stop_daemon
from tests.upstream_server import ScriptedUpstream

KEY = "sk-upstream-test-7f3a9c-SECRET"
ALIAS = "qwen-remote"
SOURCE = "def add(a, b):\n    total = a + b\n    return total\n"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def llama_server(small_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """llama-cpp-python's OpenAI-compatible server with the 0.5B model, behind an API key."""
    port = free_port()
    log = (tmp_path_factory.mktemp("llama-server") / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(small_model),
            "--model_alias",
            ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "4096",
            "--api_key",
            KEY,
            "--n_threads",
            str(os.cpu_count() or 1),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                response = httpx.get(
                    f"{url}/models", headers={"Authorization": f"Bearer {KEY}"}, timeout=2
                )
                if response.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"llama_cpp.server did not start (exit {proc.poll()}); see {log.name}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def write_config(home: Path, text: str) -> None:
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text(text)


def run_json(cli: Cli, *args: str, **env: str) -> Any:
    done = cli(*args, "--json", **env)
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


def journal(cli: Cli) -> list[dict[str, Any]]:
    return list(run_json(cli, "requests", "--limit", "50")["requests"])


def everything_written(home: Path) -> str:
    """Every file the daemon wrote under its home (logs, journal, sessions), as text."""
    texts = []
    for path in home.rglob("*"):
        if path.is_file() and not path.name.endswith(".sock"):
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


def test_generate_chat_and_refactor_served_by_a_real_upstream_after_failover(
    cli: Cli, llama_server: str, codesaga_home: Path, tmp_path: Path
) -> None:
    with ScriptedUpstream("500") as broken:
        write_config(
            codesaga_home,
            f'[[upstreams]]\nname = "broken"\nurl = "{broken.url}"\n\n'
            f'[[upstreams]]\nname = "gpu"\nurl = "{llama_server}"\nkey_env = "GPU_KEY"\n',
        )
        # A failed upstream rests for the retry time: long enough here that a slow machine
        # answering the three commands does not see it tried again.
        cli.env.update(
            GPU_KEY=KEY, CODESAGA_MAX_TOKENS="96", CODESAGA_UPSTREAM_RETRY_SECONDS="3600"
        )
        generated = run_json(cli, "generate", "a Python function that adds two numbers")
        assert generated["model"] == f"gpu/{ALIAS}" and "def " in generated["text"]
        assert any(
            "broken failed: upstream broken answered HTTP 500" in w for w in generated["warnings"]
        )
        asked = len(broken.received)
        assert asked >= 1
        chat = run_json(cli, "chat", "In one sentence: what does a Python list comprehension do?")
        assert chat["model"] == f"gpu/{ALIAS}" and chat["text"].strip()
        source = tmp_path / "calc.py"
        source.write_text(SOURCE)
        refactored = run_json(cli, "refactor", str(source), "-i", "add type hints")
        assert refactored["model"] == f"gpu/{ALIAS}"
        assert source.read_text() == SOURCE  # no --apply: nothing written
        assert len(broken.received) == asked  # after failing it rests (upstream_retry_seconds)

    records = {r["type"]: r for r in journal(cli)}
    for kind in ("generate", "chat", "refactor"):
        assert records[kind]["status"] == "completed", records[kind]
        assert records[kind]["model"] == f"gpu/{ALIAS}"
    assert "broken failed" in " ".join(records["generate"]["warnings"])

    listed = run_json(cli, "upstreams", "list")["upstreams"]
    assert [u["name"] for u in listed] == ["broken", "gpu"] and listed[1]["key"] == "set"
    checked = cli("upstreams", "check")
    assert checked.returncode == 1  # broken is gone now
    assert "gpu" in checked.stdout and ALIAS in checked.stdout and "FAILED" in checked.stdout
    # The key went to the server, and nowhere else: not the log, the journal, the sessions.
    assert KEY not in everything_written(codesaga_home)
    assert KEY not in checked.stdout + checked.stderr


def test_a_wrong_key_is_a_clear_error_without_the_key(
    cli: Cli, llama_server: str, codesaga_home: Path
) -> None:
    wrong = "sk-wrong-key-that-must-not-leak"
    done = cli(
        "generate",
        "hello world in Python",
        CODESAGA_UPSTREAM_URL=llama_server,
        CODESAGA_UPSTREAM_KEY=wrong,
        CODESAGA_UPSTREAM_FALLBACK_LOCAL="0",
    )
    assert done.returncode != 0
    assert "HTTP 401" in done.stderr and "check the upstream's key" in done.stderr
    assert wrong not in done.stderr + done.stdout
    assert wrong not in everything_written(codesaga_home)


def test_a_private_file_is_refactored_locally_and_never_reaches_the_upstream(
    cli: Cli, codesaga_home: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "internal" / "billing.py"
    secret.parent.mkdir()
    secret.write_text(SOURCE)
    with ScriptedUpstream("ok", text="```python\nprint('leaked')\n```") as recorder:
        write_config(codesaga_home, 'private_paths = "internal/*"\n')
        cli.env.update(CODESAGA_UPSTREAM_URL=recorder.url, CODESAGA_MAX_TOKENS="160")
        result = run_json(cli, "refactor", str(secret), "-i", "add type hints")
        assert result["model"] == "qwen2.5-coder-0.5b"
        assert any("internal/*" in w and "local model" in w for w in result["warnings"])
        assert recorder.posts == []
        assert all("total = a + b" not in json.dumps(r) for r in recorder.received)


def test_the_openai_client_and_a_daemon_using_another_daemon(
    cli: Cli, cli_env: dict[str, str], tmp_path: Path
) -> None:
    import openai

    cli.env["CODESAGA_MAX_TOKENS"] = "48"
    first = run_json(cli, "daemon", "status")
    if not first.get("openai_url"):
        assert cli("daemon", "start").returncode == 0
        first = run_json(cli, "daemon", "status")
    url, token = first["openai_url"], Path(first["token_file"]).read_text().strip()
    assert url.startswith("http://127.0.0.1:")

    client = openai.OpenAI(base_url=url, api_key=token, max_retries=0)
    stranger = openai.OpenAI(base_url=url, api_key="wrong", max_retries=0)
    with client, stranger:
        use_the_api(client, stranger)
    refuse_bad_requests(url, token)

    # A second daemon, with its own home, sends its work to the first.
    second_home = tmp_path / "second-home"
    second_env = {
        **cli_env,
        "CODESAGA_HOME": str(second_home),
        "CODESAGA_UPSTREAM_URL": url,
        "CODESAGA_UPSTREAM_KEY": token,
        "CODESAGA_MAX_TOKENS": "48",
    }
    second = Cli(second_env, tmp_path)
    try:
        done = run_json(second, "generate", "a Python function that returns 42")
        port = url.split(":")[2].split("/")[0]
        assert done["model"] == f"127.0.0.1:{port}/codesaga" and done["text"].strip()
        served = [r for r in journal(cli) if r["input"].get("api") == "openai"]
        # Nine through the API: the prompt over the context failed, the rest completed.
        assert sorted(r["status"] for r in served) == ["completed"] * 8 + ["failed"]
        assert [r["type"] for r in served if "suffix" in r["input"]] == ["generate"] * 2
        assert token not in everything_written(second_home)
    finally:
        stop_daemon(second_env)


TOOL_CALL = {"id": "c1", "type": "function", "function": {"name": "is_even", "arguments": "{}"}}


def use_the_api(client: Any, stranger: Any) -> None:
    """The official client: models, chat and completions, whole and streamed, and errors."""
    import openai

    assert "codesaga" in [m.id for m in client.models.list().data]
    assert client.models.retrieve("codesaga").id == "codesaga"
    with pytest.raises(openai.NotFoundError, match="no-such-model") as unknown:
        client.models.retrieve("no-such-model")
    assert unknown.value.code == "model_not_found"
    ask = [{"role": "user", "content": "Write a Python function that returns 42."}]
    whole = client.chat.completions.create(model="codesaga", messages=ask, max_tokens=40)  # type: ignore[arg-type]
    assert whole.choices[0].message.content and whole.usage and whole.usage.completion_tokens > 0
    # Another question: an identical one would come from the response cache, in one piece.
    ask = [{"role": "user", "content": "Write a Python function that returns 7."}]
    streamed = client.chat.completions.create(
        model="codesaga",
        messages=ask,
        max_tokens=40,
        stream=True,  # type: ignore[arg-type]
    )
    chunks = list(streamed)
    parts = [c.choices[0].delta.content or "" for c in chunks if c.choices]
    assert len(parts) > 2 and "".join(parts).strip()
    assert len({c.model for c in chunks}) == 1  # the last chunk named another model
    text = client.completions.create(model="codesaga", prompt="def fib(n):", max_tokens=24)
    assert text.choices[0].text
    pieces = client.completions.create(
        model="codesaga", prompt="def fib(n):", max_tokens=24, stream=True
    )
    assert "".join(c.choices[0].text for c in pieces if c.choices)
    # A fill in the middle, as FIM clients ask: the model's own format, none of its tokens.
    filled = client.completions.create(
        model="codesaga",
        prompt="def add(a, b):\n    return ",
        suffix="\n\n\nprint(add(2, 3))\n",
        max_tokens=12,
    )
    assert filled.choices[0].text.strip() and "<|" not in filled.choices[0].text
    at_the_top = client.completions.create(
        model="codesaga", prompt="", suffix="\n\nprint(add(2, 3))\n", max_tokens=12
    )  # the cursor at the start of a file: no prefix at all (it was a 400)
    assert at_the_top.choices[0].text.strip()
    with pytest.raises(openai.AuthenticationError):
        stranger.models.list()
    with pytest.raises(openai.BadRequestError, match="messages"):
        client.chat.completions.create(model="codesaga", messages=[])
    # What the SDK's own examples send: a developer message, a history with a tool call.
    history = [
        {"role": "developer", "content": "Answer with one word."},
        {"role": "user", "content": "Is 4 even?"},
        {"role": "assistant", "content": None, "tool_calls": [TOOL_CALL]},
        {"role": "tool", "tool_call_id": "c1", "content": "yes"},
        {"role": "user", "content": "So, is it?"},
    ]
    said = client.chat.completions.create(model="codesaga", messages=history, max_tokens=8)  # type: ignore[arg-type]
    assert said.choices[0].message.content is not None
    with pytest.raises(openai.BadRequestError) as too_long:
        client.completions.create(model="codesaga", prompt="x = 1\n" * 40_000, max_tokens=4)
    assert too_long.value.code == "context_length_exceeded"


def refuse_bad_requests(url: str, token: str) -> None:
    """Malformed, oversized, misaddressed or foreign requests get clear errors, no model."""
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(timeout=30) as http:

        def post(body: bytes, **headers: str) -> httpx.Response:
            return http.post(f"{url}/chat/completions", content=body, headers={**auth, **headers})

        bad = post(b"{not json")
        assert bad.status_code == 400 and "not valid JSON" in bad.json()["error"]["message"]
        huge = post(b'{"messages": "' + b"x" * (9 * 1024 * 1024) + b'"}')
        assert huge.status_code == 413
        assert post(b"{}", Host="evil.example.com").status_code == 403
        assert post(b"{}", Origin="https://evil.example.com").status_code == 403
        assert http.post(f"{url}/chat/completions", content=b"{}").status_code == 401
        assert http.get(f"{url}/nothing", headers=auth).status_code == 404
        assert http.get(f"{url}/chat/completions", headers=auth).status_code == 405
        two = post(json.dumps({"messages": [{"role": "user", "content": "hi"}], "n": 2}).encode())
        assert two.status_code == 400 and "n must be 1" in two.json()["error"]["message"]
        wrong = post(json.dumps({"messages": [{"role": "robot", "content": "hi"}]}).encode())
        assert wrong.status_code == 400 and "role" in wrong.json()["error"]["message"]
