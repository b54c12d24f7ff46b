"""What a completion prompt shows: the short window, the layout of other files, file names
as the model sees them, the text after accepting a suggestion."""

import random

from codesaga.domain.completion_prompt import (
    LOOKAHEAD_MIN_BEFORE,
    SHORT_PREFIX_CHARS,
    SHORT_SUFFIX_CHARS,
    WindowLimits,
    after_accepting,
    lay_out,
    lookahead,
    next_line_indent,
    prompt_windows,
    reusable,
    shared_prefix,
    short_windows,
    shown_path,
    split_at_line,
)
from codesaga.domain.repo_context import Chunk

LIMITS = WindowLimits(prefix_chars=4000, suffix_chars=1500, suffix_lines=24, suffix_lines_midline=4)


def test_a_file_is_named_relative_to_its_workspace_else_by_its_name() -> None:
    assert shown_path("/w/lib/util.py", "/w") == "lib/util.py"
    assert shown_path("/w/lib/util.py", "/w/") == "lib/util.py"
    assert shown_path("/w2/util.py", "/w") == "util.py"  # a sibling folder is not inside
    assert shown_path("/elsewhere/util.py", None) == "util.py"
    assert shown_path("C:\\src\\app\\main.py", None) == "main.py"


def test_the_next_line_is_indented_as_an_editor_would() -> None:
    assert next_line_indent("    x = 1") == "    "
    assert next_line_indent("    def f():") == "        "
    assert next_line_indent("if (a) {") == "    "
    assert next_line_indent("\tif x:") == "\t\t"
    assert next_line_indent("x = 1") == ""


def test_accepting_at_the_end_of_a_line_moves_on_to_the_next() -> None:
    assert after_accepting("def f():\n    ", "\n", "return 1") == "def f():\n    return 1\n    "
    assert after_accepting("def f(", "):", "x") == "def f(x"  # the line goes on: stay on it
    assert after_accepting("if x", "", ":") == "if x:\n    "


def test_shared_prefix_agrees_with_a_character_by_character_count() -> None:
    rng = random.Random(7)
    for _ in range(500):
        a = "".join(rng.choice("ab\n") for _ in range(rng.randrange(12)))
        b = a[: rng.randrange(len(a) + 1)] + "".join(
            rng.choice("ab\n") for _ in range(rng.randrange(6))
        )
        naive = 0
        while naive < min(len(a), len(b)) and a[naive] == b[naive]:
            naive += 1
        assert shared_prefix(a, b) == naive == shared_prefix(b, a)


def test_split_at_line_stops_before_the_cursors_line() -> None:
    text = "import math\n\ndef f():\n    return 1\n"
    assert split_at_line(text, 3) == ("import math\n\n", "def f():\n    return 1\n")
    assert split_at_line(text, None) == ("", text)
    assert split_at_line(text, 1) == ("", text)
    assert split_at_line(text, 99) == (text, "")


def test_a_short_window_keeps_whole_lines_near_the_cursor() -> None:
    before = "".join(f"value_{i} = compute({i})\n" for i in range(200)) + "x = "
    after = "\n" + "".join(f"y{i} = {i}\n" for i in range(200))
    short = short_windows(before, after, LIMITS)
    assert short.before.startswith("value_") and before.endswith(short.before + " ")
    assert len(short.before) - len("x =") <= SHORT_PREFIX_CHARS and short.typed_space == " "
    assert short.after == "\ny0 = 0\ny1 = 1\ny2 = 2\ny3 = 3"  # mid-line: a few lines
    # The same cursor with room for all of it: the short window is the end of the long one.
    long = prompt_windows(before, after, None, LIMITS)
    assert long.before.endswith(short.before) and len(long.before) > len(short.before)


def test_a_short_window_keeps_its_start_while_a_line_is_typed() -> None:
    head = "".join(f"value_{i} = compute({i})\n" for i in range(200))
    line = "result = combine(value_1, value_2)"
    starts = {
        short_windows(head + line[:k], "\n", LIMITS).before.split("\n", 1)[0]
        for k in range(0, len(line), 3)
    }
    # A warm-up reads up to the start of the cursor's line: the same first line.
    warm = short_windows(head, "\n", LIMITS)
    assert starts == {warm.before.split("\n", 1)[0]}


def test_a_short_windows_suffix_is_short_too() -> None:
    before = "def f():\n    "  # the start of a line: the long suffix has many lines
    after = "\n" + "".join(f"    value_{i} = compute({i})\n" for i in range(40))
    long = prompt_windows(before, after, None, LIMITS)
    short = short_windows(before, after, LIMITS)
    assert len(long.after) > SHORT_SUFFIX_CHARS >= len(short.after)
    assert long.after.startswith(short.after) and short.after.endswith("\n")
    assert short.before == long.before == before


def test_a_short_text_is_its_own_short_window() -> None:
    short = short_windows("x = ", "\nprint(x)\n", LIMITS)
    assert (short.start, short.before, short.typed_space) == (0, "x =", " ")
    assert short.after == "\nprint(x)\n"


def test_the_layout_puts_other_files_first_and_names_them_for_the_model() -> None:
    windows = prompt_windows("x = ", "", None, LIMITS)
    ring = (Chunk("/w/a.py", "A = 1"), Chunk("/w/geo.py", "own = 1"), Chunk("/w/b.py", "B"))
    layout = lay_out(windows, "/w/geo.py", "/w", ring, [("/tmp/c.py", "C = 3")], context_chars=1000)
    assert layout.files == (("a.py", "A = 1"), ("b.py", "B"), ("c.py", "C = 3"))
    assert layout.sources == ("/w/geo.py", "/w/a.py", "/w/b.py", "/tmp/c.py")
    assert layout.name == "geo.py" and layout.windows == windows


def test_the_layout_puts_definitions_before_the_recent_chunks() -> None:
    windows = prompt_windows("x = area(", "", None, LIMITS)
    ring = (Chunk("/w/a.py", "A = 1"),)
    definitions = [("/w/geo.py", "def area(w: int, h: int) -> int: ...")]
    layout = lay_out(windows, "/w/app.py", "/w", ring, [], definitions, context_chars=1000)
    assert layout.files == (("geo.py", "def area(w: int, h: int) -> int: ..."), ("a.py", "A = 1"))
    assert layout.sources == ("/w/app.py", "/w/geo.py", "/w/a.py")  # private_paths see them


def test_the_layout_keeps_the_most_recent_chunks_that_fit() -> None:
    windows = prompt_windows("x = ", "", None, LIMITS)
    ring = (Chunk("/w/old.py", "o" * 60), Chunk("/w/new.py", "n" * 60))
    layout = lay_out(windows, None, "/w", ring, [("/w/new.py", "m" * 30)], context_chars=100)
    assert layout.files == (("new.py", "n" * 60), ("new.py", "m" * 30))
    assert layout.sources == ("/w/new.py",)  # once, and no document of its own
    assert layout.name is None


BELOW = "".join(f"line {i}\n" for i in range(1, 40))
ABOVE = "".join(f"value_{i} = compute({i}, scale)\n" for i in range(20))  # 580 characters
AHEAD = WindowLimits(4000, 1500, 24, 2, lookahead_chars=200)


def test_the_lookahead_starts_below_the_mid_line_suffix_and_ends_at_a_line_end() -> None:
    ahead = lookahead(" rest\n" + BELOW, skip_lines=2, max_chars=30)
    assert ahead == "line 3\nline 4\nline 5\nline 6\n"
    assert lookahead(" rest\n" + BELOW, skip_lines=2, max_chars=0) == ""
    assert lookahead(" rest\nnext\n\n   \n\n", skip_lines=2, max_chars=500) == ""


def test_a_lookahead_from_text_a_client_clipped_mid_line_ends_at_a_whole_line() -> None:
    clipped = " rest\nnext\nafter\nline 3\nline 4\nline 5 is cu"
    assert lookahead(clipped, skip_lines=2, max_chars=500) == "line 3\nline 4\n"


def test_the_lookahead_is_the_same_at_a_line_start_mid_line_and_a_line_later() -> None:
    """It is read once while a block is typed above it: what typing does must not move it."""
    above = ABOVE + "def f(x):\n    y = x + 1\n"
    seen = {
        prompt_windows(above + "    ", "\n" + BELOW, None, AHEAD).lookahead,
        prompt_windows(above + "    return y", "\n" + BELOW, None, AHEAD).lookahead,
        prompt_windows(above + "    return y\n", "\n" + BELOW, None, AHEAD).lookahead,
    }
    assert len(seen) == 1 and seen.pop().startswith("line 3\nline 4\n")
    # The line-start suffix shows those lines too; mid-line, only the lookahead does.
    midline = prompt_windows(above + "    return y", "\n" + BELOW, None, AHEAD)
    assert "line 3" not in midline.after and "line 3" in midline.lookahead


def test_a_lookahead_is_kept_while_the_cursor_moves_above_it() -> None:
    """A new one would make the engine read the whole prefix window after it again."""
    held = lookahead("\n" + BELOW, skip_lines=2, max_chars=200)
    assert held.startswith("line 3\n")
    below = BELOW.split("\n", 2)[2]  # the cursor moved down two lines: on "line 2"
    assert lookahead("\n" + below, held, skip_lines=2, max_chars=200) == held
    closed = "\n}" + "\n" + BELOW  # an editor closed the bracket just typed: a line more
    assert lookahead(closed, held, skip_lines=2, max_chars=200) == held
    # The cursor on the held text's first line: a new lookahead.
    gone = BELOW.split("\n", 3)[3]
    assert lookahead("\n" + gone, held, skip_lines=2, max_chars=200).startswith("line 6\n")
    # Far below the cursor, the lines in between would be in neither window: a new one.
    higher = "".join(f"upper {i}\n" for i in range(9)) + BELOW
    assert lookahead("\n" + higher, held, skip_lines=2, max_chars=200).startswith("upper 2\n")


def test_a_lookahead_whose_end_was_edited_keeps_its_whole_lines_still_there() -> None:
    held = lookahead("\n" + BELOW, skip_lines=2, max_chars=200)
    edited = BELOW.replace("line 20\n", "line twenty\n")
    kept = lookahead("\n" + edited, held, skip_lines=2, max_chars=200)
    assert held.startswith(kept) and kept.endswith("line 19\n") and "line 20" in held
    # Less than half of it is still there: a new one.
    early = BELOW.replace("line 5\n", "line five\n")
    assert lookahead("\n" + early, held, skip_lines=2, max_chars=200) == lookahead(
        "\n" + early, skip_lines=2, max_chars=200
    )


def test_a_lookahead_whose_last_line_goes_on_keeps_its_whole_lines() -> None:
    held = lookahead("cur\nl1\nl2\nl3\nfoo", skip_lines=2, max_chars=200)
    assert held == "l3\n"  # not shown as ended: the line may go on (a clip, or typing there)
    grown = "cur\nl1\nl2\nl3\nfoo_bar(1)\nmore\n"  # edited below, no request in between
    assert lookahead(grown, held, skip_lines=2, max_chars=200) == "l3\n"


def test_a_held_lookahead_longer_than_the_setting_now_allows_is_dropped() -> None:
    held = lookahead("\n" + BELOW, skip_lines=2, max_chars=200)
    assert lookahead("\n" + BELOW, held, skip_lines=2, max_chars=30) == (
        "line 3\nline 4\nline 5\nline 6\n"
    )


def test_a_warm_up_and_the_requests_on_its_line_agree_on_having_a_lookahead() -> None:
    """A warm-up's text ends at the start of the cursor's line; the requests' go on."""
    line_start = ABOVE[: LOOKAHEAD_MIN_BEFORE - 10]
    line_start = line_start[: line_start.rfind("\n") + 1]
    for above in (line_start, ABOVE):
        warm = prompt_windows(above, "\n" + BELOW, None, AHEAD).lookahead
        line = "total = compute_everything(alpha, beta, "  # past the minimum with it
        typed = prompt_windows(above + line, "\n" + BELOW, None, AHEAD).lookahead
        assert warm == typed and bool(warm) == (above == ABOVE)


def test_near_the_top_of_a_file_there_is_no_lookahead() -> None:
    """The hole would follow the file's lower part, and be read as being there."""
    assert prompt_windows("import os\n", "\n" + BELOW, None, AHEAD).lookahead == ""
    assert prompt_windows(ABOVE, "\n" + BELOW, None, AHEAD).lookahead


def test_the_layout_opens_the_prefix_window_with_the_lookahead() -> None:
    """Not a chunk under the file's own name: the 0.5B took that for the file's end."""
    windows = prompt_windows(ABOVE + "x = ", "\n" + BELOW, None, AHEAD)
    ring = (Chunk("/w/a.py", "A = 1"),)
    layout = lay_out(windows, "/w/geo.py", "/w", ring, [], context_chars=1000)
    assert layout.files == (("a.py", "A = 1"),)
    assert layout.windows.before == windows.lookahead + "\n" + ABOVE + "x ="
    assert layout.windows.lookahead == "" and layout.windows.after == windows.after
    assert layout.sources == ("/w/geo.py", "/w/a.py")
    at_the_end = prompt_windows(ABOVE + "x = ", "\n\n\nlast line\n", None, AHEAD)
    assert lay_out(at_the_end, None, None, (), [], context_chars=0).windows.before.startswith(
        "last line\n\nvalue_0"
    )
    nothing_below = prompt_windows(ABOVE + "x = ", "\nprint(x)\n", None, AHEAD)
    assert lay_out(nothing_below, "/w/geo.py", "/w", (), [], context_chars=1000).windows == (
        nothing_below
    )


def test_the_text_after_a_chunk_that_changed_is_reusable() -> None:
    """The engine reads a changed chunk in front of the window kept after it."""
    window = "".join(f"value_{i} = compute({i})\n" for i in range(60))
    old = "<|file_sep|>a.py\nold = 1\n<|fim_prefix|>" + window + "<|fim_suffix|>"
    new = "<|file_sep|>a.py\nthe chunk is longer now\n<|fim_prefix|>" + window + "<|fim_suffix|>"
    # the suffix behind it is read again (here, its mark)
    assert reusable(old, new) == len("<|file_sep|>a.py\n" + "<|fim_prefix|>" + window)


WINDOW = "".join(f"value_{i} = compute({i})\n" for i in range(60))
SUFFIX = "".join(f"after_{i} = use({i})\n" for i in range(24))


def fim_prompt(before: str) -> str:
    return f"<|fim_prefix|>{before}<|fim_suffix|>\n{SUFFIX}<|fim_middle|>"


def test_the_suffix_behind_the_line_just_typed_counts_as_unread() -> None:
    old, new = fim_prompt(f"{WINDOW}    "), fim_prompt(f"{WINDOW}    x = 1\n    ")
    assert reusable(old, new) == len(f"<|fim_prefix|>{WINDOW}    ")
    # suffix first, the prefix window comes after the suffix: nothing there is held back
    spm_old = f"<|fim_suffix|>\n{SUFFIX}<|fim_prefix|>{WINDOW}"
    spm_new = f"<|fim_suffix|>\nx\n{SUFFIX}<|fim_prefix|>{WINDOW}"
    assert reusable(spm_old, spm_new) == len(spm_new) - len("x\n")


def test_the_suffix_behind_a_line_deleted_above_the_cursor_counts_as_unread() -> None:
    old, new = fim_prompt(f"{WINDOW}deleted = True\n    "), fim_prompt(f"{WINDOW}    ")
    assert reusable(old, new) == len(f"<|fim_prefix|>{WINDOW}    ")


def test_a_window_that_moved_forward_is_mostly_reusable() -> None:
    """The engine moves the cached run of a window that moved on instead of reading it:
    the estimate of what a prompt costs counts it as held."""
    head = "<|fim_prefix|># geo.py\n"
    lines = [f"value_{i} = compute({i})\n" for i in range(120)]
    old = head + "".join(lines[:100]) + "<|fim_suffix|>tail\n<|fim_middle|>"
    moved = head + "".join(lines[30:110]) + "<|fim_suffix|>tail\n<|fim_middle|>"
    kept = len(head) + len("".join(lines[30:100]))
    assert reusable(old, moved) == kept
    assert reusable(old, old) == len(old)
    assert reusable(old, head + "something else entirely\n" * 10) == len(head)
    assert reusable("", moved) == 0
