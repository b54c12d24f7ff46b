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
        "code": 400,
    }


def test_a_suffix_is_text_or_absent() -> None:
    assert wire.completion_suffix({"prompt": "x"}) is None
    assert wire.completion_suffix({"suffix": None}) is None
    assert wire.completion_suffix({"suffix": ""}) == ""  # the end of a file: still a fill
    with pytest.raises(wire.ApiError, match="suffix must be a string") as bad:
        wire.completion_suffix({"suffix": ["\n"]})
    assert bad.value.status == HTTPStatus.BAD_REQUEST
