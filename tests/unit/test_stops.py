from codesaga.domain.stops import StopScanner


def test_stop_split_across_pieces_is_never_shown() -> None:
    scanner = StopScanner(["<|endoftext|>"])
    shown = [scanner.feed(p) for p in ["x = 1", "<|end", "oftext|>", "more"]]
    assert "".join(shown) == "x = 1"
    assert scanner.stopped


def test_held_back_text_is_released_when_it_is_not_a_stop() -> None:
    scanner = StopScanner(["\n\n"])
    assert scanner.feed("a\n") == "a"
    assert scanner.feed("b") == "\nb"
    assert scanner.flush() == ""
    assert scanner.feed("c\n") == "c"
    assert scanner.flush() == "\n"


def test_no_stops_passes_everything() -> None:
    scanner = StopScanner([])
    assert scanner.feed("abc") == "abc"
