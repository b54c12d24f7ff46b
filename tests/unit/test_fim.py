from codesaga.domain.fim import (
    CODESTRAL,
    QWEN,
    STARCODER,
    detect_fim_format,
    suffix_window,
    window_start,
)


def test_qwen_prompt_with_repository_files() -> None:
    prompt = QWEN.build("def f(", "):\n", files=[("util.py", "X = 1")])
    assert prompt == (
        "<|file_sep|>util.py\nX = 1\n<|file_sep|>untitled\n"
        "<|fim_prefix|>def f(<|fim_suffix|>):\n<|fim_middle|>"
    )


def test_suffix_first_format() -> None:
    assert CODESTRAL.build("a", "b") == "[SUFFIX]b[PREFIX]a"


def test_detected_from_the_vocabulary() -> None:
    vocab = {"<fim_prefix>", "<fim_suffix>", "<fim_middle>"}
    assert detect_fim_format(vocab.__contains__) == STARCODER
    assert detect_fim_format(lambda t: False) is None


def test_stops_cover_every_marker() -> None:
    assert {"<|fim_prefix|>", "<|file_sep|>", "<|endoftext|>"} <= set(QWEN.stops)


def test_the_edited_file_is_named_after_the_repository_files() -> None:
    prompt = QWEN.build("a", "b", files=[("u.py", "X")], path="m.py")
    assert prompt == (
        "<|file_sep|>u.py\nX\n<|file_sep|>m.py\n<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>"
    )
    assert QWEN.build("a", "b", suffix_first=True) == "<|fim_suffix|>b<|fim_prefix|>a<|fim_middle|>"


def test_prefix_window_stays_put_until_it_must_move() -> None:
    text = "".join(f"line {i:03}\n" for i in range(100))  # 9 chars a line
    start = window_start(text, None, max_chars=300)
    assert text[start - 1] == "\n" and len(text) - start <= 150
    grown = text + "more typing"
    assert window_start(grown, start, max_chars=300) == start  # still fits: same anchor
    far = text + "".join(f"next {i:03}\n" for i in range(30))
    moved = window_start(far, start, max_chars=300)
    assert moved > start and far[moved - 1] == "\n"
    assert window_start("short", None, max_chars=300) == 0


def test_suffix_window_is_short_and_ends_at_a_line() -> None:
    after = ")\n" + "".join(f"x{i} = {i}\n" for i in range(50))
    assert suffix_window(after, max_lines=2, max_chars=1000) == ")\nx0 = 0\nx1 = 1"
    clipped = suffix_window(after, max_lines=40, max_chars=20)
    assert len(clipped) <= 20 and clipped.endswith("\n")
