import json

import pytest

from codesaga.domain.errors import ContextTooLongError, InputError, ModelNotInstalledError
from codesaga.protocol import jsonrpc as p


def test_request_round_trip() -> None:
    msg = p.parse(p.encode_request("complete", {"line": 3}, 7))
    assert msg == p.Request("complete", {"line": 3}, 7)
    assert p.parse(p.encode_request("$/cancel", {"id": 7})) == p.Request("$/cancel", {"id": 7})


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", p.PARSE_ERROR),
        (b'[{"jsonrpc": "2.0", "method": "status", "id": 1}]', p.INVALID_REQUEST),
        (b'{"method": "status", "id": 1}', p.INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "method": 5, "id": 1}', p.INVALID_REQUEST),
        (b'{"jsonrpc": "2.0", "method": "x", "params": [1], "id": 1}', p.INVALID_PARAMS),
        (b'{"jsonrpc": "2.0", "method": "x", "id": true}', p.INVALID_REQUEST),
        (b"\xff\xfe", p.PARSE_ERROR),
    ],
)
def test_bad_messages_become_the_right_error(raw: bytes, code: int) -> None:
    msg = p.parse(raw)
    assert isinstance(msg, p.Invalid)
    assert msg.error.code == code


@pytest.mark.parametrize("depth", [65, 1_000, 100_000])
def test_deep_nesting_is_a_parse_error_not_a_recursion_error(depth: int) -> None:
    params = "[" * depth + "]" * depth
    raw = f'{{"jsonrpc": "2.0", "method": "status", "params": {{"x": {params}}}, "id": 1}}'
    msg = p.parse(raw.encode())
    assert isinstance(msg, p.Invalid) and msg.error.code == p.PARSE_ERROR
    assert "nested deeper than 64" in msg.error.message


def test_nesting_up_to_the_limit_parses() -> None:
    inner = "[" * (p.MAX_NESTING - 2) + "]" * (p.MAX_NESTING - 2)
    msg = p.parse(f'{{"jsonrpc": "2.0", "method": "x", "params": {{"a": {inner}}}}}'.encode())
    assert isinstance(msg, p.Request)
    assert p.nesting({"a": [1, {"b": []}], "c": "s"}) == 4 and p.nesting(5) == 0
    assert p.nesting([{}] * (p.MAX_WALKED + 1)) is None  # the text is read instead
    assert not p.nested_deeper('{"a": [1, {"b": []}], "c": "s"}', 4)
    assert p.nested_deeper('{"a": [1, {"b": [[]]}], "c": "s"}', 4)
    assert not p.nested_deeper('{"a": "[[[[[", "b": "\\"{{{{{\\\\"}', 1)  # in strings
    assert not p.nested_deeper("5", 0) and p.nested_deeper("[]", 0)
    many = ", ".join(["{}"] * p.MAX_WALKED)  # too many to walk: the text is read
    deep = "[" * p.MAX_NESTING + "]" * p.MAX_NESTING
    msg = p.parse(f'{{"jsonrpc": "2.0", "method": "x", "params": {{"a": [{many}, {deep}]}}}}')
    assert isinstance(msg, p.Invalid) and "nested deeper than 64" in msg.error.message


@pytest.mark.parametrize(
    "raw",
    [
        rb'{"jsonrpc": "2.0", "method": "status", "id": "\ud800"}',
        rb'{"jsonrpc": "2.0", "method": "generate", "params": {"prompt": "a\uDFFFb"}, "id": 1}',
        rb'{"jsonrpc": "2.0", "method": "x", "params": {"\udc00": 1}, "id": 1}',
        '{"jsonrpc": "2.0", "method": "status", "id": "\ud800"}',  # a str with the raw surrogate
    ],
)
def test_a_lone_surrogate_is_a_parse_error(raw: bytes | str) -> None:
    # Decoded, it is a string that cannot be encoded as UTF-8: not the answer echoing it as
    # an id, not the journal record of a prompt holding it.
    msg = p.parse(raw)
    assert isinstance(msg, p.Invalid) and msg.error.code == p.PARSE_ERROR
    assert "surrogate" in msg.error.message
    assert p.encode_error(msg.id, msg.error)


def test_a_lone_surrogate_in_the_params_is_answered_with_the_requests_id() -> None:
    # An editor that clipped its text inside an emoji learns which request failed.
    msg = p.parse(
        rb'{"jsonrpc": "2.0", "method": "complete", "params": {"prefix": "\ud83d"}, "id": 7}'
    )
    assert isinstance(msg, p.Invalid) and msg.id == 7 and "surrogate" in msg.error.message


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be", "utf-32"])
def test_json_in_another_encoding_than_utf8_is_a_parse_error(encoding: str) -> None:
    # json.loads took UTF-16 and -32 bytes, where the search for escaped lone surrogates
    # saw none: such a string got into the journal, and every requests/list failed after.
    raw = '{"jsonrpc":"2.0","method":"status","id":"\\ud800"}\n'.encode(encoding)
    msg = p.parse(raw)
    assert isinstance(msg, p.Invalid) and msg.error.code == p.PARSE_ERROR
    with pytest.raises(ValueError, match="not valid JSON"):
        p.load_json('{"messages": [{"content": "\\udc80"}]}'.encode(encoding))
    assert p.load_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}  # a UTF-8 BOM is still fine


def test_a_request_with_text_that_is_not_unicode_is_an_input_error() -> None:
    # An argument or file name in another encoding reaches Python as surrogates: sending it
    # was a UnicodeEncodeError traceback, after the daemon had been started.
    with pytest.raises(InputError, match="not UTF-8"):
        p.encode_request("generate", {"prompt": b"caf\xe9".decode("utf-8", "surrogateescape")})
    # An answer holding such a name (read from disk) is sent, not made an exception; and so
    # is a streamed piece of one (an upstream's escapes), not blamed on the request.
    assert b'"a?b"' in p.encode_result(1, {"path": "a\udcffb"})
    assert b'"a?"' in p.delta(1, "a\ud83d")


def test_escaped_surrogate_pairs_and_other_text_parse() -> None:
    raw = rb'{"jsonrpc": "2.0", "method": "x", "params": {"t": "\ud83d\ude00 \u00e9"}, "id": 1}'
    msg = p.parse(raw)
    assert isinstance(msg, p.Request) and msg.params == {"t": "\U0001f600 \u00e9"}
    assert p.parse(p.encode_result(1, "\U0001f600")) == p.Response(1, "\U0001f600")


def test_oversized_message() -> None:
    msg = p.parse(b" " * (p.MAX_MESSAGE_BYTES + 1))
    assert isinstance(msg, p.Invalid) and "over" in msg.error.message


def test_error_response_and_mapping() -> None:
    raw = p.encode_error(3, p.error_from_exception(ContextTooLongError(9000, 8192, 64)))
    msg = p.parse(raw)
    assert isinstance(msg, p.Response) and msg.error is not None
    assert msg.error.code == p.CONTEXT_TOO_LONG
    assert isinstance(p.exception_from_error(msg.error), InputError)
    assert p.error_from_exception(ModelNotInstalledError("x")).code == p.MODEL_UNAVAILABLE
    assert p.error_from_exception(RuntimeError("boom")).code == p.INTERNAL_ERROR


def test_a_client_gets_the_daemons_own_error_class_where_it_has_one() -> None:
    # A refused answer (this request failed) and a missing model (every request will) were
    # both a plain ModelError to a client; the hook skips the first and stops on the second.
    from codesaga.domain.errors import ModelError, UnusableAnswerError

    for sent in (UnusableAnswerError("no code"), ModelNotInstalledError("pull it")):
        got = p.exception_from_error(p.error_from_exception(sent))
        assert type(got) is type(sent) and str(got) == str(sent)
    plain = p.exception_from_error(p.error_from_exception(ModelError("failed")))
    assert type(plain) is ModelError
    # A kind that is not of the code's family is not believed.
    forged = p.RpcError(p.INPUT_ERROR, "x", {"kind": "ModelNotInstalledError"})
    assert type(p.exception_from_error(forged)) is InputError


def test_delta_notification() -> None:
    assert json.loads(p.delta(4, "x")) == {
        "jsonrpc": "2.0",
        "method": "$/delta",
        "params": {"id": 4, "text": "x"},
    }


def test_require_names_the_parameter() -> None:
    assert p.require({"line": 2}, "line", "int") == 2
    assert p.require({}, "lines", "str", optional=True) is None
    with pytest.raises(p.RpcError, match="missing parameter 'line'"):
        p.require({}, "line", "int")
    with pytest.raises(p.RpcError, match="'line' must be int"):
        p.require({"line": True}, "line", "int")
