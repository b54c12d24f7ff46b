"""The typed params of every JSON-RPC method: decoded in one place, errors that name the
field, and docs/protocol.md telling clients the same fields the types accept."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest

from codesaga.daemon.handlers.control import ControlMethods
from codesaga.daemon.handlers.journal import JournalMethods
from codesaga.daemon.handlers.models import ModelMethods
from codesaga.daemon.handlers.next_edit import NextEditMethods
from codesaga.daemon.handlers.sessions import SessionMethods
from codesaga.daemon.handlers.tasks import TaskMethods
from codesaga.protocol import params as t
from codesaga.protocol.jsonrpc import INVALID_PARAMS, RpcError

RANGE = {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 4}
BACKWARDS = {"range": {**RANGE, "startColumn": 5}, "text": "", "removed": ""}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocol.md"
# Said once for every task method, in "Streaming and cancellation", not under each method.
EVERY_TASK = {"stream", "model"}


def registered() -> dict[str, type[t.Params]]:
    """Every method's params type, as the handler families register them."""
    families = [
        ControlMethods.methods,
        TaskMethods.methods,
        SessionMethods.methods,
        ModelMethods.methods,
        NextEditMethods.methods,
        JournalMethods.methods,
    ]

    class Anything:
        def __getattr__(self, name: str) -> object:
            return None

    found: dict[str, type[t.Params]] = {}
    for methods in families:
        for name, method in methods(Anything()).items():  # type: ignore[arg-type]
            found[name] = method.params
    return found


def wire_names(kind: type[t.Params]) -> set[str]:
    return {f.encode_name for f in msgspec.structs.fields(kind)}


def documented(method: str, text: str) -> str:
    """The part of docs/protocol.md about ``method``: its table row, or its section."""
    row = re.search(rf"^\| `{re.escape(method)}` \|[^\n]*", text, re.M)
    if row:
        return row.group(0)
    for section in re.split(r"^### ", text, flags=re.M)[1:]:
        heading = section.split("\n", 1)[0]
        if method in re.split(r" and |, ", heading):
            return section
    raise AssertionError(f"docs/protocol.md has no section or row for {method}")


def test_every_method_has_a_params_type() -> None:
    methods = registered()
    assert len(methods) >= 28
    assert {"initialize", "complete", "sessions/attach", "feedback"} <= set(methods)
    assert methods == t.METHODS  # what clients are told (params.ts) is what is decoded


def test_the_extensions_params_types_are_generated_from_these() -> None:
    """extension/src/params.ts types every call the extension makes (tsc checks the calls
    against it); it must say what these types say."""
    script = Path(__file__).resolve().parents[2] / "scripts" / "params_ts.py"
    done = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("method", sorted(registered()))
def test_the_docs_name_every_field_a_method_takes(method: str) -> None:
    kind = registered()[method]
    text = documented(method, DOCS.read_text())
    fields = wire_names(kind) - (EVERY_TASK if issubclass(kind, t.TaskParams) else set())
    missing = {name for name in fields if f"`{name}`" not in text}
    assert not missing, f"docs/protocol.md does not mention {sorted(missing)} for {method}"


def test_a_table_row_names_no_field_the_type_does_not_take() -> None:
    text = DOCS.read_text()
    for method, kind in registered().items():
        row = re.search(rf"^\| `{re.escape(method)}` \| ([^|]*)\|", text, re.M)
        if row:
            named = set(re.findall(r"`(\w+)`", row.group(1)))
            assert named <= wire_names(kind), (method, named - wire_names(kind))


@pytest.mark.parametrize(
    ("kind", "params", "message"),
    [
        (t.GenerateParams, {}, "missing parameter 'prompt'"),
        (t.GenerateParams, {"prompt": 3}, "parameter 'prompt' must be str"),
        (t.CompleteParams, {"content": "x", "line": "2", "column": 1}, "'line' must be int"),
        (t.CompleteParams, {"content": "x", "column": 1}, "missing parameter 'line'"),
        (t.CompleteParams, {"path": "a.py", "line": 1, "column": 1}, "must be absolute"),
        (t.CompleteParams, {"prefix": "", "maxLines": 500}, "between 1 and 200"),
        (t.CompleteParams, {"prefix": "", "chunks": [{"path": "a", "text": 1}]}, "chunks[0].text"),
        (t.FeedbackParams, {"request_id": "r", "accepted": 1}, "'accepted' must be bool"),
        (t.ChatParams, {"messages": [{"role": "bot"}]}, "a role (system, user or assistant)"),
        (t.FixParams, {"path": "/a.py"}, "missing parameter 'error'"),
        (t.RefactorParams, {"content": "x"}, "name the file with path or label"),
        (t.ContextAddParams, {"path": "/a.py", "origin": "typed"}, "origin must be one of"),
        (t.ContextAddParams, {"path": "/a\0.py", "text": "x"}, "path must not contain a NUL"),
        (t.CompleteParams, {"prefix": "", "workspace": "/w\0"}, "workspace must not contain"),
        (t.RefactorParams, {"content": "x", "label": "a\0"}, "label must not contain a NUL"),
        # a name (a path, a label, a model) of megabytes was a key of per-document state
        (t.CompleteParams, {"prefix": "", "label": "x" * 4097}, "label is over 4,096 bytes"),
        (
            t.DocumentEditParams,
            {"path": "/" + "é" * 2048, "range": RANGE, "text": "", "removed": ""},
            "path is over 4,096 bytes",
        ),
        (t.NextEditParams, {"path": "/a", "content": "", "model": "m" * 5000}, "model is over"),
        (t.ModelsLoadParams, {"role": "poet", "model": "m"}, "unknown role 'poet'"),
        (t.DocumentEditParams, {"path": "/a.py", "text": "", "removed": ""}, "'range'"),
        (t.DocumentEditParams, {"path": "/a", "range": RANGE, "text": 1, "removed": ""}, "'text'"),
        (
            t.DocumentEditParams,
            {"path": "/a", "range": {**RANGE, "startLine": 0}, "text": "", "removed": ""},
            "range: lines and columns start at 1",
        ),
        (t.SessionsRenameParams, {"session": "s", "name": "n" * 201}, "at most 200 characters"),
        (t.RequestsListParams, {"status": "bogus"}, "status must be one of pending, processing"),
        (t.RequestsListParams, {"type": "fix"}, "type must be one of completion, refactor"),
        (t.SessionsOpenParams, {"name": "n" * 201}, "at most 200 characters"),
        (t.NextEditParams, {"path": "/a.py"}, "missing parameter 'content'"),
        (t.NextEditParams, {"path": "/a", "content": "", "line": 2}, "both line and column"),
        (t.NextEditParams, {"path": "/a", "content": "", "maxEdits": 0}, "maxEdits must be"),
        (
            t.NextEditParams,
            {"path": "/a", "content": "", "edits": [{"range": RANGE, "text": ""}]},
            "missing parameter 'edits[0].removed'",
        ),
        (
            t.NextEditParams,
            {"path": "/a", "content": "", "edits": [BACKWARDS]},
            "edits[0].range ends before it starts",
        ),
    ],
)
def test_invalid_params_are_refused_naming_what_is_wrong(
    kind: type[t.Params], params: dict[str, object], message: str
) -> None:
    with pytest.raises(RpcError) as caught:
        t.decode(kind, params)
    assert caught.value.code == INVALID_PARAMS and message in caught.value.message


def test_texts_are_bounded_by_their_method_not_as_names() -> None:
    text = "x" * 100_000  # a method's limit on files (max_file_bytes) is what bounds these
    params = t.decode(t.CompleteParams, {"prefix": text, "suffix": text, "path": "/a" * 2048})
    assert len(params.prefix) == 100_000 and len(params.path or "") == 4096


def test_camel_case_on_the_wire_and_null_means_unset() -> None:
    params = t.decode(
        t.CompleteParams,
        {"prefix": "x = ", "maxLines": 3, "timeBudgetMs": 50, "multiline": None, "extra": 1},
    )
    assert (params.max_lines, params.time_budget_ms, params.multiline) == (3, 50, None)
    assert t.decode(t.RequestsListParams, {"type": "completion"}).kind == "completion"
