"""Next edits with the real daemon process and the real 0.5B model: an editor's rename sent
as document/edit over the Unix socket, then nextEdit; `codesaga next-edit --since` in a real
git repository; and the 0.5B writing a rewrite from the diff prompt."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from codesaga.bootstrap import build_daemon
from codesaga.domain.edits import Span, TextEdit
from codesaga.domain.next_edit_locations import Candidate
from codesaga.inprocess import LocalClient
from codesaga.protocol import jsonrpc as p
from codesaga.protocol.params import wire_range
from codesaga.protocol.runtime import RuntimePaths
from codesaga.settings import load_settings
from tests.conftest import Cli
from tests.integration.test_daemon import Raw

SHAPES = (
    "def area(width, height):\n"
    "    if width < 0:\n"
    "        raise ValueError(width)\n"
    "    return width * height\n"
    "\n"
    "\n"
    "print(area(2, 3))\n"
)
RENAMED = SHAPES.replace("def area(width,", "def area(w,")


def test_a_rename_sent_as_edits_is_followed_by_its_other_occurrences(
    cli: Cli, cli_env: dict[str, str]
) -> None:
    started = cli("daemon", "start")
    assert started.returncode == 0, started.stderr
    raw = Raw(RuntimePaths(load_settings(cli_env).runtime_dir).socket)
    try:
        assert "result" in raw.initialize()
        # The editor sends the rename as it was typed: "idth" deleted after the "w".
        typed = {"range": wire_range(Span(1, 11, 1, 15)), "removed": "idth", "text": ""}
        raw.send(p.encode_request("document/edit", {"path": "/w/shapes.py", **typed}))
        answer = raw.call(
            "nextEdit", {"path": "/w/shapes.py", "content": RENAMED, "line": 1, "column": 11}, 1
        )
        result = answer["result"]
        places = {(e["range"]["startLine"], e["range"]["startColumn"]) for e in result["edits"]}
        assert places == {(2, 8), (3, 26), (4, 12)}
        assert {(e["kind"], e["text"]) for e in result["edits"]} == {("rename", "w")}
        stats = raw.call("stats", {}, 2)["result"]["nextEdit"]
        assert (stats["requests"], stats["suggested"]) == (1, 1)
    finally:
        raw.close()


def test_a_reopened_document_is_followed_though_its_versions_started_over(
    cli: Cli, cli_env: dict[str, str], tmp_path: Path
) -> None:
    # An editor counts a document's versions from 1 again when it is closed and reopened:
    # its edits were taken for ones overtaken on the way and ignored for 15 minutes.
    shapes = tmp_path / "shapes.py"
    shapes.write_text(SHAPES)
    assert cli("daemon", "start").returncode == 0
    raw = Raw(RuntimePaths(load_settings(cli_env).runtime_dir).socket)
    try:
        assert "result" in raw.initialize()
        earlier = {"range": wire_range(Span(7, 1, 7, 1)), "removed": "", "text": ""}
        raw.send(
            p.encode_request("document/edit", {"path": str(shapes), **earlier, "version": 300})
        )
        opened = {"path": str(shapes), "text": SHAPES, "origin": "opened", "line": 1}
        assert "result" in raw.call("context/add", opened, 1)
        typed = {"range": wire_range(Span(1, 11, 1, 15)), "removed": "idth", "text": ""}
        raw.send(p.encode_request("document/edit", {"path": str(shapes), **typed, "version": 2}))
        asked = {"path": str(shapes), "content": RENAMED, "line": 1, "column": 11}
        result = raw.call("nextEdit", asked, 2)["result"]
        places = {(e["range"]["startLine"], e["range"]["startColumn"]) for e in result["edits"]}
        assert places == {(2, 8), (3, 26), (4, 12)}
    finally:
        raw.close()


def test_a_function_renamed_is_renamed_in_the_other_files_the_editor_has_open(
    cli: Cli, cli_env: dict[str, str], tmp_path: Path
) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    app = workspace / "app.py"
    app.write_text("from shapes import area\n\n\ndef show(w, h):\n    return area(w, h)\n")
    assert cli("daemon", "start").returncode == 0
    raw = Raw(RuntimePaths(load_settings(cli_env).runtime_dir).socket)
    try:
        assert "result" in raw.initialize()
        opened = {"path": str(app), "text": app.read_text(), "origin": "opened"}
        assert "result" in raw.call("context/add", {**opened, "workspace": str(workspace)}, 1)
        shapes = str(workspace / "shapes.py")
        renamed = SHAPES.replace("def area(", "def surface(")
        typed = {"range": wire_range(Span(1, 5, 1, 9)), "removed": "area", "text": "surface"}
        raw.send(p.encode_request("document/edit", {"path": shapes, **typed}))
        asked = {"path": shapes, "content": renamed, "line": 1, "column": 12}
        result = raw.call("nextEdit", {**asked, "workspace": str(workspace)}, 2)["result"]
        places = [(e.get("path"), e["range"]["startLine"], e["text"]) for e in result["edits"]]
        assert places == [(None, 7, "surface"), (str(app), 1, "surface"), (str(app), 5, "surface")]
        # without the workspace, only the document itself
        result = raw.call("nextEdit", asked, 3)["result"]
        assert [e.get("path") for e in result["edits"]] == [None]
    finally:
        raw.close()


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=repo, check=True, capture_output=True,
    )  # fmt: skip


def test_next_edit_since_a_revision_prints_the_rest_of_a_rename(cli: Cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "shapes.py").write_text(SHAPES)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "shapes")
    (repo / "shapes.py").write_text(RENAMED)
    done = cli("next-edit", str(repo / "shapes.py"), "--since", "HEAD")
    assert done.returncode == 0, done.stderr
    expected = ("-    if width < 0:", "+    if w < 0:", "+        raise ValueError(w)")
    for line in (*expected, "+    return w * height"):
        assert f"\n{line}\n" in done.stdout, done.stdout
    # Named from here, given by an absolute path: `a/tmp/.../shapes.py` applied nowhere.
    assert done.stdout.startswith("--- a/repo/shapes.py\n+++ b/repo/shapes.py\n")
    (tmp_path / "next.diff").write_text(done.stdout)
    applies = subprocess.run(
        ["git", "apply", "--check", "next.diff"], cwd=tmp_path, capture_output=True, text=True
    )
    assert applies.returncode == 0, applies.stderr
    unchanged = cli("next-edit", str(repo / "shapes.py"), "--since", "HEAD", "--json")
    assert unchanged.returncode == 0 and '"edits"' in unchanged.stdout
    (repo / "shapes.py").write_text(SHAPES)  # nothing changed since HEAD: nothing to say
    nothing = cli("next-edit", str(repo / "shapes.py"), "--since", "HEAD")
    assert (nothing.returncode, nothing.stdout) == (0, "")
    unknown = cli("next-edit", str(repo / "shapes.py"), "--since", "no-such-rev")
    assert unknown.returncode == 1 and "unknown revision 'no-such-rev'" in unknown.stderr
    (tmp_path / "elsewhere.py").write_text(SHAPES)
    (repo / "link.py").symlink_to(tmp_path / "elsewhere.py")  # a link out of the repository
    linked = cli("next-edit", str(repo / "link.py"), "--since", "HEAD")
    assert linked.returncode == 2 and "outside" in linked.stderr, linked.stderr  # no traceback
    # calls the model must rewrite, and no model to rewrite them: said why, on stderr
    (repo / "shapes.py").write_text(SHAPES.replace("(width, height)", "(width, height, depth)"))
    missing = str(tmp_path / "missing.gguf")
    unwritten = cli("next-edit", str(repo / "shapes.py"), "--since", "HEAD", "--model", missing)
    assert (unwritten.returncode, unwritten.stdout) == (0, ""), unwritten.stderr
    assert "no rewrites" in unwritten.stderr and "does not exist" in unwritten.stderr


NET = (
    "def load(session):\n"
    "    a = fetch(url, headers, timeout=10)\n"
    "    log(a)\n"
    "    b = fetch(other, auth)\n"
    "    return a, b\n"
)


class OneSimilarPlace:
    """A finder that names the second call as the place like the first (the model must
    write what changes there)."""

    def __call__(
        self,
        content: str,
        language: str | None,
        history: Sequence[TextEdit],
        cursor: tuple[int, int] | None,
        others: Mapping[str, str] = {},  # the contract's signature; never mutated
        limit: int = 8,
    ) -> list[Candidate]:
        return [Candidate(Span(4, 9, 4, 27), "similar", 0.8, None)]


@pytest.fixture
def in_process(small_model: Path, tmp_path: Path) -> Iterator[LocalClient]:
    settings = load_settings(
        {"CODESAGA_HOME": str(tmp_path / "home"), "CODESAGA_MODEL": str(small_model)}
    )
    with LocalClient(settings, build_daemon(settings, next_edit_finder=OneSimilarPlace())) as c:
        yield c


def test_the_small_model_repeats_an_added_argument_at_a_similar_call(
    in_process: LocalClient,
) -> None:
    added = {"range": wire_range(Span(2, 27, 2, 27)), "removed": "", "text": ", timeout=10"}
    params: dict[str, Any] = {"path": "/w/net.py", "content": NET, "edits": [added]}
    result = in_process.call("nextEdit", params)
    assert [(e["kind"], e["text"]) for e in result["edits"]] == [("similar", ", timeout=10")]
    assert result["edits"][0]["range"] == wire_range(Span(4, 26, 4, 26))
    record = in_process.call("requests/get", {"id": result["request_id"]})
    assert record["model"] == "qwen2.5-coder-0.5b" or record["model"].endswith(".gguf")
