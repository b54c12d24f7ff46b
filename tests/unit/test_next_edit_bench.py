"""The next-edit benchmark's own logic, on small hand-made cases: how it cuts a commit into
the user's edit and the truth, what kind of change it calls a commit, and how it scores an
answer (location hit, exact edit, reversal, noise, targets)."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import next_edit_cases as cases
import next_edit_scoring as scoring
from next_edit_kinds import classify
from next_edit_text import Edit, Range, apply_edits, hunks

BEFORE = """\
def area(width, height):
    return width * height


def report(width, height):
    print("report")
    print(width)
    print(height)
    total = area(width, height)
    return total
"""
# A rename of ``width`` to ``size`` in report: three places, the first one is the user's.
RENAMED = (
    BEFORE.replace("def report(width,", "def report(size,")
    .replace("print(width)", "print(size)")
    .replace("total = area(width,", "total = area(size,")
)


def case_of(before: str, after: str, user: int = 0, kind: str = "rename") -> dict[str, Any]:
    edit, truth = cases.split_hunks(before, after, user)
    content = apply_edits(before, [edit])
    assert apply_edits(content, truth) == after
    return {
        "id": "t", "repo": "o/r", "path": "a.py", "language": "python", "kind": kind,
        "before": before, "content": content, "edits": [edit.to_json()],
        "truth": [t.to_json() for t in truth], "after": cases.digest(after),
    }  # fmt: skip


def suggestion(case: dict[str, Any], old: str, new: str, nth: int = 0) -> scoring.Suggestion:
    """Replace the ``nth`` occurrence of ``old`` in the case's content by ``new``."""
    content = case["content"]
    at = -1
    for _ in range(nth + 1):
        at = content.index(old, at + 1)
    edit_range = scoring.Lines(content).range_of(at, at + len(old))
    return scoring.Suggestion(edit_range, new, "rename", 0.9)


def test_hunks_are_the_changed_places_narrowed_to_their_characters() -> None:
    found = hunks(BEFORE, RENAMED)
    assert [h.edit.removed for h in found] == ["width", "width", "width"]
    assert [h.edit.text for h in found] == ["size", "size", "size"]
    assert [h.edit.range.start_line for h in found] == [5, 7, 9]
    assert found[0].edit.range == Range(5, 12, 5, 17)
    assert apply_edits(BEFORE, [h.edit for h in found]) == RENAMED


def test_the_truth_is_in_the_content_the_user_edit_made() -> None:
    before = "a = 1\nb = 2\nc = 3\n"
    after = "a = 1\nx = 0\nb = 2\nc = 30\n"  # an inserted line, then a change after it
    case = case_of(before, after, kind="similar")
    assert case["content"] == "a = 1\nx = 0\nb = 2\nc = 3\n"
    (truth,) = [Edit.from_json(t) for t in case["truth"]]
    assert truth.range.start_line == 4  # line 3 of before, one line further down
    assert apply_edits(case["content"], [truth]) == after


def test_a_rename_a_signature_change_and_a_repeated_fix_are_told_apart() -> None:
    assert classify(hunks(BEFORE, RENAMED), BEFORE, "python").name == "rename"

    changed = BEFORE.replace("def area(width, height):", "def area(width, height, depth):")
    changed = changed.replace("total = area(width, height)", "total = area(width, height, 1)")
    kind = classify(hunks(BEFORE, changed), BEFORE, "python")
    assert kind is not None and (kind.name, kind.user) == ("signature", 0)

    fixed = BEFORE.replace('print("report")', 'log.info("report")').replace(
        "print(height)", "log.info(height)"
    )
    assert classify(hunks(BEFORE, fixed), BEFORE, "python").name == "similar"

    unrelated = BEFORE.replace("print(width)", "pass").replace("return total", "return 0")
    assert classify(hunks(BEFORE, unrelated), BEFORE, "python") is None


def test_a_word_changed_only_in_strings_is_not_a_rename() -> None:
    before = 'a = "old"\nb = 1\nc = "old"\n'
    after = 'a = "new"\nb = 1\nc = "new"\n'
    kind = classify(hunks(before, after), before, "python")
    assert kind is not None and kind.name == "similar"


def test_a_rename_in_go_is_found_by_its_syntax_tree() -> None:
    before = "package m\n\nfunc f(cmd int) int {\n\ty := 1\n\tx := cmd\n\ty++\n\treturn cmd\n}\n"
    after = before.replace("cmd", "c")
    kind = classify(hunks(before, after), before, "go")
    assert kind is not None and kind.name == "rename"


def test_location_hit_needs_a_suggestion_on_a_truth_hunks_lines() -> None:
    case = case_of(BEFORE, RENAMED)
    truth = [Edit.from_json(t) for t in case["truth"]]
    on_truth = suggestion(case, "width", "size", nth=2)  # print(width)
    elsewhere = suggestion(case, "width", "size", nth=0)  # in area's definition
    assert scoring.location_hit([on_truth], truth)
    assert not scoring.location_hit([elsewhere], truth)
    assert scoring.location_hit([elsewhere, on_truth], truth)


def test_an_insertion_at_a_lines_start_meets_the_line_before() -> None:
    inserted = Range(4, 1, 4, 1)
    assert scoring.meet(inserted, Range(3, 5, 3, 9))
    assert not scoring.meet(inserted, Range(2, 1, 2, 4))
    whole_line = Range(2, 1, 3, 1)  # covers line 2 with its newline, not line 3
    assert not scoring.meet(whole_line, Range(3, 2, 3, 4))


def test_exact_means_the_same_text_whitespace_too_however_the_range_is_cut() -> None:
    case = case_of(BEFORE, RENAMED)
    truth = [Edit.from_json(t) for t in case["truth"]]
    content = case["content"]
    narrow = suggestion(case, "width", "size", nth=2)
    whole_line = suggestion(case, "    print(width)\n", "    print(size)\n")
    spaced = suggestion(case, "print(width)", "print( size)")
    assert scoring.is_exact(narrow, content, truth)
    assert scoring.is_exact(whole_line, content, truth)
    assert not scoring.is_exact(spaced, content, truth)


def test_one_rewrite_that_makes_two_truth_hunks_is_exact() -> None:
    case = case_of(BEFORE, RENAMED)
    content = case["content"]
    old = "    print(width)\n    print(height)\n    total = area(width, height)\n"
    new = "    print(size)\n    print(height)\n    total = area(size, height)\n"
    window = suggestion(case, old, new)
    assert scoring.is_exact(window, content, [Edit.from_json(t) for t in case["truth"]])
    half = suggestion(
        case, old, "    print(size)\n    print(height)\n    total = area(width, height)\n"
    )
    assert scoring.is_exact(half, content, [Edit.from_json(t) for t in case["truth"]])
    wrong = suggestion(case, old, new.replace("area(size", "area(x"))
    assert not scoring.is_exact(wrong, content, [Edit.from_json(t) for t in case["truth"]])


def test_undoing_the_users_edit_is_a_reversal_and_an_edit_elsewhere_is_not() -> None:
    case = case_of(BEFORE, RENAMED)
    content, before = case["content"], case["before"]
    user = Edit.from_json(case["edits"][0])
    undo = suggestion(case, "def report(size,", "def report(width,")
    assert scoring.is_reversal(undo, content, before, user)
    elsewhere = suggestion(case, "width", "size", nth=2)
    assert not scoring.is_reversal(elsewhere, content, before, user)


def test_a_partial_undo_is_a_reversal_and_extending_the_edit_is_not() -> None:
    before = "x = call(a)\ny = 2\n"
    after = "x = call(a, b)\ny = 2\n"
    edit, _ = cases.split_hunks(before, after, 0)
    content = apply_edits(before, [edit])
    lines = scoring.Lines(content)
    at = content.index(", b")
    drops_b = scoring.Suggestion(lines.range_of(at + 2, at + 3), "", "similar", 0.5)
    assert scoring.is_reversal(drops_b, content, before, edit)
    adds_c = scoring.Suggestion(lines.range_of(at + 3, at + 3), ", c", "similar", 0.5)
    assert not scoring.is_reversal(adds_c, content, before, edit)


def test_noise_cases_count_as_answered_with_nothing_only_when_empty() -> None:
    before = "a = 1\nb = 2\n"
    case = case_of(before, "a = 10\nb = 2\n", kind="noise")
    quiet = scoring.score_case(case, [], 0.01)
    chatty = scoring.score_case(case, [suggestion(case, "b = 2", "b = 20")], 0.2)
    assert (quiet.suggestions, quiet.answer_class) == (0, "empty")
    assert scoring.rates([quiet, chatty]).noise_empty == 0.5
    assert scoring.rates([quiet, chatty]).location_hit is None  # no multi-place case


def test_a_case_scores_hit_exact_and_reversal_over_its_whole_answer() -> None:
    case = case_of(BEFORE, RENAMED)
    answer = [
        suggestion(case, "width", "size", nth=0),  # a miss: area's parameter
        suggestion(case, "width", "size", nth=2),  # print(width): exact
        suggestion(case, "def report(size,", "def report(width,"),  # undoes the user's edit
    ]
    score = scoring.score_case(case, answer, 0.03)
    assert (score.suggestions, score.hit, score.exact, score.first_exact) == (3, True, 1, False)
    assert score.reversals == 1
    assert score.answer_class == "deterministic"
    rates = scoring.rates([score])
    assert rates.location_hit == 1.0 and rates.exact == pytest.approx(1 / 3)


def score(kind: str, answer: str, seconds: float, **counts: Any) -> scoring.CaseScore:
    fields = {"suggestions": 1, "hit": True, "exact": 1, "first_exact": True, "reversals": 0}
    fields.update(counts)
    return scoring.CaseScore(case_kind=kind, seconds=seconds, answer_class=answer, **fields)


def test_targets_say_met_or_missed() -> None:
    scores = [
        score("rename", "deterministic", 0.02),
        score("rename", "deterministic", 0.04),
        score("similar", "model", 0.30, exact=0, first_exact=False),
        score("noise", "empty", 0.01, suggestions=0, hit=False, exact=0, first_exact=False),
    ]
    found = {t.name: t for t in scoring.targets(scores, completion_seconds=[0.25, 0.25])}
    assert found["location hit"].met and found["location hit"].value == 1.0
    assert found["exact edit"].value == pytest.approx(2 / 3) and found["exact edit"].met
    assert found["noise answered with nothing"].met
    assert found["reversals"].value == 0.0 and found["reversals"].met
    assert found["p50 deterministic"].value == pytest.approx(0.03)
    assert found["p50 model / p50 completion"].value == pytest.approx(1.2)
    slow = [*scores, score("signature", "model", 0.9), score("signature", "model", 0.9)]
    assert not {t.name: t for t in scoring.targets(slow, [0.25])}["p50 model / p50 completion"].met


def test_the_latency_targets_are_the_editors_requests_where_it_was_made() -> None:
    # The request for every edit made up to three rewrites; the editor waits for one.
    case = case_of(BEFORE, RENAMED)
    one = [suggestion(case, "width", "size", nth=2)]
    three = one * 3
    editor = scoring.score_case(
        case,
        [dataclasses.replace(s, model=True) for s in three],
        3.0,
        ([dataclasses.replace(s, model=True) for s in one], 0.3),
    )
    assert (editor.seconds, editor.editor_seconds, editor.editor_class) == (3.0, 0.3, "model")
    found = {t.name: t for t in scoring.targets([editor], [0.25])}
    assert found["p50 model / p50 completion"].value == pytest.approx(1.2)
    # Scores without the editor's request (an older run's) are timed by the one request.
    found = {t.name: t for t in scoring.targets([score("similar", "model", 0.5)], [0.25])}
    assert found["p50 model / p50 completion"].value == pytest.approx(2.0)


def test_a_target_with_nothing_to_measure_is_missed() -> None:
    found = {t.name: t for t in scoring.targets([score("rename", "model", 0.5)], [])}
    assert found["p50 deterministic"].value is None and not found["p50 deterministic"].met
    assert found["p50 model / p50 completion"].shown(None) == "n/a"


def test_the_data_check_finds_a_case_whose_hunks_do_not_apply() -> None:
    case = case_of(BEFORE, RENAMED)
    assert cases.case_problem(case) is None
    truth = [Edit.from_json(t) for t in case["truth"]]
    moved = Edit(Range(1, 1, 1, 6), truth[0].text, truth[0].removed)  # "def a", not "width"
    broken = {**case, "truth": [moved.to_json(), *case["truth"][1:]]}
    assert "not what the edit removes" in str(cases.case_problem(broken))
    wrong_kind = {**case, "kind": "noise"}
    assert "kind noise" in str(cases.case_problem(wrong_kind))


def test_the_bench_asks_with_the_cursor_after_the_users_edit() -> None:
    import next_edit_bench as bench

    case = case_of(BEFORE, RENAMED)
    sent = bench.next_edit_params(case)
    assert (sent["line"], sent["column"]) == (5, 16)  # after "def report(size"
    assert sent["edits"] == case["edits"] and sent["content"] == case["content"]


def test_per_line_sends_the_users_edit_one_changed_line_at_a_time() -> None:
    import next_edit_bench as bench

    two = BEFORE.replace("def report(width", "def report(size").replace(
        'print("report")', 'print("report:")'
    )  # one hunk of two lines
    case = case_of(BEFORE, two)
    lines = bench.per_line(case)
    assert len(case["edits"]) == 1 and len(lines["edits"]) == 2
    text = case["before"]
    for edit in lines["edits"]:
        text = apply_edits(text, [Edit.from_json(edit)])
    assert text == case["content"]
    sent = bench.next_edit_params(lines)
    assert sent["line"] == Edit.from_json(lines["edits"][-1]).range.start_line
    # a line put in above the last edit's: its place is read in the text as it is now
    first = Edit(Range(6, 1, 6, 1), '    """Print it."""\n', "")
    last = Edit(Range(8, 16, 8, 16), ", 1", "")  # `print(width` on line 8, after the first
    content = apply_edits(apply_edits(BEFORE, [first]), [last])
    grown = {**case, "content": content, "edits": [first.to_json(), last.to_json()]}
    assert bench.cursor(grown) == (8, 19)  # after `print(width, 1`


def test_the_bench_stops_with_a_clear_message_without_next_edit() -> None:
    import next_edit_bench as bench

    def call(method: str, body: dict[str, Any]) -> Any:
        assert method == "initialize"
        return {"capabilities": {"methods": ["complete", "initialize"]}}

    with pytest.raises(SystemExit, match="does not offer nextEdit"):
        bench.require_next_edit(call)


class OracleDaemon:
    """Answers nextEdit with a case's truth (its ranges are in the content sent), an error
    for content it does not know, and complete with nothing; records what it was asked."""

    def __init__(self, known: list[dict[str, Any]]) -> None:
        self.truth = {c["content"]: c["truth"] for c in known}
        self.asked: list[str] = []
        self.max_edits: list[int | None] = []  # each nextEdit's

    def __call__(self, method: str, body: dict[str, Any]) -> Any:
        self.asked.append(method)
        if method == "nextEdit":
            self.max_edits.append(body.get("maxEdits"))
        if method == "initialize":
            return {"capabilities": {"methods": ["complete", "nextEdit"]}}
        if method == "complete":
            return {"text": ""}
        if body["content"] not in self.truth:
            raise RuntimeError("internal error")
        edits = self.truth[body["content"]][: body.get("maxEdits")]
        return {"edits": [{**e, "kind": "rename", "confidence": 1.0} for e in edits]}


def test_the_bench_scores_a_perfect_answerer_perfectly_and_counts_errors(capsys: Any) -> None:
    import next_edit_bench as bench

    rename = case_of(BEFORE, RENAMED)
    noise = case_of("a = 1\nb = 2\n", "a = 10\nb = 2\n", kind="noise")
    unknown = {**case_of(BEFORE, RENAMED.replace("size", "count")), "id": "u"}
    daemon = OracleDaemon([rename, noise])
    rows, completions = bench.run_cases(daemon, [rename, noise, unknown])
    # Each case: the editor's request (one edit), a completion, the request for every edit.
    assert daemon.asked == ["initialize", "complete", *["nextEdit", "complete", "nextEdit"] * 3]
    assert daemon.max_edits == [1, None] * 3
    assert len(completions) == 3
    assert rows[0].score.editor_class == "deterministic" and len(rows[0].answer) == 2
    assert [r.error for r in rows] == ["", "", "internal error"]
    assert (rows[0].score.hit, rows[0].score.exact, rows[0].score.reversals) == (True, 2, 0)
    # The failed case is left out: counted as "nothing" it was a miss here, and on a noise
    # case it passed.
    found = {t.name: t for t in bench.report_rows(rows, completions)}
    assert found["location hit"].value == 1.0 and found["exact edit"].value == 1.0
    assert found["noise answered with nothing"].value == 1.0
    printed = capsys.readouterr().out
    assert "1 nextEdit requests failed: left out of every figure" in printed
    assert "location hit" in printed and "met" in printed


def test_the_finder_alone_is_scored_on_the_places_of_its_candidates(capsys: Any) -> None:
    import next_edit_bench as bench

    rename = case_of(BEFORE, RENAMED)
    places = bench.finder_places(rename)
    assert {p.start_line for p in places} == {7, 9}  # print(width), area(width, ...)
    noise = case_of("a = 1\nb = 2\n", "a = 10\nb = 2\n", kind="noise")
    assert bench.finder_places(noise) == []
    # A rename whose truth is elsewhere than its candidates: a miss.
    missed = {**rename, "truth": [rename["truth"][0] | {"range": {
        "startLine": 2, "startColumn": 5, "endLine": 2, "endColumn": 11}}]}  # fmt: skip
    bench.report_finder([rename, missed, noise])
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["rename", "2", "location", "hit", "50.0%", "(1)"] in rows
    assert ["noise", "1", "noise", "empty", "100.0%", "(1)"] in rows
    assert ["multi-place", "2", "location", "hit", "50.0%", "(1)"] in rows


def test_a_limited_run_takes_the_projects_in_turn() -> None:
    import next_edit_bench as bench

    def made(repo: str, kind: str, n: int) -> dict[str, Any]:
        return {"id": f"{repo}-{kind}-{n}", "repo": repo, "kind": kind}

    data = [made("a", "rename", n) for n in range(3)] + [made("b", "rename", n) for n in range(2)]
    data += [made("a", "noise", 0), made("b", "similar", 0)]
    picked = [c["id"] for c in bench.chosen(data, ["rename", "noise"], 3)]
    assert picked == ["a-rename-0", "b-rename-0", "a-noise-0", "a-rename-1"]
    assert len(bench.chosen(data, ["rename", "noise", "similar"], None)) == len(data)


def test_replacing_a_keyword_is_not_a_rename() -> None:
    before = "a = f(None)\nb = 1\nc = g(None)\n"
    after = before.replace("None", "missing")
    kind = classify(hunks(before, after), before, "python")
    assert kind is not None and kind.name == "similar"


def test_an_answer_is_a_model_one_when_the_daemon_says_the_model_wrote_an_edit() -> None:
    def said(kind: str, model: bool | None) -> scoring.Suggestion:
        return scoring.Suggestion.from_json(
            {"range": {"startLine": 1, "startColumn": 1, "endLine": 1, "endColumn": 1},
             "text": "x", "kind": kind, "confidence": 0.9,
             **({} if model is None else {"model": model})}
        )  # fmt: skip

    assert scoring.answer_class([said("similar", False)]) == "deterministic"
    assert scoring.answer_class([said("rename", False), said("signature", True)]) == "model"
    assert scoring.answer_class([said("similar", None)]) == "model"  # not said: by kind
    assert scoring.answer_class([said("rename", None)]) == "deterministic"


def _git(where: Path, *args: str) -> None:
    import subprocess

    env = {
        "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.org",
        "HOME": str(where), "PATH": "/usr/bin:/bin",
    }  # fmt: skip
    subprocess.run(["git", "-C", str(where), *args], check=True, env=env, capture_output=True)


def _sample(tmp_path: Path) -> list[dict[str, Any]]:
    """A broad sample of a repository of three commits: a rename over three hunks of a
    Python file (and a text file changed), then one place of it changed."""
    work = tmp_path / "work"
    work.mkdir()
    _git(work, "init", "-q", "-b", "main")
    (work / "shapes.py").write_text(BEFORE)
    (work / "notes.txt").write_text("not code\n")
    _git(work, "add", ".")
    _git(work, "commit", "-q", "-m", "first")
    (work / "shapes.py").write_text(RENAMED)  # three hunks: a rename
    (work / "notes.txt").write_text("still not code\n")
    _git(work, "commit", "-q", "-am", "rename")
    (work / "shapes.py").write_text(RENAMED.replace('print("report")', 'print("a report")'))
    _git(work, "commit", "-q", "-am", "one place")
    mirror = tmp_path / "mirrors" / "o+r" / "repo"
    _git(tmp_path, "clone", "-q", "--bare", str(work), str(mirror))
    return cases.sample("o/r", tmp_path / "mirrors", 10)


def test_a_broad_sample_takes_every_file_change_and_the_finder_scores_it(
    tmp_path: Path, capsys: Any
) -> None:
    import next_edit_bench as bench

    found = _sample(tmp_path)
    assert [(c["kind"], c["path"], len(c["truth"])) for c in found] == [
        (cases.ONE_HUNK, "shapes.py", 0),
        (cases.HUNKS, "shapes.py", 2),
    ]  # newest first; the text file is no language's, the root commit has no parent
    for case in found:
        edits = [Edit.from_json(e) for e in case["edits"]]
        case["content"] = apply_edits(case["before"], edits)
    bench.report_finder(found)
    rows = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert ["hunks", "1", "location", "hit", "100.0%", "(1)"] in rows
    assert ["one-hunk", "1", "noise", "empty", "100.0%", "(1)"] in rows


def test_a_classified_sample_keeps_the_changes_the_miner_would_take(tmp_path: Path) -> None:
    data = tmp_path / "sample"
    data.mkdir()
    found = _sample(tmp_path)
    again = dict(found[1], id="again", path="again.py")  # another file of the same commit
    (data / "cases.json").write_text(json.dumps({"version": 1, "cases": [*found, again]}))
    kept = cases.classified([data])  # one case per commit, as the miner keeps
    # the rename as the miner's case (its first hunk the user's), the one-place change as noise
    assert [(c["kind"], len(c["truth"])) for c in kept] == [("noise", 0), ("rename", 2)]
    rename = kept[1]
    assert rename["edits"] == found[1]["edits"] and rename["truth"] == found[1]["truth"]


def test_a_held_out_set_is_not_mined_from_another_sets_projects(tmp_path: Path) -> None:
    # the seventh set was mined from the development set's projects: 159 of its 173 cases
    # were that set's own
    development = json.loads((cases.DATA / "manifest.json").read_text())["cases"]
    used = development[0]["repo"]
    taken = cases.projects_in_other_sets([used, "someone/new-project"], tmp_path / "new")
    assert list(taken) == [used] and cases.DATA.name in taken[used]
    # a set's own manifest is not another set
    assert cases.DATA.name not in cases.projects_in_other_sets([used], cases.DATA).get(used, [])
