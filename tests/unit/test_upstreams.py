"""The remote engine and the router against scripted OpenAI-compatible servers on loopback
(real HTTP, scripted answers and failures); the local model is the scripted fake engine."""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from codesaga.domain.enums import RequestType, Role
from codesaga.domain.errors import PrivateContentError, UpstreamError, UsageError
from codesaga.domain.prompts import Message
from codesaga.domain.upstreams import PrivacyRules, Timeouts, UpstreamKind, UpstreamSpec
from codesaga.engine.fake import FakeEngine
from codesaga.engine.port import CancelToken, Delta, Finished, GenerationRequest, Infill, collect
from codesaga.engine.remote import RemoteEngine
from codesaga.service import routing
from codesaga.service.routing import Upstreams
from codesaga.service.runner import RunOptions
from codesaga.settings import Live, load_settings
from tests.unit.test_tasks import ORIGINAL, assistant_with, models_dir  # noqa: F401
from tests.upstream_server import (
    ABORTED,
    DROPS_ALL,
    DROPS_SECOND,
    ENDLESS_ERROR,
    ENDLESS_LINE,
    LLAMA_ERROR,
    TOO_LONG,
    ScriptedUpstream,
)

KEY = "sk-test-0123456789-SECRET"
CHAT = GenerationRequest(messages=[Message("user", "hello")], max_tokens=32)
FAST = Timeouts(connect=1.0, first_token=0.6, idle=0.6)
OPENED: list[RemoteEngine] = []  # closed after each test: an engine keeps its connections


@pytest.fixture(autouse=True)
def _close_engines() -> Iterator[None]:
    yield
    while OPENED:
        OPENED.pop().close()


def engine_for(server: ScriptedUpstream, **spec: object) -> RemoteEngine:
    upstream = UpstreamSpec(name="box", url=server.url, key=KEY, **spec)  # type: ignore[arg-type]
    OPENED.append(RemoteEngine(upstream, "scripted-model", FAST))
    return OPENED[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the remote engine --------------------------------------------------------------------


def test_streams_chat_and_sends_the_key_as_a_bearer_token() -> None:
    with ScriptedUpstream("ok") as server:
        finished = collect(engine_for(server), CHAT)
    assert finished.text == "print('hello from upstream')\n"
    assert finished.completion_tokens == 3 and finished.prompt_tokens == 11
    request = server.received[0]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["Authorization"] == f"Bearer {KEY}"
    assert request["body"]["model"] == "scripted-model" and request["body"]["stream"] is True


def test_raw_prompts_use_completions_and_stops_apply_locally() -> None:
    with ScriptedUpstream("ok") as server:
        request = GenerationRequest(prompt="def f():", stop=["from"], max_tokens=8)
        finished = collect(engine_for(server), request)
    assert server.received[0]["path"] == "/v1/completions"
    assert server.received[0]["body"]["prompt"] == "def f():"
    assert finished.text == "print('hello "  # cut at the stop string "from"


def test_llama_server_completion_uses_infill() -> None:
    with ScriptedUpstream("ok") as server:
        request = GenerationRequest(
            prompt="<|fim_prefix|>...", infill=Infill("def f(", "):\n", (("b.py", "x = 1"),))
        )
        finished = collect(engine_for(server, kind=UpstreamKind.LLAMA_SERVER), request)
    sent = server.received[0]
    assert sent["path"] == "/infill"
    assert sent["body"]["input_prefix"] == "def f(" and sent["body"]["input_suffix"] == "):\n"
    assert sent["body"]["input_extra"] == [{"filename": "b.py", "text": "x = 1"}]
    assert finished.text == "print('hello from upstream')\n"


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("500", "answered HTTP 500: .*upstream exploded"),
        ("malformed", "malformed event"),
        ("stall-first", "sent nothing for 0.6 s while we waited for the first token"),
        # llama-server's `error:` field: it read as a whole (empty) answer, no failover
        ("llama-error", "failed: the request exceeds the available context size"),
    ],
)
def test_failures_before_any_text_are_clear_and_may_fail_over(mode: str, message: str) -> None:
    with ScriptedUpstream(mode) as server:
        started = time.monotonic()
        with pytest.raises(UpstreamError, match=message) as caught:
            collect(engine_for(server), CHAT)
        assert time.monotonic() - started < 5
    assert caught.value.before_output


@pytest.mark.parametrize("kind", [UpstreamKind.OPENAI, UpstreamKind.LLAMA_SERVER])
def test_a_stream_that_ends_before_its_answer_does_is_a_failure(kind: UpstreamKind) -> None:
    # It was taken for a whole answer: cut short, finished "stop", and kept by the response
    # cache for every later asker.
    request = GenerationRequest(prompt="<|fim_prefix|>x", infill=Infill("def f(", "):\n"))
    with ScriptedUpstream("cut-short") as server:
        seen: list[str] = []
        with pytest.raises(UpstreamError, match="ended its answer before it was done") as caught:
            collect(engine_for(server, kind=kind), request, seen.append)
    assert "".join(seen) == "print('hello from upstream')\n"
    assert not caught.value.before_output


def test_an_answer_the_server_aborted_is_a_failure_not_a_whole_answer() -> None:
    # vLLM ends an aborted request with finish_reason "abort" (or "error", "repetition"):
    # it was taken for "stop", and a refactor cut half-way could be applied.
    with ScriptedUpstream(ABORTED) as server:
        seen: list[str] = []
        with pytest.raises(UpstreamError, match=r"before it was done \(finish reason 'abort'\)"):
            collect(engine_for(server), CHAT, seen.append)
    assert "".join(seen) == "print('hello from upstream')\n"


@pytest.mark.parametrize(
    ("mode", "message"),
    [(ENDLESS_ERROR, "HTTP 400: data: xxx"), (ENDLESS_LINE, "event larger than 1 MiB")],
)
def test_a_body_without_end_is_read_no_further_than_its_limit(mode: str, message: str) -> None:
    # An error's body was read whole before its first 400 characters were kept, and a line
    # of the stream buffered whole before the 1 MiB check: 400 MiB took 1.5 GiB of memory.
    with ScriptedUpstream(mode) as server:
        with pytest.raises(UpstreamError, match=message):
            collect(engine_for(server), CHAT)
        sent = server.sent
        if mode == ENDLESS_ERROR:  # the health check's GET /models too
            with pytest.raises(UpstreamError, match="HTTP 400: data: xxx"):
                engine_for(server).list_models()
            sent = max(sent, server.sent - sent)
    assert sent < 16 * 1024 * 1024  # the limit, and what the sockets' buffers took in


def test_a_server_that_ignores_max_tokens_is_cut_at_the_limit() -> None:
    # Some servers (and proxies) drop max_tokens: the answer streamed on without end.
    words = " ".join(f"w{n}" for n in range(200))
    with ScriptedUpstream("ok", text=words) as server:
        request = dataclasses.replace(CHAT, max_tokens=5)
        finished = collect(engine_for(server), request)
    assert finished.reason == "length" and finished.text == "w0 w1 w2 w3 w4 "


def test_a_stall_after_text_cannot_fail_over() -> None:
    with ScriptedUpstream("stall-middle") as server:
        seen: list[str] = []
        with pytest.raises(UpstreamError, match="the next token") as caught:
            collect(engine_for(server), CHAT, seen.append)
    assert seen == ["print('hello "] and not caught.value.before_output


def test_connection_refused_is_clear() -> None:
    spec = UpstreamSpec(name="gone", url=f"http://127.0.0.1:{free_port()}/v1", key=KEY)
    OPENED.append(RemoteEngine(spec, "m", FAST))
    with pytest.raises(UpstreamError, match=r"cannot connect to upstream gone .*is the server"):
        collect(OPENED[-1], CHAT)


def test_the_key_never_appears_in_an_error_even_when_the_server_echoes_it() -> None:
    with ScriptedUpstream("401-echo") as server, pytest.raises(UpstreamError) as caught:
        collect(engine_for(server), CHAT)
    assert "HTTP 401" in str(caught.value) and "check the upstream's key" in str(caught.value)
    assert KEY not in str(caught.value) and "***" in str(caught.value)
    assert KEY not in repr(UpstreamSpec(name="x", url="http://h/v1", key=KEY))


def test_cancel_stops_a_remote_stream() -> None:
    with ScriptedUpstream("stall-middle") as server:
        cancel = CancelToken()
        events = []
        for event in engine_for(server).stream(CHAT, cancel):
            events.append(event)
            if isinstance(event, Delta):
                cancel.cancel()
        assert isinstance(events[-1], Finished) and events[-1].reason == "cancelled"


def test_requests_to_one_upstream_reuse_one_connection() -> None:
    with ScriptedUpstream("ok", keep_alive=True) as server:
        engine = engine_for(server)
        assert engine.list_models() == ["scripted-model"]
        chat = collect(engine, CHAT)
        raw = collect(engine, GenerationRequest(prompt="def f():", max_tokens=8))
    assert chat.text == raw.text == "print('hello from upstream')\n"
    assert len(server.received) == 3 and server.connections == 1


def test_a_kept_connection_the_server_closed_as_a_request_went_out_is_retried_once() -> None:
    """The race of every keep-alive client: the server closes an idle connection just as the
    next request is sent on it. Nothing was answered, so the request goes again on a new
    connection instead of failing (which would also mark a healthy upstream down)."""
    with ScriptedUpstream(DROPS_SECOND, keep_alive=True) as server:
        engine = engine_for(server)
        first = collect(engine, CHAT)
        second = collect(engine, CHAT)
    assert first.text == second.text == "print('hello from upstream')\n"
    assert len(server.posts) == 3 and server.connections == 2


def test_a_server_that_closes_every_request_unanswered_fails_after_one_retry() -> None:
    with ScriptedUpstream(DROPS_ALL, keep_alive=True) as server:
        with pytest.raises(UpstreamError, match="closed the connection without an answer") as e:
            collect(engine_for(server), CHAT)
        assert len(server.posts) == 2 and server.connections == 2
    assert e.value.before_output  # another upstream or the local model may take it over


def test_closing_lets_a_running_stream_finish_and_a_later_request_reconnects() -> None:
    with ScriptedUpstream("slow-ok", keep_alive=True) as server:
        engine = engine_for(server)
        stream = engine.stream(CHAT)
        first = next(stream)
        engine.close()  # put off until the stream ends: it goes on
        rest = list(stream)
        assert isinstance(first, Delta) and isinstance(rest[-1], Finished)
        text = "".join(e.text for e in [first, *rest] if isinstance(e, Delta))
        assert text == "print('hello from upstream')\n" and rest[-1].reason == "stop"
        assert collect(engine, CHAT).text == "print('hello from upstream')\n"
        assert server.connections == 2


def test_cancel_while_waiting_for_the_first_token() -> None:
    with ScriptedUpstream("stall-first") as server:
        spec = UpstreamSpec(name="box", url=server.url, key=KEY)
        OPENED.append(engine := RemoteEngine(spec, "m", Timeouts(1.0, first_token=10, idle=10)))
        cancel = CancelToken()
        threading.Timer(0.3, cancel.cancel).start()
        started = time.monotonic()
        finished = collect(engine, CHAT, cancel=cancel)
    assert finished.reason == "cancelled" and time.monotonic() - started < 2


def test_one_engine_serves_several_threads_at_once() -> None:
    with ScriptedUpstream("slow-ok", keep_alive=True) as server:
        engine = engine_for(server)
        with ThreadPoolExecutor(3) as pool:
            answers = list(pool.map(lambda _: collect(engine, CHAT).text, range(3)))
    assert answers == ["print('hello from upstream')\n"] * 3


def test_list_models_is_the_health_check() -> None:
    with ScriptedUpstream("ok") as server:
        assert engine_for(server).list_models() == ["scripted-model"]
    with ScriptedUpstream("500") as server, pytest.raises(UpstreamError, match="HTTP 500"):
        engine_for(server).list_models()


# -- configuration and privacy -----------------------------------------------------------


def test_upstreams_from_the_environment_and_config(codesaga_home: Path) -> None:
    config = codesaga_home / "config"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(
        '[[upstreams]]\nname = "gpu"\nurl = "http://gpu-box:8080/v1"\nkey_env = "GPU_KEY"\n'
        'roles = ["chat", "completion"]\nkind = "llama-server"\n'
        '[upstreams.models]\nchat = "bllossom-8b"\n'
    )
    env = {
        "CODESAGA_HOME": str(codesaga_home),
        "GPU_KEY": KEY,
        "CODESAGA_UPSTREAM_URL": "http://10.0.0.5:8000/v1",
    }
    gpu, single = load_settings(env).all_upstreams()
    assert (gpu.name, gpu.key, gpu.kind, gpu.roles) == (
        "gpu",
        KEY,
        UpstreamKind.LLAMA_SERVER,
        (Role.CHAT, Role.COMPLETION),
    )
    assert gpu.model_for(Role.CHAT) == "bllossom-8b" and gpu.model_for(Role.COMPLETION) == ""
    assert single.name == "10.0.0.5:8000" and Role.COMPLETION not in single.roles
    shown = dict(
        (k, v) for k, _, v, _ in load_settings({**env, "CODESAGA_UPSTREAM_KEY": KEY}).describe()
    )
    assert shown["upstream_key"] == "(set)" and KEY not in str(shown)
    with pytest.raises(UsageError, match="not an http"):
        load_settings({**env, "CODESAGA_UPSTREAM_URL": "gpu-box:8080"}).all_upstreams()


def test_privacy_globs() -> None:
    rules = PrivacyRules.parse("*.env, secrets/*, /srv/keys/*")
    assert rules.match("/home/me/app/.env") == "*.env"
    assert rules.match("app/secrets/db/password.txt") == "secrets/*"
    assert rules.match("/srv/keys/a.pem") == "/srv/keys/*"
    assert rules.match("/home/me/srv/keys/a.pem") is None
    assert rules.match("/home/me/app/main.py") is None
    # As a .gitignore reads them: a folder's name, or a folder ending in "/" (they matched
    # nothing, and the files they meant went upstream without a word).
    rules = PrivacyRules.parse("secrets/, credentials, /srv/keys/")
    assert rules.match("/home/me/app/secrets/db.txt") == "secrets/"
    assert rules.match("/home/me/app/secrets/deep/db.txt") == "secrets/"
    assert rules.match("/home/me/app/credentials/aws.json") == "credentials"
    assert rules.match("/home/me/app/credentials") == "credentials"
    assert rules.match("/srv/keys/a.pem") == "/srv/keys/"
    assert rules.match("/home/me/app/my_secrets.txt") is None
    assert rules.match("/home/me/app/credentials.py") is None
    rules = PrivacyRules.parse("config/secrets, /home/me/app/keys")  # folders with a "/"
    assert rules.match("/home/me/app/config/secrets/db.txt") == "config/secrets"
    assert rules.match("/home/me/app/config/secrets") == "config/secrets"
    assert rules.match("/home/me/app/keys/id_rsa") == "/home/me/app/keys"
    assert rules.match("/home/me/app/config/secrets_old/db.txt") is None
    assert rules.match("/home/me/app/keys_backup/id_rsa") is None


# -- the router ----------------------------------------------------------------------------


def write_config(home: Path, servers: list[tuple[str, str]], extra: str = "") -> None:
    config = home / "config"
    config.mkdir(parents=True, exist_ok=True)
    tables = "".join(f'[[upstreams]]\nname = "{n}"\nurl = "{u}"\n' for n, u in servers)
    (config / "config.toml").write_text(extra + tables)


FAST_ENV = {
    "CODESAGA_UPSTREAM_FIRST_TOKEN_TIMEOUT": "0.6",
    "CODESAGA_UPSTREAM_IDLE_TIMEOUT": "0.6",
    "CODESAGA_UPSTREAM_CONNECT_TIMEOUT": "1",
}


def test_a_reload_lets_a_running_answer_finish(codesaga_home: Path) -> None:
    with ScriptedUpstream("slow-ok", keep_alive=True) as server:
        env = {**FAST_ENV, "CODESAGA_UPSTREAM_URL": server.url, "CODESAGA_UPSTREAM_MODEL": "m"}
        settings = Live(load_settings(env))
        upstreams = Upstreams(settings, RemoteEngine)
        before = upstreams.all[0]
        stream = before.engine(Role.CHAT).stream(CHAT)
        first = next(stream)
        upstreams.reconfigure()  # nothing changed: the same upstream, its connections kept
        assert upstreams.all[0] is before
        settings.current = dataclasses.replace(settings.current, upstream_idle_timeout=0.7)
        upstreams.reconfigure()  # a change: a new upstream, the old one's engine closes
        assert upstreams.all[0] is not before
        rest = list(stream)
        assert isinstance(first, Delta) and isinstance(rest[-1], Finished)
        assert rest[-1].reason == "stop"
        assert collect(upstreams.all[0].engine(Role.CHAT), CHAT).text.startswith("print(")
        upstreams.close()


def test_failover_to_the_next_upstream_then_local(models_dir: Path) -> None:  # noqa: F811
    local = FakeEngine(n_ctx=4096)
    with ScriptedUpstream("500") as broken, ScriptedUpstream("malformed") as garbled:
        write_config(models_dir.parent, [("broken", broken.url), ("garbled", garbled.url)])
        assistant = assistant_with(local, models_dir, **FAST_ENV)
        local.enqueue("print('local')")
        result = assistant.generate("print something")
    assert result.text == "print('local')"
    notes = " | ".join(result.warnings)
    assert "broken failed: upstream broken answered HTTP 500" in notes
    assert "garbled failed: upstream garbled sent a malformed event" in notes
    assert "answered by the local model" in notes
    record = assistant.journal.get(result.request_id)
    assert record is not None and record.warnings == result.warnings
    # The failed upstreams rest for upstream_retry_seconds: the next request goes local at once.
    local.enqueue("print('again')")
    assert assistant.generate("again").warnings == []


@pytest.mark.parametrize("mode", [TOO_LONG, LLAMA_ERROR])
def test_a_request_the_server_refuses_leaves_it_in_service(models_dir: Path, mode: str) -> None:  # noqa: F811
    # One request too long for its context (HTTP 400, or llama-server's error event) took
    # the server out of service for upstream_retry_seconds: every request went local.
    local = FakeEngine(n_ctx=4096)
    with ScriptedUpstream(mode) as server:
        write_config(models_dir.parent, [("gpu", server.url)])
        assistant = assistant_with(local, models_dir, **FAST_ENV)
        for _ in range(2):
            local.enqueue("print('local')")
            result = assistant.generate("print something")
            assert "answered by the local model" in " | ".join(result.warnings)
        assert len(server.posts) == 2
        assert assistant.runner.describe()[0]["status"] == "ready"  # type: ignore[attr-defined]


def test_a_model_found_by_asking_is_asked_for_again_after_a_failure(models_dir: Path) -> None:  # noqa: F811
    # It was kept for the daemon's life: after the server changed its model every request
    # failed over, while `upstreams check` said ok.
    local = FakeEngine(n_ctx=4096)
    with ScriptedUpstream("ok", strict_models=True) as server:
        write_config(models_dir.parent, [("gpu", server.url)])
        assistant = assistant_with(
            local, models_dir, CODESAGA_UPSTREAM_RETRY_SECONDS="0", **FAST_ENV
        )
        assert assistant.generate("print a").warnings == []
        server.models = ["another-model"]  # `ollama rm`, or vLLM restarted with another
        local.enqueue("print('local')")
        assert "HTTP 404" in " | ".join(assistant.generate("print b").warnings)
        assert assistant.generate("print c").warnings == []
        assert server.posts[-1]["body"]["model"] == "another-model"


def test_the_check_asks_for_a_token_when_a_key_is_set(models_dir: Path) -> None:  # noqa: F811
    # llama-server lists its models to anyone: a wrong key passed the check, which also
    # wiped the 401 a request had met.
    write_config(models_dir.parent, [])
    with ScriptedUpstream("401-echo") as server:
        env = {**FAST_ENV, "CODESAGA_UPSTREAM_URL": server.url, "CODESAGA_UPSTREAM_KEY": KEY}
        assistant = assistant_with(FakeEngine(n_ctx=4096), models_dir, **env)
        [checked] = assistant.runner.check()  # type: ignore[attr-defined]
        assert not checked["ok"] and "HTTP 401" in checked["error"]
        assert KEY not in checked["error"] and checked["status"] == "unavailable"
    with ScriptedUpstream("ok") as server:
        env["CODESAGA_UPSTREAM_URL"] = server.url
        assistant = assistant_with(FakeEngine(n_ctx=4096), models_dir, **env)
        [checked] = assistant.runner.check()  # type: ignore[attr-defined]
        asked = server.posts[-1]
        assert checked["ok"] and asked["body"]["max_tokens"] == 1
        assert checked["last_checked_at"] is not None  # `upstreams list`: asked, not "not yet"
        assert asked["path"].endswith("/chat/completions")  # as its roles' requests go


def test_a_model_named_on_an_upstream_is_the_one_asked_and_no_other_answers(
    models_dir: Path,  # noqa: F811
) -> None:
    # "gpu/big-70b" asked the server for its configured model, and with the server down the
    # local model answered what the user had asked of that one.
    local = FakeEngine(n_ctx=4096)
    with ScriptedUpstream("ok", strict_models=True) as server:
        server.models = ["small", "big-70b"]  # the first is the one found by asking
        write_config(models_dir.parent, [("gpu", server.url)])
        assistant = assistant_with(local, models_dir, **FAST_ENV)
        assistant.generate("print a", run=RunOptions(model="gpu/big-70b"))
        assert server.posts[-1]["body"]["model"] == "big-70b"
        assistant.generate("print b", run=RunOptions(model="gpu"))
        assert server.posts[-1]["body"]["model"] == "small"
        # A name the server does not have is that request's failure alone: the server stays
        # in service (it rested, and every request of every role went local).
        with pytest.raises(UpstreamError, match="HTTP 404"):
            assistant.generate("print e", run=RunOptions(model="gpu/big-7b"))
        asked = len(server.posts)
        assistant.generate("print f")  # the role's upstream, as before
        assert len(server.posts) == asked + 1 and server.posts[-1]["body"]["model"] == "small"
        for n in range(12):  # a model per request: only the last few keep connections
            with contextlib.suppress(UpstreamError):
                assistant.generate("print g", run=RunOptions(model=f"gpu/m{n}"))
        [gpu] = assistant.runner.upstreams  # type: ignore[attr-defined]
        assert len(gpu._engines) <= routing.MAX_ENGINES
    down = free_port()
    write_config(models_dir.parent, [("gpu", f"http://127.0.0.1:{down}/v1")])
    assistant = assistant_with(local, models_dir, **FAST_ENV)
    with pytest.raises(UpstreamError, match="the request named gpu/big-70b, so no other model"):
        assistant.generate("print c", run=RunOptions(model="gpu/big-70b"))
    local.enqueue("print('local')")  # not named: the local model still stands in
    assert assistant.generate("print d").text == "print('local')"


def test_an_upstream_answers_and_the_journal_names_it(models_dir: Path) -> None:  # noqa: F811
    with ScriptedUpstream("500") as broken, ScriptedUpstream("ok") as good:
        write_config(models_dir.parent, [("broken", broken.url), ("good", good.url)])
        assistant = assistant_with(FakeEngine(n_ctx=4096), models_dir, **FAST_ENV)
        result = assistant.generate("print something")
    assert result.model == "good/scripted-model"
    assert "print('hello from upstream')" in result.text
    record = assistant.journal.get(result.request_id)
    assert record is not None and record.model == "good/scripted-model"
    assert record.type is RequestType.GENERATE


def test_completion_stays_local_unless_an_upstream_serves_it(models_dir: Path) -> None:  # noqa: F811
    local = FakeEngine(n_ctx=4096)
    with ScriptedUpstream("ok") as server:
        write_config(models_dir.parent, [("good", server.url)])
        assistant = assistant_with(local, models_dir, **FAST_ENV)
        local.enqueue("return a + b")
        from codesaga.domain.completion import CompletionOptions
        from codesaga.domain.context import CodeContext

        ctx = CodeContext.at_cursor("a.py", "def add(a, b):\n    \n", 2, 5)
        completion = assistant.completer.complete(ctx, CompletionOptions())
    assert completion.text and server.posts == []


def test_a_private_file_never_reaches_the_upstream(models_dir: Path, tmp_path: Path) -> None:  # noqa: F811
    local = FakeEngine(n_ctx=4096)
    secret = tmp_path / "secrets" / "keys.py"
    secret.parent.mkdir()
    secret.write_text(ORIGINAL)
    public = tmp_path / "public.py"
    public.write_text(ORIGINAL)
    with ScriptedUpstream("ok", text="```python\n" + ORIGINAL + "```") as server:
        write_config(models_dir.parent, [("good", server.url)], 'private_paths = "secrets/*"\n')
        assistant = assistant_with(local, models_dir, **FAST_ENV)
        local.enqueue("```python\n" + ORIGINAL.replace("result", "total") + "```")
        private = assistant.refactor(secret)
        assert server.posts == []
        assert any(
            "is private (secrets/*): answered by the local model" in w for w in private.warnings
        )
        # A link to it is the same file: its name alone was matched, and the key went out.
        link = tmp_path / "helpers.py"
        link.symlink_to(secret)
        local.enqueue("```python\n" + ORIGINAL.replace("result", "total") + "```")
        assistant.refactor(link)
        assert server.posts == []
        assistant.refactor(public)
        assert len(server.posts) == 1 and "public.py" in str(server.posts[0]["body"])
    # With local answers off, a private file is refused, clearly, and still never sent.
    with ScriptedUpstream("ok") as server:
        write_config(
            models_dir.parent,
            [("good", server.url)],
            'private_paths = "secrets/*"\nupstream_fallback_local = 0\n',
        )
        assistant = assistant_with(local, models_dir, **FAST_ENV)
        with pytest.raises(PrivateContentError, match="never sent to an upstream"):
            assistant.refactor(secret)
        assert server.posts == []


def test_no_local_fallback_gives_a_clear_error_within_the_timeout(models_dir: Path) -> None:  # noqa: F811
    with ScriptedUpstream("stall-first") as server:
        write_config(models_dir.parent, [("stuck", server.url)], "upstream_fallback_local = 0\n")
        assistant = assistant_with(FakeEngine(n_ctx=4096), models_dir, **FAST_ENV)
        started = time.monotonic()
        with pytest.raises(UpstreamError, match=r"stuck failed: .*sent nothing for 0.6 s"):
            assistant.generate("print something")
        assert time.monotonic() - started < 5


def test_hedging_keeps_the_first_answer(models_dir: Path) -> None:  # noqa: F811
    with (
        ScriptedUpstream("slow-ok", text="slow answer here") as slow,
        # The fast one answers once the slow one has its request: else, on a busy machine,
        # the slow one could be cancelled before its request went out (right, but untestable).
        ScriptedUpstream("ok", text="fast answer", answer_after=slow.posted) as fast,
    ):
        write_config(models_dir.parent, [("slow", slow.url), ("fast", fast.url)])
        env = {**FAST_ENV, "CODESAGA_UPSTREAM_HEDGE_TOKENS": "4096", "CODESAGA_MAX_TOKENS": "64"}
        env["CODESAGA_UPSTREAM_IDLE_TIMEOUT"] = "5"
        env["CODESAGA_UPSTREAM_FIRST_TOKEN_TIMEOUT"] = "5"
        assistant = assistant_with(FakeEngine(n_ctx=4096), models_dir, **env)
        seen: list[str] = []
        result = assistant.generate("anything", run=RunOptions(on_delta=seen.append))
        assert len(slow.posts) == 1 and len(fast.posts) == 1  # both were asked
    assert result.text == "fast answer" and "".join(seen) == "fast answer"
    assert any("hedged with slow; fast answered first" in w for w in result.warnings)


def test_a_key_with_a_line_end_is_trimmed_and_one_a_header_cannot_carry_is_refused(
    tmp_path: Path,
) -> None:
    # A key with "\r" (a key file saved on Windows) made the HTTP library's error quote it,
    # escaped, into logs, `upstreams list` and the journal, past the scrubbing of the key.
    def upstreams(key: str, **more: str) -> tuple[UpstreamSpec, ...]:
        env = {"CODESAGA_HOME": str(tmp_path), "CODESAGA_UPSTREAM_URL": "http://gpu:8080/v1"}
        return load_settings({**env, "CODESAGA_UPSTREAM_KEY": key, **more}).all_upstreams()

    assert upstreams("sk-abc\r\n")[0].key == "sk-abc"
    for bad in ("sk-a\rbc", "sk ab", "sk-ä"):
        with pytest.raises(UsageError, match="upstream_key: its API key has a character") as e:
            upstreams(bad)
        assert bad not in str(e.value)
    (tmp_path / "config").mkdir()
    config = tmp_path / "config" / "config.toml"
    config.write_text('[[upstreams]]\nname = "gpu"\nurl = "http://gpu:8080/v1"\nkey_env = "K"\n')
    with pytest.raises(UsageError, match="upstream gpu: its API key"):
        load_settings({"CODESAGA_HOME": str(tmp_path), "K": "a\x00b"}).all_upstreams()


def test_a_hedged_attempt_that_fails_otherwise_than_upstream_ends_the_request() -> None:
    # An error other than UpstreamError (the client's on_delta raising, say) ended its
    # thread without a word, and the request waited for it forever.
    from dataclasses import dataclass

    from codesaga.service.hedging import hedge

    @dataclass
    class Server:
        name: str

    def attempt(server: Server, forward: Any, token: CancelToken, notes: list[str]) -> None:
        if server.name == "a":
            forward("partial")
            raise RuntimeError("the client's side broke")
        while not token.cancelled:  # b: cancelled once a claims the race
            time.sleep(0.01)

    outcome: list[BaseException] = []

    def ask() -> None:
        try:
            hedge([Server("a"), Server("b")], attempt, lambda text: None, CancelToken(), [])
        except BaseException as exc:  # what the request ends with
            outcome.append(exc)

    thread = threading.Thread(target=ask, daemon=True)
    thread.start()
    thread.join(10)
    assert not thread.is_alive() and isinstance(outcome[0], RuntimeError)


def test_a_chat_with_a_private_attachment_is_sized_for_the_local_model(
    models_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    # It was fitted to the upstream's context (32768), then sent to the local model (here
    # 1024), which refused it as too long.
    from codesaga.service.sessions import Chats, MemorySessionStore

    secret = tmp_path / "secrets" / "keys.py"
    secret.parent.mkdir()
    secret.write_text("KEY = 1\n")
    local = FakeEngine(n_ctx=1024)
    with ScriptedUpstream("ok") as server:
        write_config(models_dir.parent, [("gpu", server.url)], 'private_paths = "secrets/*"\n')
        assistant = assistant_with(local, models_dir, **FAST_ENV)
        chats = Chats(assistant, assistant.runner, MemorySessionStore())
        session = chats.open(name="s")
        chats.attach(session.id, secret, None, 1 << 20)
        for n in range(12):  # a long conversation: ~1,900 tokens, over the local context
            local.enqueue("word " * 60)
            chats.send(session.id, f"question {n} " + "about the key " * 20)
        assert server.posts == []
        assert local.history and all(local.count_tokens(r) <= 1024 for r in local.history)


def test_a_private_file_detached_from_a_chat_still_keeps_the_chat_local(
    models_dir: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    # Its content lives on in the answers that quoted it: once it was detached, the whole
    # conversation, the local model's quote of the secret included, went to the upstream.
    from codesaga.service.sessions import Chats, MemorySessionStore

    secret = tmp_path / "app" / ".env"
    secret.parent.mkdir()
    secret.write_text("DB_PASSWORD=hunter2\n")
    local = FakeEngine(n_ctx=4096)
    with ScriptedUpstream("ok", text="upstream answer") as server:
        write_config(models_dir.parent, [("gpu", server.url)], 'private_paths = "*.env"\n')
        assistant = assistant_with(local, models_dir, **FAST_ENV)
        chats = Chats(assistant, assistant.runner, MemorySessionStore())
        session = chats.open(name="s")
        chats.attach(session.id, secret, None, 1 << 20)
        local.enqueue("The password is hunter2; rotate it.")
        chats.send(session.id, "what is in my .env?")
        chats.detach(session.id, None)
        local.enqueue("A list comprehension builds a list.")
        reply = chats.send(session.id, "thanks; now explain list comprehensions")
        assert server.posts == []
        assert any("is private (*.env)" in w for w in reply.result.warnings)
        # Once the conversation is forgotten, nothing of the file is in it.
        chats.update(session.id, lambda s: s.clear())
        chats.send(session.id, "what is a generator?")
        assert len(server.posts) == 1 and "hunter2" not in str(server.posts[0]["body"])


@pytest.mark.parametrize("upstream", ["down", TOO_LONG])
def test_a_long_chat_is_fitted_again_when_the_upstream_fails_and_the_local_model_answers(
    models_dir: Path,  # noqa: F811
    upstream: str,
) -> None:
    # Fitted to the upstream's context (32,768), it was refused by the local model (here
    # 1,024) when the upstream was down, or refused the prompt itself (its real context is
    # smaller than configured): the chat failed, talking of --lines.
    from codesaga.domain.chat import Turn
    from codesaga.service.sessions import Chats, MemorySessionStore

    local = FakeEngine(n_ctx=1024)
    with contextlib.ExitStack() as stack:
        if upstream == "down":
            url = f"http://127.0.0.1:{free_port()}/v1"
        else:
            url = stack.enter_context(ScriptedUpstream(upstream)).url
        write_config(models_dir.parent, [("gpu", url)])
        config = models_dir.parent / "config" / "config.toml"
        config.write_text(config.read_text() + 'model = "scripted-model"\n')  # not asked for
        assistant = assistant_with(local, models_dir, **FAST_ENV)
        chats = Chats(assistant, assistant.runner, MemorySessionStore())
        session = chats.open(name="s")
        earlier = [Turn(role, f"turn {n} " + "about the code " * 30)
                   for n in range(20) for role in ("user", "assistant")]  # fmt: skip
        chats.update(session.id, lambda s: s.turns.extend(earlier))
        local.enqueue("the local answer")
        reply = chats.send(session.id, "and now?")
    assert reply.result.text == "the local answer"
    assert all(local.count_tokens(r) <= 1024 for r in local.history)
    assert any("fitted to 1,024 tokens" in w for w in reply.result.warnings), reply.result.warnings
    stored = chats.find(session.id).turns
    assert [t.content for t in stored[-2:]] == ["and now?", "the local answer"]
