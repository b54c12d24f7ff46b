import itertools
from collections.abc import Callable

import pytest

from codesaga.domain.fim import (
    CODELLAMA,
    CODESTRAL,
    QWEN,
    STARCODER,
    FimFormat,
    anchor_at,
    client_clipped,
    detect_fim_format,
    learned_reach,
    reach_anchor,
    sent_at_reach,
    suffix_window,
    window_start,
)


def test_qwen_prompt_with_repository_files() -> None:
    prompt = QWEN.build("def f(", "):\n", files=[("util.py", "X = 1")]).text
    assert prompt == (
        "<|file_sep|>util.py\nX = 1\n<|file_sep|>untitled\n"
        "<|fim_prefix|>def f(<|fim_suffix|>):\n<|fim_middle|>"
    )


def test_suffix_first_format() -> None:
    assert CODESTRAL.build("a", "b").text == "[SUFFIX]b[PREFIX]a"


@pytest.mark.parametrize("fim", [QWEN, CODESTRAL])
@pytest.mark.parametrize("suffix_first", [None, True, False])
def test_the_cursor_is_where_the_prefix_ends(fim: FimFormat, suffix_first: bool | None) -> None:
    before, after = "x = f(a, b", ")\nprint(x)\n"
    text = fim.build(before, after, [("u.py", "X")], "m.py", suffix_first=suffix_first).text
    cursor = fim.cursor(text, after, suffix_first=suffix_first)
    assert text[:cursor].endswith(fim.prefix + before)
    assert text[cursor:] in (f"{fim.suffix}{after}{fim.middle}", fim.middle)


@pytest.mark.parametrize("fim", [QWEN, CODESTRAL, CODELLAMA])
def test_the_prompt_says_where_its_marks_are_whatever_the_code_spells(fim: FimFormat) -> None:
    # Code that spells the format's marks (a tokenizer's tests, a chat log) is text: only
    # the marks the layout put there are marks.
    spelled = "".join(m for m in (QWEN.prefix, QWEN.middle, "[PREFIX]", "<MID>", "<|im_end|>"))
    files, path = [("u.py", spelled)], f"m{spelled}.py"
    prompt = fim.build(f"a{spelled}", f"b{spelled}", files, path)
    marks = [prompt.text[start:end] for start, end in prompt.marks]
    used = [m.strip() for m in (fim.prefix, fim.suffix, fim.middle) if m.strip()]
    assert sorted(marks) == sorted(used + [fim.file_separator] * 2 if fim.file_separator else used)
    assert all(prompt.text[end - 1] != " " for _, end in prompt.marks)  # " <SUF>": just <SUF>
    start = fim.stable_start(f"a{spelled}", files, path)
    assert prompt.text.startswith(start.text) or fim.suffix_first
    assert start.marks == prompt.upto(len(start.text)).marks or fim.suffix_first


def test_detected_from_the_vocabulary() -> None:
    vocab = {"<fim_prefix>", "<fim_suffix>", "<fim_middle>"}
    assert detect_fim_format(vocab.__contains__) == STARCODER
    assert detect_fim_format(lambda t: False) is None


def test_stops_cover_every_marker() -> None:
    assert {"<|fim_prefix|>", "<|file_sep|>", "<|endoftext|>"} <= set(QWEN.stops)


def test_the_edited_file_is_named_after_the_repository_files() -> None:
    prompt = QWEN.build("a", "b", files=[("u.py", "X")], path="m.py").text
    assert prompt == (
        "<|file_sep|>u.py\nX\n<|file_sep|>m.py\n<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>"
    )
    assert (
        QWEN.build("a", "b", suffix_first=True).text
        == "<|fim_suffix|>b<|fim_prefix|>a<|fim_middle|>"
    )
    # Alone, the file is not named: a plain FIM prompt (named, the 0.5B answered as if at
    # the end of the file, with lines of its `__main__` block).
    assert QWEN.build("a", "b", path="m.py").text == "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>"
    # Unless the file is blank: then nothing else says what language it is in (an empty
    # .go file was answered with Angular's imports).
    named = "<|file_sep|>m.go\n<|fim_prefix|> <|fim_suffix|>\n<|fim_middle|>"
    assert QWEN.build(" ", "\n", path="m.go").text == named
    assert QWEN.build("", "", path=None).text == "<|fim_prefix|><|fim_suffix|><|fim_middle|>"


def _windows(client: Callable[[str], str], typed: str, head: str, max_chars: int) -> list[int]:
    """Type ``typed`` after ``head`` a character at a time; the document offsets where the
    prefix window starts, for a client that sends ``client(text before the cursor)``."""
    anchor = None
    starts = []
    for k in range(1, len(typed) + 1):
        document = head + typed[:k]
        sent = client(document)
        start = window_start(sent, anchor, max_chars=max_chars)
        anchor = anchor_at(sent, start)
        starts.append(len(document) - len(sent) + start)
    return starts


def _source(lines: int) -> str:
    return "".join(f"    value_{i:04} = compute({i}, scale={i % 7})\n" for i in range(lines))


CLIENTS: dict[str, Callable[[str], str]] = {
    "whole file": lambda text: text,
    "clips at a character": lambda text: text[-3000:],
    "clips at a line": lambda text: (
        text[text.find("\n", len(text) - 3000) + 1 :] if len(text) > 3000 else text
    ),
}


@pytest.mark.parametrize("client", CLIENTS, ids=list(CLIENTS))
def test_the_window_is_anchored_by_content_whatever_the_client_sends(client: str) -> None:
    head, typed = _source(150), _source(200)[150 * 44 :]  # ~6,600 then ~2,200 chars
    starts = _windows(CLIENTS[client], typed, head, max_chars=4000)
    document = head + typed
    assert all(document[s - 1] == "\n" for s in starts[1:])  # always at a line start
    moves = sum(1 for a, b in itertools.pairwise(starts) if a != b)
    # Large steps with hysteresis: a move leaves a quarter of what the client sends to grow
    # into, so 2,200 typed characters move the window a few times, not once per line (50).
    assert moves <= 1 + len(typed) // 700, starts
    assert len(set(starts)) == moves + 1  # never back and forth


def test_the_window_stays_put_until_it_must_move() -> None:
    text = "".join(f"line {i:03}\n" for i in range(100))  # 9 chars a line
    start = window_start(text, None, max_chars=300)
    assert text[start - 1] == "\n" and 290 <= len(text) - start <= 300  # all that fits
    grown = text + "more typing"
    moved = window_start(grown, anchor_at(text, start), max_chars=300)
    assert moved > start and grown[moved - 1] == "\n"  # one step, keeping three quarters
    assert 200 <= len(grown) - moved <= 240
    anchor = anchor_at(grown, moved)
    typed = grown + " and some more\n" * 3
    assert window_start(typed, anchor, max_chars=300) == moved  # still fits: same anchor
    far = typed + "".join(f"next {i:03}\n" for i in range(30))
    assert window_start(far, anchor_at(typed, moved), max_chars=300) > moved
    assert window_start("short", None, max_chars=300) == 0


def test_how_much_text_clients_send_is_learned_from_where_it_starts() -> None:
    document = _source(150)
    anchor = anchor_at(document[:5000], 2000)
    assert learned_reach(document[-3000:], anchor, None) == 3000  # it slid on: clipped
    assert learned_reach(document[:4000], anchor, 3000) is None  # more than that: not cut
    assert learned_reach(document[:2500], anchor, 3000) == 3000  # a file's start: nothing new


def test_a_clipping_clients_first_text_after_the_whole_document_is_seen_as_clipped() -> None:
    """A warm-up reads the whole document before the cursor; the client's first request
    sends its last 3000 characters, which start far past the first SEEN_CHARS of it."""
    document = _source(400)  # ~17,600 chars
    anchor = anchor_at(document, len(document) - 4000)
    sent = document[-3000:]
    assert client_clipped(sent, anchor)
    assert learned_reach(sent, anchor, None) == 3000
    start = window_start(sent, anchor, max_chars=4000)
    assert sent[start - 1] == "\n" and 2000 < len(sent) - start <= 2250  # as after a slide
    # The next keystroke's text slid on by what was typed: the window stays where it is.
    slid = (document + "x = 1")[-3000:]
    assert len(slid) - window_start(slid, anchor_at(sent, start), max_chars=4000) == (
        len(sent) - start + len("x = 1")
    )
    assert not client_clipped(document, anchor)  # the whole document again: not clipped


def test_a_first_text_as_long_as_clients_send_is_taken_as_cut_there() -> None:
    assert sent_at_reach("x" * 3000, 3000) and sent_at_reach("x" * 2900, 3000)
    assert not sent_at_reach("x" * 2000, 3000)  # near a file's start: all of it is shown
    assert not sent_at_reach("x" * 24_000, 3000)  # another client, which sends more


def test_a_warm_up_starts_its_window_where_a_clipping_clients_requests_find_it() -> None:
    document = _source(150)  # ~6,600 chars: the cursor's line at the end
    anchor = reach_anchor(document, 3000, max_chars=4000)
    start = len(document) - anchor.from_end
    assert document[start - 1] == "\n" and 2000 < anchor.from_end <= 2250
    # The client's next requests send the last 3000 characters, typing on: the window
    # stays at the warm-up's start for all of them.
    for typed in ("", "x = 1\n", "def more():\n" * 40):
        sent = (document + typed)[-3000:]
        at = window_start(sent, anchor, max_chars=4000)
        assert len(sent) - at == anchor.from_end + len(typed)


def test_a_lost_anchor_shows_a_short_text_whole_again() -> None:
    text = "import os\n\ndef f():\n    return os.sep\n"
    anchor = anchor_at(text, 0)
    edited = "import sys\n" + text  # the user added an import above the window
    assert window_start(edited, anchor, max_chars=4000) == 0
    assert window_start("z = ", anchor, max_chars=4000) == 0  # another place entirely


def test_a_window_never_starts_on_a_blank_line() -> None:
    text = "a = 1\n\n\nb = 2\n" * 50
    start = window_start(text, None, max_chars=100)
    assert text[start] != "\n" and text[start - 1] == "\n"


def test_suffix_window_is_short_and_ends_at_a_line() -> None:
    after = ")\n" + "".join(f"x{i} = {i}\n" for i in range(50))
    assert suffix_window(after, max_lines=2, max_chars=1000) == ")\nx0 = 0\nx1 = 1"
    clipped = suffix_window(after, max_lines=40, max_chars=20)
    assert len(clipped) <= 20 and clipped.endswith("\n")


def test_a_cut_suffix_ends_with_whole_blocks() -> None:
    # The cursor in one branch of a function; the window reaches into the next function's
    # body: it ends after the function that comes next, not in the middle of one.
    after = (
        "\n    else:\n        h = 4.0\n    return h\n\n\n"
        "def other(m):\n    if m:\n        return m\n    return 0\n\n\n"
        "def third(v):\n    if v < 0.5:\n        return v\n    return 1 - v\n"
    )
    cut = suffix_window(after, max_lines=14, max_chars=1000, whole_blocks=True)
    assert cut == "\n    else:\n        h = 4.0\n    return h\n\n\ndef other(m):\n" + (
        "    if m:\n        return m\n    return 0\n"
    )
    # What fits whole is not cut; without whole_blocks the cut is where the limits say.
    assert suffix_window(after, max_lines=99, max_chars=1000, whole_blocks=True) == after
    assert suffix_window(after, max_lines=14, max_chars=1000).endswith("        return v")


def test_a_suffix_keeps_the_closing_brace_of_its_block() -> None:
    after = "\n  return x;\n}\n\nfunction g() {\n  return 1;\n}\n\nfunction h() {\n  if (a) {"
    cut = suffix_window(after, max_lines=8, max_chars=1000, whole_blocks=True)
    assert cut == "\n  return x;\n}\n\nfunction g() {\n  return 1;\n}\n"


def test_a_cursor_whose_block_ends_at_once_keeps_its_look_ahead() -> None:
    after = "\ndef g():\n    a = 1\n    b = 2\n    c = 3\n"
    cut = suffix_window(after, max_lines=3, max_chars=1000, whole_blocks=True)
    assert cut == "\ndef g():\n    a = 1\n    b = 2"


def test_a_jump_elsewhere_in_a_long_file_sees_all_that_fits() -> None:
    text = "".join(f"line {i:04}\n" for i in range(1000))  # 10 chars a line
    here = text[:3000]
    anchor = anchor_at(here, window_start(here, None, max_chars=1000))
    there = text[:9000]  # the cursor jumped 600 lines down: the anchor is far behind
    assert window_start(there, anchor, max_chars=1000) == 8000
    elsewhere = "".join(f"other {i:04}\n" for i in range(500))  # another text altogether
    assert 980 <= len(elsewhere) - window_start(elsewhere, anchor, max_chars=1000) <= 1000
