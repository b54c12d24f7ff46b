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


def test_a_request_replaced_while_its_prompt_was_read_counts_what_is_left() -> None:
    """The next keystroke cancelled it after 20 tokens: the rest is still to read."""
    reads = PromptReads()
    old, new = prompt("old = 1\n" * 10), prompt("something_new(2)\n" * 20)
    reads.reading("doc", old)
    held = reads.held("doc", new)
    before = reads.reading("doc", new)
    assert before == old and reads.unread("doc", new) == 0  # while it runs: as if read
    cut = Finished.without_output("cancelled", prompt_tokens_evaluated=20)
    reads.request_ended("doc", new, before, held, cut)
    unread = reads.unread("doc", new)
    assert int(20 * CHARS_PER_TOKEN) < len(new) - held - unread  # what it read counts
    assert 0 < unread < len(new) - held - len(WINDOW)  # and the window kept behind it


def test_a_request_replaced_before_the_model_began_it_leaves_what_was_held() -> None:
    reads = PromptReads()
    old, new = prompt("old = 1\n" * 10), prompt("something_new(2)\n" * 20)
    reads.reading("doc", old)
    unread_before = reads.unread("doc", new)
    held = reads.held("doc", new)
    before = reads.reading("doc", new)
    reads.request_ended("doc", new, before, held, None)
    assert reads.unread("doc", new) == unread_before > 0


def test_a_request_read_whole_or_followed_by_another_prompt_is_left_as_it_is() -> None:
    reads = PromptReads()
    old, new, newer = prompt("a = 1\n"), prompt("b = 2\n" * 30), prompt("c = 3\n" * 30)
    reads.reading("doc", old)
    held = reads.held("doc", new)
    before = reads.reading("doc", new)
    answered = Finished(
        reason="cancelled",
        prompt_tokens=300,
        prompt_tokens_evaluated=300,
        completion_tokens=3,
        prompt_seconds=0.1,
        generation_seconds=0.1,
    )  # cancelled once its answer was settled: its prompt was read whole
    reads.request_ended("doc", new, before, held, answered)
    assert reads.unread("doc", new) == 0
    reads.reading("doc", newer)  # the next keystroke's prompt, given meanwhile
    cut = Finished.without_output("cancelled", prompt_tokens_evaluated=1)
    reads.request_ended("doc", new, before, held, cut)
    assert reads.unread("doc", newer) == 0
