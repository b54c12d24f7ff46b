from codesaga.domain.fim import CODESTRAL, QWEN, STARCODER, detect_fim_format


def test_qwen_prompt_with_repository_files() -> None:
    prompt = QWEN.build("def f(", "):\n", files=[("util.py", "X = 1")])
    assert prompt == (
        "<|file_sep|>util.py\nX = 1\n<|fim_prefix|>def f(<|fim_suffix|>):\n<|fim_middle|>"
    )


def test_suffix_first_format() -> None:
    assert CODESTRAL.build("a", "b") == "[SUFFIX]b[PREFIX]a"


def test_detected_from_the_vocabulary() -> None:
    vocab = {"<fim_prefix>", "<fim_suffix>", "<fim_middle>"}
    assert detect_fim_format(vocab.__contains__) == STARCODER
    assert detect_fim_format(lambda t: False) is None


def test_stops_cover_every_marker() -> None:
    assert {"<|fim_prefix|>", "<|file_sep|>", "<|endoftext|>"} <= set(QWEN.stops)
