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
    since = reads.since("doc", new)
    cut = Finished.without_output("cancelled", prompt_tokens_evaluated=20)
    reads.read_ahead("doc", new, since, cut)
    unread = reads.unread("doc", new)
    assert int(20 * CHARS_PER_TOKEN) < len(new) - since.held - unread  # what it read counts
    assert unread < len(new) - since.held - len(WINDOW)  # and the window kept behind it


def test_a_read_ahead_ended_after_a_request_gave_its_prompt_leaves_the_request_s_record() -> None:
    reads = PromptReads()
    old, new, asked = prompt("old = 1\n"), prompt("b = 2\n" * 30), prompt("c = 3\n" * 30)
    reads.reading("doc", old)
    since = reads.since("doc", new)
    reads.reading("doc", asked)  # a request came and cancelled the read ahead
    reads.read_ahead("doc", new, since, Finished.without_output("cancelled"))
    assert reads.unread("doc", asked) == 0


def test_a_request_replaced_while_its_prompt_was_read_counts_what_is_left() -> None:
    """The next keystroke cancelled it after 20 tokens: the rest is still to read."""
    reads = PromptReads()
    old, new = prompt("old = 1\n" * 10), prompt("something_new(2)\n" * 20)
    reads.reading("doc", old)
    given = reads.reading("doc", new)
    assert given.before == old and reads.unread("doc", new) == 0  # while it runs: as if read
    cut = Finished.without_output("cancelled", prompt_tokens_evaluated=20)
    reads.request_ended("doc", new, given, cut)
    unread = reads.unread("doc", new)
    assert int(20 * CHARS_PER_TOKEN) < len(new) - given.held - unread  # what it read counts
    assert 0 < unread < len(new) - given.held - len(WINDOW)  # and the window kept behind it


def test_a_request_replaced_before_the_model_began_it_leaves_what_was_held() -> None:
    reads = PromptReads()
    old, new = prompt("old = 1\n" * 10), prompt("something_new(2)\n" * 20)
    reads.reading("doc", old)
    unread_before = reads.unread("doc", new)
    given = reads.reading("doc", new)
    reads.request_ended("doc", new, given, None)
    assert reads.unread("doc", new) == unread_before > 0


def test_a_request_read_whole_or_followed_by_another_prompt_is_left_as_it_is() -> None:
    reads = PromptReads()
    first, second = prompt("a = 1\n"), prompt("b = 2\n" * 30)
    reads.reading("doc", first)
    given = reads.reading("doc", second)
    answered = Finished(
        reason="cancelled",
        prompt_tokens=300,
        prompt_tokens_evaluated=300,
        completion_tokens=3,
        prompt_seconds=0.1,
        generation_seconds=0.1,
    )  # cancelled once its answer was settled: its prompt was read whole
    reads.request_ended("doc", second, given, answered)
    assert reads.unread("doc", second) == 0
    # Another prompt given meanwhile, even the same text again (a keystroke undone): the
    # request after it reads it, and its record stands.
    reads.reading("doc", first)
    reads.reading("doc", second)
    reads.request_ended("doc", second, given, Finished.without_output("cancelled"))
    assert reads.unread("doc", second) == 0


def test_the_slots_kept_are_bounded_the_least_recent_forgotten() -> None:
    # One prompt text per slot, never dropped: a daemon that never exits, asked about ever
    # new paths, grew without end.
    from codesaga.service.prompt_reads import MAX_SLOTS

    reads = PromptReads()
    for n in range(MAX_SLOTS + 10):
        reads.reading(f"doc{n}", f"text of document {n}")
    assert len(reads._last) == MAX_SLOTS and len(reads._turns) == MAX_SLOTS
    assert reads.unread("doc0", "text of document 0") == len("text of document 0")  # afresh
    last = f"doc{MAX_SLOTS + 9}"
    assert reads.unread(last, f"text of document {MAX_SLOTS + 9}") == 0


def test_a_slot_forgotten_and_given_again_keeps_its_record_from_an_older_request() -> None:
    # Forgetting a slot dropped its turn count: given a prompt again it began at turn 1, the
    # turn a request still running from before held, and that request's end overwrote it.
    from codesaga.service.prompt_reads import MAX_SLOTS

    reads = PromptReads()
    old, new = prompt("old = 1\n" * 10), prompt("new = 2\n" * 10)
    given = reads.reading("doc", old)  # a request, still running
    for n in range(MAX_SLOTS):
        reads.reading(f"other{n}", "x")  # "doc" is forgotten
    reads.reading("doc", new)
    reads.request_ended("doc", old, given, Finished.without_output("cancelled"))
    assert reads.unread("doc", new) == 0
