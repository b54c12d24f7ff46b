from codesaga.engine.port import Finished
from codesaga.service.prompt_reads import CHARS_PER_TOKEN, PromptReads

WINDOW = "".join(f"value_{i} = compute({i})\n" for i in range(80))


def prompt(lookahead: str) -> str:
    return f"<|fim_prefix|>{lookahead}\n\n{WINDOW}    <|fim_suffix|>\nend\n<|fim_middle|>"


def test_a_read_ahead_cut_short_still_counts_the_window_kept_behind_its_gap() -> None:
    """The engine keeps the window's run behind the part of a new lookahead left unread."""
    reads = PromptReads()
    old, new = prompt("old = 1\n" * 10), prompt("something_new(2)\n" * 20)
    reads.reading("doc", old)
    held = reads.held("doc", new)
    cut = Finished.without_output("cancelled", prompt_tokens_evaluated=20)
    reads.read_ahead("doc", new, held, cut)
    unread = reads.unread("doc", new)
    assert int(20 * CHARS_PER_TOKEN) < len(new) - held - unread  # what it read counts
    assert unread < len(new) - held - len(WINDOW)  # and the window kept behind it
