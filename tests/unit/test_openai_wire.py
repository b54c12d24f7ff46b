"""The OpenAI API's wire format: what newer and richer clients send, and the errors they
recognise (the real client over HTTP is in tests/integration/test_upstreams.py)."""

from __future__ import annotations

from http import HTTPStatus

import pytest

from codesaga.daemon import openai_wire as wire
from codesaga.domain.errors import (
    ContextTooLongError,
    InputError,
    ModelError,
    ModelFileError,
    ModelNotInstalledError,
)


def test_developer_and_tool_roles_and_null_content_are_read() -> None:
    # The official SDK's examples send `developer`; a history with tool calls has an
    # assistant turn with content null and the tool's answer. Each was a 400.
    messages = wire.chat_messages(
        {
            "messages": [
                {"role": "developer", "content": "Answer briefly."},
                {"role": "user", "content": "What time is it?"},
                {"role": "assistant", "content": None, "tool_calls": [{"id": "c1"}]},
                {"role": "tool", "tool_call_id": "c1", "content": "12:00"},
                {"role": "user", "content": [{"type": "text", "text": "a"}, {"text": "b"}]},
            ]
        }
    )
    assert [(m.role, m.content) for m in messages] == [
        ("system", "Answer briefly."),
        ("user", "What time is it?"),
        ("assistant", ""),
        ("user", "12:00"),
        ("user", "a\nb"),  # text parts a line each, as vLLM and llama.cpp join them
    ]
    with pytest.raises(wire.ApiError, match="developer"):
        wire.chat_messages({"messages": [{"role": "narrator", "content": "x"}]})


def test_max_completion_tokens_null_leaves_max_tokens() -> None:
    assert wire.options({"max_tokens": 30, "max_completion_tokens": None})["max_tokens"] == 30
    assert wire.options({"max_tokens": 30, "max_completion_tokens": 12})["max_tokens"] == 12


def test_more_than_one_choice_is_refused_not_ignored() -> None:
    assert wire.options({"n": 1})["max_tokens"] is None
    with pytest.raises(wire.ApiError, match="n must be 1") as refused:
        wire.options({"n": 3})
    assert refused.value.status == HTTPStatus.BAD_REQUEST


def test_errors_clients_recognise_and_do_not_retry() -> None:
    long = wire.api_error(ContextTooLongError(9000, 4096, 64))
    body = long.body()["error"]
    assert long.status == HTTPStatus.BAD_REQUEST and body["code"] == "context_length_exceeded"
    assert "maximum context length is 4096 tokens" in body["message"]
    missing = wire.api_error(ModelNotInstalledError("model 'x' is not installed"))
    assert missing.status == HTTPStatus.NOT_FOUND and missing.body()["error"]["code"] == (
        "model_not_found"
    )
    assert missing.headers() == {"x-should-retry": "false"}
    corrupt = wire.api_error(ModelFileError("m.gguf is truncated"))
    assert corrupt.status == HTTPStatus.SERVICE_UNAVAILABLE
    assert corrupt.headers() == {"x-should-retry": "false"}
    failed = wire.api_error(ModelError("the model failed while generating"))
    assert failed.status == HTTPStatus.SERVICE_UNAVAILABLE and failed.headers() is None
    bad = wire.api_error(InputError("the file is binary"))
    assert bad.body()["error"] == {
        "message": "the file is binary",
        "type": "invalid_request_error",
        "param": None,
        "code": None,  # a string or null in OpenAI's schema: 400 there broke typed clients
    }
    refused = wire.refusal(HTTPStatus.FORBIDDEN, "the Origin is not allowed").body()["error"]
    assert refused["type"] == "permission_error" and refused["code"] is None


def test_a_suffix_is_text_or_absent() -> None:
    assert wire.completion_suffix({"prompt": "x"}) is None
    assert wire.completion_suffix({"suffix": None}) is None
    assert wire.completion_suffix({"suffix": ""}) == ""  # the end of a file: still a fill
    with pytest.raises(wire.ApiError, match="suffix must be a string") as bad:
        wire.completion_suffix({"suffix": ["\n"]})
    assert bad.value.status == HTTPStatus.BAD_REQUEST


def test_a_fill_at_the_start_of_a_file_has_an_empty_prompt() -> None:
    # The cursor at the top of a file: the prompt is "" and a suffix follows. It was a 400.
    assert wire.completion_prompt({"prompt": "", "suffix": "def f():\n"}) == ""
    with pytest.raises(wire.ApiError, match="non-empty"):
        wire.completion_prompt({"prompt": ""})


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ({"tool_choice": "required"}, "tool_choice must be auto or none"),
        ({"tool_choice": {"type": "function", "function": {"name": "f"}}}, "tool_choice"),
        ({"response_format": {"type": "json_schema", "json_schema": {}}}, "json_schema"),
        ({"response_format": {"type": "json_object"}}, "json_object"),
        ({"logprobs": True, "top_logprobs": 3}, "logprobs are not supported"),
        ({"logprobs": 5}, "logprobs are not supported"),
        ({"stream": "false"}, "stream must be true or false"),
        ({"logit_bias": {"50256": -100}}, "logit_bias is not supported"),
        ({"echo": True}, "echo is not supported"),
        ({"best_of": 3}, "best_of must be 1"),
        ({"stop": ["x"] * 17}, "at most 16 strings"),  # the rest were cut off
        ({"max_tokens": 2.7}, "max_tokens must be a whole number"),  # it was 2
        ({"n": 1.5}, "n must be a whole number"),
        ({"seed": 2**63}, "seed must be between"),
    ],
)
def test_what_cannot_be_honoured_is_refused_not_ignored(
    field: dict[str, object], message: str
) -> None:
    # Ignored, each gave an answer that looked right: prose where a tool call or a JSON
    # schema was required, no log-probabilities, or a stream where none was asked.
    with pytest.raises(wire.ApiError, match=message) as refused:
        wire.options(field)
    assert refused.value.status == HTTPStatus.BAD_REQUEST
    ok = {
        "tools": [{"type": "function"}],
        "tool_choice": "auto",
        "response_format": {"type": "text"},
    }
    assert wire.options({**ok, "logprobs": False, "stream": False})["stream"] is False
    taken = wire.options({"max_tokens": 8.0, "seed": 2**63 - 1, "stop": ["x"] * 16, "echo": 0})
    assert taken["max_tokens"] == 8 and taken["seed"] == 2**63 - 1


def test_an_image_is_refused_not_dropped() -> None:
    parts = [{"type": "text", "text": "what is this?"}, {"type": "image_url", "image_url": {}}]
    with pytest.raises(wire.ApiError, match="reads no image_url"):
        wire.chat_messages({"messages": [{"role": "user", "content": parts}]})


@pytest.mark.parametrize(
    ("part", "message"),
    [
        ({"type": "text", "text": {"a": 1}}, "text must be a string"),  # its repr went on
        ("what is this?", "must be an object"),
    ],
)
def test_a_text_part_is_a_string_in_an_object(part: object, message: str) -> None:
    with pytest.raises(wire.ApiError, match=message):
        wire.chat_messages({"messages": [{"role": "user", "content": [part]}]})


@pytest.mark.parametrize(
    ("status", "kind"),
    [(HTTPStatus.SERVICE_UNAVAILABLE, "server_error"), (HTTPStatus.REQUEST_TIMEOUT, "invalid")],
)
def test_an_answer_written_by_hand_names_whose_fault_it_is(status: HTTPStatus, kind: str) -> None:
    # "too many connections" (503) said invalid_request_error: a client does not retry those.
    import json

    from codesaga.daemon.http_server import _Protocol

    class Transport:
        written = b""

        def write(self, data: bytes) -> None:
            self.written += data

        def close(self) -> None:
            pass

    protocol = _Protocol.__new__(_Protocol)
    protocol.transport = Transport()  # type: ignore[assignment]
    protocol._refuse(status, "no")
    body = json.loads(protocol.transport.written.partition(b"\r\n\r\n")[2])  # type: ignore[attr-defined]
    assert body["error"]["type"].startswith(kind)
