"""Where the next edit goes after the user's last ones, without the model: the other
occurrences of a renamed identifier (each with its edit), the calls of a function whose
signature changed or one call of which gained or lost an argument, and places like the one
just changed (for the model to rewrite, or with the user's edit repeated when even its
surroundings match). A change over several lines is also read line by line (a parameter
added and used in one burst of typing: the signature's line is what the calls repeat). The
decisions are the domain's (next_edit_locations, next_edit_patterns, next_edit_similar,
next_edit_signatures); this reads the document.

Strict on purpose: most changes are made in one place, and a wrong suggestion costs more
than none. On the file changes of the last 300 commits of 17 projects (the first hunk
given), 91 % of the 306 one-place changes get nothing; of the 1,837 changes of several hunks
(most of them not one change repeated), 20 % get a candidate on another of their hunks."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence, Set
from dataclasses import replace
from functools import partial

from codesaga.domain.edits import Span, TextEdit
from codesaga.domain.languages import Language, detect_language, language_by_name
from codesaga.domain.line_diff import common_ends
from codesaga.domain.next_edit_conventions import (
    await_candidates,
    bare_except_candidates,
    checked_call_candidates,
    const_candidates,
    encoding_candidates,
    entry_renamed,
    error_check_candidates,
    esm_candidates,
    exported_candidates,
    extension_candidates,
    format_index_candidates,
    generator_candidates,
    joined_strings_candidates,
    local_import_candidates,
    long_line_candidates,
    membership_candidates,
    moved_import_candidates,
    none_return_candidates,
    none_test_candidates,
    pass_candidates,
    print_candidates,
    print_statement_candidates,
    redundant_return_candidates,
    renamed_entry_candidates,
    return_parentheses_candidates,
    semicolon_candidates,
    sentinel_candidates,
    specifier_candidates,
    test_return_candidates,
    trailing_comma_candidates,
    unformatted_only,
    unlock_candidates,
    unused_exception_candidates,
)
from codesaga.domain.next_edit_fstrings import (
    closing_quote_candidates,
    fstring_candidates,
    prefix_candidates,
    raw_prefix_candidates,
    requote_candidates,
    unicode_prefix_candidates,
)
from codesaga.domain.next_edit_imports import (
    builtin_successor,
    imported_names,
    python_unimported,
    replaces_alias,
    successors,
    unimported_names,
)
from codesaga.domain.next_edit_lists import parallel_list_candidates
from codesaga.domain.next_edit_locations import (
    RENAME,
    SIMILAR,
    Candidate,
    Change,
    LineIndex,
    alike_lines,
    finalize,
    joined_change,
    line_changes,
    line_end,
    recent_change,
    reflowed_core,
    span_lines,
)
from codesaga.domain.next_edit_patterns import (
    BINDINGS,
    DEFINITION,
    KEY,
    LOCAL,
    MEMBER_DEFINITION,
    NAME,
    PARAMETER,
    USE,
    Occurrence,
    Rename,
    alias_candidates,
    delegates,
    find_rename,
    find_renames,
    is_name,
    like_scope_renames,
    qualifier_candidates,
    rename_candidates,
    repeat_score,
    reserved_words,
    switch_candidates,
    unused_marked_renames,
)
from codesaga.domain.next_edit_scope import Scopes, bound_by
from codesaga.domain.next_edit_signatures import (
    OPTIONAL_CALL_SCORE,
    Header,
    SignatureChange,
    adds_optional_parameter,
    argument_candidates,
    call_candidates,
    calls_must_change,
    declaration_candidates,
    documented_type_candidates,
    forwarding_candidates,
    go_header_types,
    in_parameters,
    in_results,
    made_to_give_value,
    method_calls,
    optional_removal,
    parameter_places,
    pointer_change,
    read_signature_change,
    receiver_candidates,
    reordering,
    result_candidates,
    unpacked_forwarding_candidates,
    value_candidates,
)
from codesaga.domain.next_edit_similar import (
    branch_pragma_candidates,
    comment_repeats,
    context_repeats,
    counterpart_candidates,
    deleted_block_candidates,
    guarded_repeats,
    line_start_repeats,
    moved_apart,
    repeated_candidates,
    similar_blocks,
    similar_candidates,
    slips_only,
    strict_equality_candidates,
    text_repeats,
)
from codesaga.domain.next_edit_slots import (
    anchored_candidates,
    check_candidates,
    copied_line_candidates,
    respelled_candidates,
    slot_candidates,
)
from codesaga.domain.next_edit_templates import template_candidates
from codesaga.domain.next_edit_twins import twin_candidates
from codesaga.service.next_edit_names import Names, PlainNames, name_matches
from codesaga.service.next_edit_python import PythonNames
from codesaga.service.next_edit_tree import TreeNames
from codesaga.service.syntax import GRAMMARS

ELSEWHERE_SCORE = 0.7  # a use of a renamed definition in another open document

# editor language ids read with another's grammar (golang, ts, py: language_by_name knows)
_ALIASES = {"typescriptreact": "typescript", "javascriptreact": "javascript"}


def names_of(language: str | None, content: str, index: LineIndex) -> Names:
    """The reader of ``content``'s identifiers for ``language`` (an editor's language id)."""
    known = _known(language)
    if known is not None and known.id == "python":
        return PythonNames(content, index)
    if known is not None and known.id in GRAMMARS:
        tree = TreeNames.read(known.id, content, index)
        if tree is not None:
            return tree
    return PlainNames(content, index, known.line_comment if known else "//")


def _known(language: str | None) -> Language | None:
    return language_by_name(_ALIASES.get(language or "", language or ""))


def find_candidates(
    content: str,
    language: str | None,
    history: Sequence[TextEdit],
    cursor: tuple[int, int] | None,
    others: Mapping[str, str] = {},  # read only: the contract's signature
    limit: int = 8,
) -> list[Candidate]:
    """The places the next edit may go, best first, at most ``limit``: ``history`` is the
    document's recent edits, oldest first, the last already applied to ``content``;
    ``cursor`` the 1-based (line, column). [] when the last change repeats nowhere: most
    changes are made in one place. ``others``: other open documents' content by path, where
    a renamed definition is renamed too, after the places in ``content`` (their candidates
    name their ``path``)."""
    index = LineIndex(content)
    change = recent_change(content, history, index)
    if change is None:
        return []
    names = names_of(language, content, index)
    found = _found(index, change, names, language, history, cursor, others, limit)
    known = _known(language)
    if known is None or known.id != "python":
        return found
    # (a name the user bound in one function is no name in another: see next_edit_scope)
    computed = [c.edit for c in found if c.edit is not None and c.path is None]
    bound = set().union(*(bound_by(index, edit) for edit in computed))
    scopes = Scopes(index)
    return [c for c in found if not _reads_unbound(scopes, names, c, bound)]


def reads_unbound(content: str, language: str | None, edit: TextEdit) -> bool:
    """Does ``edit`` of ``content`` (a model's rewrite of a place) make Python code read a
    name not bound there (see next_edit_scope)?"""
    known = _known(language)
    if known is None or known.id != "python":
        return False
    index = LineIndex(content)
    place = Candidate(edit.span, SIMILAR, 0.0, edit)
    return _reads_unbound(Scopes(index), names_of(language, content, index), place)


def _reads_unbound(
    scopes: Scopes, names: Names, candidate: Candidate, bound: Set[str] = frozenset()
) -> bool:
    """Does ``candidate``'s edit make its code read a name not bound there? (Not a rename's:
    its new name is bound where its definition is renamed, one of its places.)"""
    edit = candidate.edit
    if edit is None or candidate.path is not None or candidate.kind == RENAME:
        return False
    at = scopes.index.offsets(edit.span)[0]
    return not names.in_text(at) and bool(scopes.unbound_by(edit, bound))


def _found(
    index: LineIndex,
    change: Change,
    names: Names,
    language: str | None,
    history: Sequence[TextEdit],
    cursor: tuple[int, int] | None,
    others: Mapping[str, str],
    limit: int,
) -> list[Candidate]:
    content = index.text
    known = _known(language)
    lang = known.id if known else None
    reserved = reserved_words(lang)
    # The last change is read with the edits made just before it, a few lines away, as one
    # change, as a snapshot diff makes it: a statement rewritten over two lines (one edit
    # per line, as editors send them) is one change, and the lines that look like its last
    # line alone are no place for it. Unless those edits each made the same change (`b` to
    # `c` on two lines): then the user is repeating it, and the last is the one to follow.
    joined = joined_change(content, history, index)
    if joined is not None and not joined.alike:
        return _candidates(
            index, joined.change, names, reserved, history, cursor, others, limit, lang
        )
    # A long line wrapped and nothing else changed: the other lines as long, wrapped alike
    # (before the comma the wrapping put in is read as the change: a new layout is made
    # with it, not one more item). Not brackets in comments or strings: those are text.
    wrapped = [
        c
        for c in long_line_candidates(index, change)
        if not _bracketed_in_text(names, *index.offsets(c.span))
    ]
    if wrapped:
        return finalize(wrapped, index, change, history, cursor, limit)
    # A formatter's new layout made with one change (a signature wrapped over several lines,
    # one annotation changed): that change is the one to follow.
    core = reflowed_core(change)
    found = (
        []
        if core is None
        else _candidates(index, core, names, reserved, history, cursor, others, limit, lang)
    )
    if not found:
        found = _candidates(index, change, names, reserved, history, cursor, others, limit, lang)
    if not found:
        # A change over several lines that made the same change on each (`bbc` to `bcc` in a
        # statement and the `if` below it, one edit from an editor's snapshot) is followed as
        # the last of them alone is: as if typed line by line. Not as a rename: the change
        # read whole knew the names' bindings (a local renamed with all its uses, read from
        # its last use alone, would have the package of the same name renamed). Unless one
        # of the lines renamed a definition (a type and its doc comment, a parameter and
        # the docstring naming it): that line alone is the rename to follow.
        lines = alike_lines(change)
        defining = [p for p in lines if _renames_definition(p, names, reserved)]
        if defining:
            found = _candidates(
                index, defining[-1], names, reserved, history, cursor, others, limit, lang
            )
        if lines and not found:
            found = _candidates(
                index, lines[-1], names, reserved, history, cursor, others, limit, lang
            )
            # (not on the change's other lines: the line like the last is one the user
            # has just changed: `.slice()` put in both would go in the first again)
            first, last = span_lines(index.span(change.start, change.after_end))
            found = [
                c
                for c in found
                if c.kind != RENAME and not (c.span.start_line <= last and first <= c.span.end_line)
            ]
    if not found and joined is not None:
        # Read with the edits just before it after all: a parameter added, then used in the
        # body, is one change whose signature's line the calls repeat.
        found = _candidates(
            index, joined.change, names, reserved, history, cursor, others, limit, lang
        )
    if not found:
        found = _unfinished_rename(index, names, reserved, history, cursor, limit, lang)
    return found


def _bracketed_in_text(names: Names, start: int, end: int) -> bool:
    """Are the brackets around ``start``..``end`` in a comment or string?"""
    return names.in_text(start - 1) or names.in_text(end)


MAX_EARLIER = 4  # earlier edits looked back at for a rename left unfinished


def _unfinished_rename(
    index: LineIndex,
    names: Names,
    reserved: frozenset[str],
    history: Sequence[TextEdit],
    cursor: tuple[int, int] | None,
    limit: int,
    language: str | None,
) -> list[Candidate]:
    """The uses an earlier edit's rename left, when the last change follows nowhere: a
    parameter renamed, then its docstring fixed (a word in text, repeated in text only),
    leaves the code's uses of the old name. Only a rename of a definition, parameter or
    local, computed; an earlier edit that no longer stands where it was made (a later one
    moved it) is passed over."""
    for last in range(len(history) - 1, max(0, len(history) - 1 - MAX_EARLIER), -1):
        change = recent_change(index.text, history[:last], index)
        rename = None if change is None else find_rename(change, reserved)
        if change is None or rename is None or not rename.alone:
            continue
        site = _site(names, rename)
        if site is None or not _declares(site):
            continue
        renamed = _renames(index, change, rename, site, names, language)
        if renamed:
            return finalize(renamed, index, change, history, cursor, limit)
    return []


def _candidates(
    index: LineIndex,
    change: Change,
    names: Names,
    reserved: frozenset[str],
    history: Sequence[TextEdit],
    cursor: tuple[int, int] | None,
    others: Mapping[str, str],
    limit: int,
    language: str | None,
) -> list[Candidate]:
    """find_candidates for ``change``, read from the document's ``history``; ``reserved``:
    the words of the document's language (``language``, its id) that are no name to rename."""
    # An import's own name taken away or given, a Go function made a method or back: the
    # uses in code follow it, and they are the change's only next places. So are the other
    # loose comparisons after one was made strict (`==` to `===`), and what a language's
    # conventions ask for after the user's edit (next_edit_conventions): an imported name's
    # entry in `__all__` and a module specifier's prefix or extension first, whose places
    # are strings.
    for in_strings in (exported_candidates, specifier_candidates, extension_candidates):
        followed = in_strings(index, change)
        if followed:
            return finalize(followed, index, change, history, cursor, limit)
    # Python's line-ending `;`s too, when the user took one from code (in other languages a
    # `;` ends a statement by right)
    statement = language == "python" and not names.in_text(max(change.start - 1, 0))
    pythons = (
        (
            bare_except_candidates,
            return_parentheses_candidates,
            none_test_candidates,
            generator_candidates,
            membership_candidates,
            sentinel_candidates,
            twin_candidates,
            test_return_candidates,
        )
        if statement
        else ()
    )
    semicolons = (semicolon_candidates,) if statement else ()
    for followers in (
        alias_candidates,
        receiver_candidates,
        strict_equality_candidates,
        const_candidates,
        await_candidates,
        pass_candidates,
        redundant_return_candidates,
        print_candidates,
        unused_exception_candidates,
        none_return_candidates,
        esm_candidates,
        error_check_candidates,
        checked_call_candidates,
        unlock_candidates,
        local_import_candidates,
        moved_import_candidates,
        partial(
            trailing_comma_candidates,
            literals=language in LITERAL_COMMAS,
            python=language == "python",
        ),
        *pythons,
        *semicolons,
    ):
        followed = [c for c in followers(index, change) if not _starts_in_text(index, names, c)]
        if followed:
            return finalize(followed, index, change, history, cursor, limit)
    followed = _qualified_uses(index, change, names, language)
    if followed:
        return finalize(followed, index, change, history, cursor, limit)
    # (a format string's fields are in text: the rule reads which strings are the code's)
    followed = format_index_candidates(index, change, names.in_text) if language == "python" else []
    if followed:
        return finalize(followed, index, change, history, cursor, limit)
    # (strings joined: each place is the quotes and spaces between two, code)
    followed = joined_strings_candidates(index, change) if language == "python" else []
    followed = [c for c in followed if not _starts_in_text(index, names, c, past=1)]
    if followed:
        return finalize(followed, index, change, history, cursor, limit)
    # (Python 2's prints stand in code to parse, in strings: where the user's stood, in
    # strings or in code)
    followed = print_statement_candidates(index, change) if language == "python" else []
    quoted = names.in_text(change.start)
    mine = index.line_of(change.start)
    followed = [
        c
        for c in followed
        if _starts_in_text(index, names, c) == quoted
        and (not quoted or _same_text(index, names, mine, c.span.start_line))
    ]
    if followed:
        return finalize(followed, index, change, history, cursor, limit)
    # (a file's encoding given: the calls in code, and in doctests, code written in strings)
    followed = encoding_candidates(index, change) if language == "python" else []
    followed = [
        c
        for c in followed
        if not _starts_in_text(index, names, c)
        or _DOCTEST_LINE.match(index.line_text(c.span.start_line))
    ]
    if followed:
        return finalize(followed, index, change, history, cursor, limit)
    entry = entry_renamed(change) if language == "python" else None
    if entry is not None:  # an `__all__` entry renamed: the definition it names, and its uses
        followed = _entry_renames(index, change, names, *entry)
        if followed:
            return finalize(followed, index, change, history, cursor, limit)
    unreserved = _receiver_unreserved(change, reserved, language)
    rename, renames, several = find_renames(change, unreserved)
    if language == "python" and rename is not None and _drop_in_module(change, rename):
        return []
    if rename is None and not renames:
        # Parameters renamed together, each its own way: each is renamed in its function;
        # so is a definition renamed with its parameters (`type Fn = (...args` made `type
        # AnyFunction = (...arguments_`: the type's uses, and the parameter's; not a method,
        # whose calls through other receivers are other methods' `get`). Not the same
        # names put in another order (`(getRandom, alphabet, size)` to `(size, alphabet,
        # getRandom)`): that is a signature changed, its calls' arguments reordered.
        sites = [_site(names, r) for r in several]
        roles = [None if s is None else s.role for s in sites]
        reordered = {r.old for r in several} == {r.new for r in several}
        together = PARAMETER in roles and all(r in (PARAMETER, DEFINITION) for r in roles)
        if several and not reordered and together:
            renames = several
    if rename is not None and _renamed_in_text_first(change, rename, names):
        # A name of the code in a comment renamed to a name the code does not have (`//
        # WithCache returns` made `// WithColorCache returns` over `func WithCache`): the
        # code is renamed after it, the comment written first.
        followed = _code_renames(index, change, rename, names, language)
        if followed:
            return finalize(followed, index, change, history, cursor, limit)
    if renames:  # several names renamed alike: each is renamed where it stands
        candidates = [
            c for each in renames for c in _places(index, change, each, names, language)[0]
        ]
        alone = True
    else:
        candidates, alone = _places(index, change, rename, names, language)
        if rename is not None:  # an imported name renamed: its entry in `__all__` too
            candidates += renamed_entry_candidates(index, change, rename.old, rename.new)
    if not alone:
        # A change over several lines is also read line by line: a signature's line is what
        # its calls repeat. Lines like a part are only looked for when the change already
        # repeats itself: on the benchmark's one-place commits, parts of unlike changes (a
        # comment moved, one function rewritten) found lines like them that no one changed.
        parts = line_changes(change)
        likes = _repeats_itself(parts)
        for part in parts:
            renamed = _renamed_with(find_rename(part, reserved), part, parts)
            candidates += _places(index, part, renamed, names, language, likes=likes)[0]
    if _in_text(names, change):
        # A word fixed in a comment (or a string) is repeated in comments and strings only:
        # `# sendd(request)` made `sendd(request)` of the code below it. (A line like the
        # changed one, for the model to rewrite, may hold a string to change.) But a stale
        # name the code still uses, bound nowhere, is stale there too (see _places).
        stale = rename.old if rename and _stale_name(change, names, rename, language) else None
        candidates = [
            c
            for c in candidates
            if c.edit is None or _changes_text(index, names, c) or c.edit.removed == stale
        ]
        if _spelling_fixed(change):
            candidates = [c for c in candidates if c.edit is not None]
    # An import taken away while its name is still used: each use is broken until changed
    # (after the computed renames of the same places: `{ isA } from './a'` made `{ isB }`;
    # a Go import's path is a string, but its uses are code).
    candidates += _unimported_uses(index, change, names, language)
    candidates += _unbound_uses(index, change, names, language, reserved)
    if language == "python":
        candidates = moved_apart(index, change, candidates)
    candidates = unformatted_only(index, change, candidates)
    found = finalize(candidates, index, change, history, cursor, limit)
    if len(found) < limit:
        found += _renamed_elsewhere(rename, names, others, limit - len(found))
    return found


def _starts_in_text(index: LineIndex, names: Names, candidate: Candidate, past: int = 0) -> bool:
    """Is ``candidate``'s place (``past`` characters into it) in a comment or a string?"""
    span = candidate.span
    return names.in_text(index.index(span.start_line, span.start_column) + past)


_DOCTEST_LINE = re.compile(r"[ \t]*(?:>>>|\.\.\.)[ \t]")  # a doctest's line of code


_RECEIVERS = frozenset(("self", "cls"))
# languages whose lists and objects take a trailing comma, and whose blocks end in none
LITERAL_COMMAS = frozenset(("python", "javascript", "typescript"))


def _receiver_unreserved(
    change: Change, reserved: frozenset[str], language: str | None
) -> frozenset[str]:
    """``reserved``, less `self` and `cls` when ``change`` swapped one for the other as a
    Python method's first parameter (a method made a class method or back): the old name's
    uses in that method are left unbound, so they follow it as a renamed parameter's do."""
    swapped = {change.removed.strip(), change.inserted.strip()}
    if language != "python" or swapped != _RECEIVERS:
        return reserved
    content = change.content
    header = content.rfind("\n", 0, change.start) + 1
    opened = _FIRST_PARAMETER.fullmatch(content, header, change.start)
    if opened is None or _nests(content, header, len(opened.group(1))):
        return reserved
    return reserved - _RECEIVERS


_FIRST_PARAMETER = re.compile(r"([ \t]*)(?:async[ \t]+)?def[ \t]+\w+[ \t]*\([ \t]*")
_NESTED = re.compile(r"([ \t]*)(?:async[ \t]+)?(?:def|class)\b")


def _nests(content: str, header: int, indent: int) -> bool:
    """Does the function whose `def` line starts at ``header`` (indented ``indent``) hold a
    function or class of its own (whose methods bind their own `self`)? Lines inside a
    triple-quoted string are text, wherever they start."""
    quoted = False
    for line in content[header:].split("\n")[1:]:
        starts_quoted = quoted
        quoted ^= (line.count("'''") + line.count('"""')) % 2 == 1
        if starts_quoted or not line.strip():
            continue
        nested = _NESTED.match(line)
        depth = len(line) - len(line.lstrip())
        if depth <= indent and not line.lstrip().startswith(("#", ")")):
            return False
        if nested is not None and depth > indent:
            return True
    return False


def _renamed_in_text_first(change: Change, rename: Rename, names: Names) -> bool:
    """Did ``change`` rename, in a comment or string only, a function, type, class, variable
    or member this file defines (one spelled as code: `WithCache`; not a builtin such as
    `TypeError`, an imported name, another library's attribute, a parameter some function
    has) to one the code does not have (but as a key: of another type's literal, its field,
    `Options{InternalTags: c.CommonTagsInternal}` under the doc comment of
    `CommonTagsInternal` made `// InternalTags are …`; an object's key or a keyword argument,
    another function's parameter)?"""
    olds = names.occurrences(rename.old)
    news = [o for o in names.occurrences(rename.new) if not (o.role == KEY or o.receiver == "{}")]
    return (
        rename.alone
        and _site(names, rename) is None
        and names.in_text(change.start)
        and _CODE_WORD.search(rename.old) is not None
        and any(o.role in (DEFINITION, MEMBER_DEFINITION) for o in olds)
        and not any(_imported(change.content, o) for o in olds)
        and not news
    )


def _code_renames(
    index: LineIndex, change: Change, rename: Rename, names: Names, language: str | None
) -> list[Candidate]:
    """``rename`` made where the old name stands in code as what the file defines: as itself
    where it defines it at the top, as a member (not of an imported package:
    `csv_tools.read_rows`) where it defines a member; not a keyword, a string or a
    comment."""
    olds = names.occurrences(rename.old)
    plain = any(o.role == DEFINITION for o in olds)
    member = any(o.role == MEMBER_DEFINITION for o in olds)
    imported = imported_names(change.content, language)
    line = index.line_of(change.start)
    candidates = []
    for o in olds:
        if o.role == KEY or _foreign(o, imported):
            continue
        if not (plain if o.receiver is None and o.role != MEMBER_DEFINITION else member):
            continue
        edit = TextEdit(index.span(o.start, o.end), rename.old, rename.new)
        distance = abs(index.line_of(o.start) - line)
        candidates.append(Candidate(edit.span, RENAME, repeat_score(distance), edit))
    return candidates


def _entry_renames(
    index: LineIndex, change: Change, names: Names, old: str, new: str
) -> list[Candidate]:
    """The module's definition of ``old`` and its uses, renamed ``new``, after its
    `__all__` entry was: none when the module defines no ``old`` or names ``new`` already."""
    olds = names.occurrences(old)
    definition = next((o for o in olds if o.role == DEFINITION), None)
    if definition is None or names.occurrences(new):
        return []
    rename = Rename(old, new, (), True)
    return rename_candidates(index, change, rename, definition, olds, [])


def _renamed_with(rename: Rename | None, part: Change, parts: Sequence[Change]) -> Rename | None:
    """``rename`` (read in ``part``) with the sites of the change's other lines that put its
    new name where its old one was (`depth=1):` and `max(depth, 1)` made `level=1):` and
    `level`): those uses were renamed along, not there before the change."""
    if rename is None:
        return None
    sites = list(rename.sites)
    for other in parts:
        if other is part or not any(name_matches(other.removed, rename.old)):
            continue
        at = other.start
        sites += [at + m.start() for m in name_matches(other.inserted, rename.new)]
    return replace(rename, sites=tuple(sites))


UNIMPORTED_SCORE = 0.8  # a use of a name whose import the user took away
_MEMBER = re.compile(r"\.([A-Za-z_]\w*)")


def _unimported_uses(
    index: LineIndex, change: Change, names: Names, language: str | None
) -> list[Candidate]:
    """The uses of each name an import bound before ``change`` and none binds now, for
    the model to rewrite (`ioutil.ReadAll(r)` after `"io/ioutil"` went: `io.ReadAll(r)`, or
    what the import that replaced it offers); none for a name the file binds itself. Not
    computed even when one name replaced another: on the broad samples the new name was
    the use's whole new text in 15 of 73 (`join` for `path.join` after `{ join }` from
    'node:path' became `path`); but a member the new import brings is computed
    (`contextvars.ContextVar(…)` after `import contextvars` became `from contextvars import
    ContextVar`: `ContextVar(…)`). A deprecated package's members with a documented successor
    are computed (next_edit_imports.SUCCESSORS: `ioutil.ReadFile` to `os.ReadFile`), and so
    are `typing`'s generic aliases that builtins replace (`List[int]` to `list[int]`)."""
    found: list[Candidate] = []
    content = change.content
    gone = unimported_names(change, language)
    if not gone:
        return found
    # what the new imports bring by name, but a name the file binds too (`path`, a
    # function's parameter: `os.path.exists(path)` is not `path.exists(path)`)
    low = content.rfind("\n", 0, change.start) + 1  # (the import the user changed binds it)
    high = line_end(content, change.after_end)
    brought = {
        member: member
        for member in imported_names(content, language) - imported_names(change.before, language)
        if not any(
            o.role in BINDINGS and not low <= o.start < high for o in names.occurrences(member)
        )
    }
    for name in gone:
        members = successors(change, language, name)
        # in Python, from that module (`time` made `from asyncio import sleep` is another
        # sleep); a script's path need not spell its name (`chai` from '../assertion.js')
        named = re.search(rf"(?<![\w$]){re.escape(name)}(?![\w$])", content[low:high])
        if language != "python" or named:
            members = members | brought
        builtin = builtin_successor(change, language, name)
        occurrences = [
            o
            for o in names.occurrences(name)
            if not (_imported(content, o) or _reexported(content, o))
        ]
        if any(o.role in (DEFINITION, LOCAL, PARAMETER) for o in occurrences):
            continue
        for o in occurrences:
            if o.role != USE or o.receiver is not None or names.in_text(o.start):
                continue
            if builtin is not None:
                edit = TextEdit(index.span(o.start, o.end), name, builtin)
                found.append(Candidate(edit.span, SIMILAR, UNIMPORTED_SCORE, edit))
                continue
            member = _MEMBER.match(content, o.end)
            if member is not None and member.group(1) in members:
                edit = TextEdit(
                    index.span(o.start, member.end()),
                    content[o.start : member.end()],
                    members[member.group(1)],
                )
                found.append(Candidate(edit.span, SIMILAR, UNIMPORTED_SCORE, edit))
                continue
            found.append(Candidate(_line_of(index, o.start), SIMILAR, UNIMPORTED_SCORE, None))
    return found


UNBOUND_SCORE = 0.8  # a use of a parameter or local the user's change took away
MAX_UNBOUND_WORDS = 20  # names a change removed that are looked up as bindings taken away


def _unbound_uses(
    index: LineIndex,
    change: Change,
    names: Names,
    language: str | None,
    reserved: frozenset[str],
) -> list[Candidate]:
    """The uses left in its function of a parameter or local that ``change`` took away (`ctx`
    dropped from `(value, ctx) =>`, its first use made `this`), for the model to rewrite;
    none in a function that binds the name now (another's own `ctx`), nor for a name
    defined. The text before the change is read only when a name it removed is used and
    bound nowhere around that use."""
    words = set(NAME.findall(change.removed)) - reserved
    if len(words) > MAX_UNBOUND_WORDS:  # a block deleted, not a binding taken out of a line
        return []
    unbound = []
    for word in sorted(words):
        occurrences = names.occurrences(word)
        bindings = [o for o in occurrences if o.role in (LOCAL, PARAMETER)]
        if any(o.role in (DEFINITION, MEMBER_DEFINITION) for o in occurrences) or any(
            not o.functions for o in bindings
        ):
            continue
        uses = [
            o
            for o in occurrences
            if o.role == USE
            and o.receiver is None
            and not names.in_text(o.start)
            and not any(b.functions[0] in o.functions for b in bindings)
        ]
        if uses:
            unbound.append((word, uses))
    if not unbound:
        return []
    before = names_of(language, change.before, LineIndex(change.before))
    shift = change.after_end - change.before_end
    found = []
    for word, uses in unbound:
        scopes = [
            o.functions[0]
            for o in before.occurrences(word)
            if o.role in (PARAMETER, LOCAL) and o.functions
        ]
        for use in uses:
            at = use.start if use.start < change.start else use.start - shift
            if not any(low <= at < high for low, high in scopes):
                continue
            found.append(Candidate(_line_of(index, use.start), SIMILAR, UNBOUND_SCORE, None))
    return found


def _qualified_uses(
    index: LineIndex, change: Change, names: Names, language: str | None
) -> list[Candidate]:
    """A global reached through what holds it (`parseFloat(x)` made `Number.parseFloat(x)`,
    `isNaN` made `Number.isNaN`, as linters ask): its other bare uses in code, given the same
    qualifier. Only for a name the file binds nowhere (no definition, parameter, local or
    import: a variable's uses are the variable's), and not through `self`, `this` or `cls`,
    whose members are the function's own business."""
    qualifier = _QUALIFIER.fullmatch(change.inserted)
    content = change.content
    known = _known(language)
    if known is None or known.id not in _BINDINGS_READ:
        return []  # (where definitions are not read, `function parse` would be qualified)
    if change.removed or qualifier is None or qualifier.group(1) in _RECEIVERS | {"this"}:
        return []
    if names.in_text(change.start):
        return []  # a name in a comment qualified: prose, or a doc's reference
    if change.start > 0 and re.match(r"[\w$.]", content[change.start - 1]):
        return []  # inside a word or a member access: not a bare name qualified
    name = NAME.match(content, change.after_end)
    if name is None or not is_name(name.group()):
        return []
    occurrences = names.occurrences(name.group())
    if any(o.role in BINDINGS for o in occurrences) or name.group() in imported_names(
        content, language
    ):
        return []
    mine = index.line_of(change.start)
    found = []
    for o in occurrences:
        if o.role != USE or o.receiver is not None or o.start == change.after_end:
            continue
        if content[o.start - 1 : o.start] in (".", "$") or names.in_text(o.start):
            continue
        if _KEY_AFTER.match(content, o.end) or _exported(content, names, o.start):
            continue  # an object's key, a keyword argument or an export, spelled alike
        edit = TextEdit(index.span(o.start, o.start), "", change.inserted)
        distance = abs(index.line_of(o.start) - mine)
        found.append(Candidate(edit.span, SIMILAR, repeat_score(distance), edit))
    return found


def _exported(content: str, names: Names, at: int) -> bool:
    """Does the name at ``at`` stand in the braces of an `export { … }` (no expression)?
    (Braces in its comments and strings are not the list's.)"""
    opened, closed = _code_brace(content, names, "{", at), _code_brace(content, names, "}", at)
    return opened > closed and content[max(0, opened - 20) : opened].rstrip().endswith("export")


def _code_brace(content: str, names: Names, brace: str, at: int) -> int:
    """Where the last ``brace`` before ``at`` in code stands; -1 when there is none."""
    found = content.rfind(brace, 0, at)
    while found >= 0 and names.in_text(found):
        found = content.rfind(brace, 0, found)
    return found


_BINDINGS_READ = frozenset(("python", "javascript", "typescript", "go"))  # roles read
_QUALIFIER = re.compile(r"([A-Za-z_$][\w$]*)(?:\.[A-Za-z_$][\w$]*)*\.")
_KEY_AFTER = re.compile(r"[ \t]*(?::(?!:)|=(?!=))")


def _site(names: Names, rename: Rename) -> Occurrence | None:
    """The first place in code where ``rename`` put its new name: a type renamed with its doc
    comment (`// DotEnv implements…` over `type DotEnv`) is the type's rename."""
    return next(
        (o for o in (names.occurrence_at(at, rename.new) for at in rename.sites) if o), None
    )


def _line_of(index: LineIndex, at: int) -> Span:
    """The text of the line ``at`` is on, less its indentation and trailing blanks: a place
    for the model to rewrite."""
    start, end = index.line_bounds(index.line_of(at))
    text = index.text[start:end]
    return index.span(start + len(text) - len(text.lstrip()), start + len(text.rstrip()))


_REEXPORT_HEAD = re.compile(r"export\s+(?:type\s+)?\{[^{}]*$")
_REEXPORT_TAIL = re.compile(r"[^{}]*\}\s*from\b")


def _reexported(text: str, o: Occurrence) -> bool:
    """Is ``o`` a name in a script's `export { … } from '…'` (another module's, not a use)?"""
    opened = text.rfind("export", 0, o.start)
    return (
        opened >= 0
        and _REEXPORT_HEAD.match(text, opened, o.start) is not None
        and _REEXPORT_TAIL.match(text, o.end) is not None
    )


def _renames_definition(change: Change, names: Names, reserved: frozenset[str]) -> bool:
    """Does ``change`` rename a definition or a parameter where it is defined?"""
    rename = find_rename(change, reserved)
    if rename is None or not rename.alone:
        return False
    site = _site(names, rename)
    return site is not None and site.role in (DEFINITION, MEMBER_DEFINITION, PARAMETER)


def _renamed_elsewhere(
    rename: Rename | None, names: Names, others: Mapping[str, str], limit: int
) -> list[Candidate]:
    """A definition renamed alone (a function, class, type or top-level variable; a method or
    field): its uses in the other documents, each with its edit. A document that defines a
    name of its own with the old name, or already has the new one, is left alone: that name
    is another thing there (or would become one). ``others`` is looked at only then."""
    if rename is None or not rename.alone:
        return []
    site = _site(names, rename)
    if site is None or site.role not in (DEFINITION, MEMBER_DEFINITION):
        return []
    member = site.role == MEMBER_DEFINITION
    found: list[Candidate] = []
    for path, text in sorted(others.items()):
        if rename.old not in text:
            continue
        index = LineIndex(text)
        there = names_of(detect_language(path, text).id, text, index)
        # Python's `from geo import area` binds the name, but it is the renamed one's
        olds = [
            o if not _imported(text, o) else replace(o, role=USE)
            for o in there.occurrences(rename.old)
        ]
        own = (DEFINITION, LOCAL, PARAMETER) if not member else (DEFINITION,)
        if any(o.role in own for o in olds) or there.occurrences(rename.new):
            continue
        for o in olds:
            if o.role != USE or (o.receiver is not None) != member:
                continue  # a keyword, a member of the same name (or, for a member, a name)
            edit = TextEdit(index.span(o.start, o.end), rename.old, rename.new)
            found.append(Candidate(edit.span, RENAME, ELSEWHERE_SCORE, edit, path))
            if len(found) >= limit:
                return found
    return found


def _keeps_go_types(
    index: LineIndex, names: Names, edit: TextEdit, changed: frozenset[str]
) -> bool:
    """Where ``edit`` edits a Go header, does it change the types of no other roles than
    ``changed``, those the user's change changed in its own (see _go_types_changed)? Not
    `y int, z string` made `y, z string` after `y int, z int` made `y, z int`, nor results
    `(value interface{}, ok bool)` made `(value, ok bool)`, nor a receiver's type after a
    result's. (Anywhere else: yes.)"""
    start, end = index.offsets(edit.span)
    header = names.header_at(start, end)
    if header is None:
        return True
    text = index.text[header.start : header.end]
    at, stop = start - header.start, end - header.start
    return _go_types_changed(text, text[:at] + edit.text + text[stop:]) <= changed


_GO_ROLES = frozenset(("receiver", "signature"))


def _go_types_changed(before: str, after: str) -> frozenset[str]:
    """Whose types a Go header's change changed: its "receiver"'s, or its "signature"'s
    (parameters and results: `interface{}` made `any` in one is made so in the other); both
    where a header cannot be read."""
    old, new = go_header_types(before), go_header_types(after)
    if old is None or new is None:
        return _GO_ROLES
    changed = {role for role in old if old[role] != new[role]}
    return frozenset("receiver" if role == "receiver" else "signature" for role in changed)


def _go_roles_changed(change: Change, header: Header) -> frozenset[str]:
    """Whose types ``change`` changed in the Go header it is in (_go_types_changed)."""
    shift = change.after_end - change.before_end
    before = change.before[header.start : header.end - shift]
    return _go_types_changed(before, change.content[header.start : header.end])


def _in_scope(names: Names, header: Header, occurrences: list[Occurrence]) -> list[Occurrence]:
    """``occurrences`` of a function's name where they are that function: for a function
    bound to a local (Go's `check := func(`), in the function around it only (each test
    of a file may have its own `check`)."""
    site = names.occurrence_at(header.start, header.name)
    if site is None or site.role != LOCAL or not site.functions:
        return occurrences
    scope = site.functions[0]
    return [o for o in occurrences if scope in o.functions]


def _same_names(signature: SignatureChange) -> bool:
    """Does a signature change leave its parameters' names as they were (types changed)?"""
    old, new = signature.lists
    return [p.name for p in old] == [p.name for p in new]


def _repeats_itself(parts: Sequence[Change]) -> bool:
    """Do two of a change's lines change alike (the same text removed, or the same added)?"""
    removed = [p.removed.strip() for p in parts]
    inserted = [p.inserted.strip() for p in parts]
    return _twice(removed) or _twice(inserted)


def _twice(texts: Sequence[str]) -> bool:
    seen = [t for t in texts if t]
    return len(set(seen)) < len(seen)


def _imported(text: str, o: Occurrence) -> bool:
    """Is ``o`` a name in an import statement (`from geo import area`, or in its
    parenthesized list)?"""
    line = text[text.rfind("\n", 0, o.start) + 1 : o.start].lstrip()
    if line.startswith(("from ", "import ")):
        return True
    opened = text.rfind("import (", 0, o.start)
    return opened >= 0 and ")" not in text[opened : o.start]


_DEFINED = re.compile(r"\b(?:class|def|function|func|type|interface)\s+([\w$]+)")


def _imported_only(content: str, language: str | None) -> frozenset[str]:
    """The names ``content``'s imports bind that it does not define as well (an import in a
    docstring's example of the class the module defines)."""
    return frozenset(imported_names(content, language) - set(_DEFINED.findall(content)))


def _places(
    index: LineIndex,
    change: Change,
    rename: Rename | None,
    names: Names,
    language: str | None,
    likes: bool = True,
) -> tuple[list[Candidate], bool]:
    """The candidates for one change (``rename``: what find_rename read in it), and whether
    it is a rename alone: then they are the only ones. ``language``: the document's (its
    id). ``likes``: also lines like the changed one, and its text elsewhere."""
    candidates: list[Candidate] = []
    site = None if rename is None else _site(names, rename)
    if rename is not None and site is not None:
        if rename.alone:  # a rename with nothing left to rename is a one-place change
            return _alone(index, change, rename, site, names, likes, language), True
        # (a name imported is declared by its import: `{ isA } from './a'` made `{ isB } from
        # './b'` leaves every use of `isA` undefined)
        declared = _declares(site) or _imported(change.content, site)
        if declared and "\n" not in change.removed + change.inserted:
            candidates += _renames(index, change, rename, site, names, language)
    elif rename is not None and rename.alone and _defines(names, rename.new):
        # A word in a comment or string made the name of a definition (a doc comment fixed
        # to name the function below it): a correction, made where it was wrong. Unless the
        # old name names nothing either: then its other mentions in comments and strings are
        # as stale (`"RenderFloat(): invalid sign"` after the function became FormatFloat).
        # Nor when the code uses it, bound nowhere: the definition was renamed first, and its
        # uses are as stale as its mentions (`itersubclasses(sub)` in the body of `def
        # iter_subclasses`, after a doctest's `itersubclasses(A)` was made to follow it).
        stale_uses = _stale_name(change, names, rename, language)
        if _defines(names, rename.old) or (names.occurrences(rename.old) and not stale_uses):
            return [], True
        prose = rename.old.lower() == rename.new.lower() or not _CODE_WORD.search(rename.old)
        if prose and not stale_uses:
            return [], True  # a word of prose (`// load` made `// Load`): its mentions are prose
        kept = []
        for repeat in text_repeats(index, change, rename.old, rename.new):
            if not names.in_text(_changes(index, repeat)):
                if stale_uses:
                    kept.append(repeat)  # a use in code of the stale name
            elif not prose or _reads_as_code(index, repeat):
                kept.append(repeat)  # (a word of prose is left in prose: `# the item with`)
        return kept, True
    header = names.header_at(change.start, change.after_end)
    roles = _go_roles_changed(change, header) if header and language == "go" else None
    signature = None if header is None else read_signature_change(change, header, rename)
    must = signature is not None and calls_must_change(signature)
    optional = signature is not None and not must and adds_optional_parameter(signature)
    valued = signature is not None and made_to_give_value(change, signature)
    if signature is not None and (must or optional or valued or language == "go"):
        modules = _imported_only(change.content, language)
        named = _in_scope(names, signature.header, names.occurrences(signature.header.name))
        calls = method_calls(signature.header, named, modules)
        if valued:  # made to give back a value: the calls that drop it
            candidates += value_candidates(index, change, signature, calls)
        if language == "go":  # its results made more or fewer: what takes its values
            candidates += result_candidates(index, change, signature, calls)
            pointer = pointer_change(signature)
            if pointer is not None:  # a parameter made a pointer: its arguments' addresses
                called = _called_as(signature.header, calls, change.content)
                candidates += call_candidates(index, change, called, calls, pointer=pointer)
    if signature is not None and must:
        removal, added = parameter_places(signature)
        if removal is not None and language not in STRICT_ARITY:
            # (a JavaScript call may pass fewer arguments than a function has parameters:
            # how many it passes says nothing of whether it was changed already)
            removal = replace(removal, required=0)
        addition = None if added is None else (added, partial(_bound_at, names))
        unpassed = optional_removal(signature)
        candidates += call_candidates(
            index,
            change,
            _called_as(signature.header, calls, change.content),
            calls,
            removal=removal,
            addition=addition,
            unpassed=unpassed,
            order=reordering(signature),
        )
    elif signature is not None and optional:
        called = _called_as(signature.header, calls, change.content)
        candidates += call_candidates(index, change, called, calls, OPTIONAL_CALL_SCORE)
    elif not candidates and likes:
        if header is None:  # a parameter added to one function is rarely added to its likes
            candidates += similar_candidates(index, change)
            candidates += similar_blocks(index, change)
            candidates += deleted_block_candidates(index, change, names.in_text)
            if language == "python":
                candidates += unpacked_forwarding_candidates(index, change)
            candidates += argument_candidates(index, change, names.occurrences)
        elif (
            signature is not None
            and _same_names(signature)
            and (in_parameters(change, header) or in_results(change, header))
        ):
            # a parameter's type changed (`y int, z int` to `y, z int`, `x` given `: int`),
            # or a return type (`IO[Any]` made `IO`), may be changed so in each like header
            # (not in a call): where that is computed (a Go header's types kept: below). Not
            # a return type given where there was none: one function typed leaves the
            # others untyped as often as not.
            candidates += [
                c
                for c in similar_candidates(index, change)
                if c.edit is not None and names.header_at(*index.offsets(c.edit.span)) is not None
            ]
            if language == "python":
                candidates += documented_type_candidates(index, change, header)
        candidates += repeated_candidates(index, change, names.in_text(change.start))
        # (a change made in code is not repeated into comments and strings that read alike;
        # words taken out of a header are its signature's: `(timeout time.Duration, interval
        # time.Duration)` made `(timeout, interval time.Duration)` leaves `(timeout
        # time.Duration, interval int)` be)
        candidates += [
            c
            for c in context_repeats(index, change, taken_out=header is None)
            if names.in_text(change.start) or not _changes_text(index, names, c)
        ]
        if not names.in_text(change.start):  # (two lines of prose alike are no rule)
            candidates += guarded_repeats(index, change)
        candidates += counterpart_candidates(index, change)
        candidates += slot_candidates(index, change)
        candidates += _unfilled(anchored_candidates(index, change), candidates)
        candidates += copied_line_candidates(index, change)
        candidates += check_candidates(index, change)
        candidates += respelled_candidates(index, change)
        candidates += template_candidates(index, change)
        if language == "python":
            candidates += fstring_candidates(index, change, names.in_text)
            candidates += prefix_candidates(index, change, names.in_text)
            candidates += unicode_prefix_candidates(index, change, names.in_text)
            candidates += raw_prefix_candidates(index, change, names.in_text)
            candidates += closing_quote_candidates(index, change, names.in_text)
        if language in ("python", "javascript", "typescript"):  # (Go's `'` quotes a rune)
            candidates += requote_candidates(index, change, names.in_text)
        candidates += comment_repeats(index, change)
        if language == "python":
            candidates += branch_pragma_candidates(index, change)
        candidates += line_start_repeats(index, change)
        # (last: where another rule has the list's alike lines, its edit is the one)
        candidates += _unfilled(parallel_list_candidates(index, change), candidates)
    elif not candidates and rename is None and _word_in_text(change, names):
        candidates += repeated_candidates(index, change, names.in_text(change.start))
    if roles is not None and roles != _GO_ROLES:
        # (by any rule, another Go header's types change only where the user's did: its
        # types merged, `timeout time.Duration, interval time.Duration` made `timeout,
        # interval time.Duration`, is not repeated where it would give a parameter another
        # type, `timeout time.Duration, interval int`; a result's type changed is not a
        # receiver's to change)
        candidates = [
            c for c in candidates if c.edit is None or _keeps_go_types(index, names, c.edit, roles)
        ]
    if header is not None:  # an interface's declaration of the function, say
        candidates += declaration_candidates(index, change, header, names.occurrences(header.name))
        if signature is not None:
            candidates += forwarding_candidates(index, change, signature)
    return candidates, False


def _unfilled(found: list[Candidate], before: list[Candidate]) -> list[Candidate]:
    """Of ``found``, the places no candidate ``before`` fills (on its lines or a line
    beside them): an item a list's alike lines already have their rule's edit for."""
    return [
        c
        for c in found
        if not any(
            b.span.start_line - 1 <= c.span.end_line and c.span.start_line <= b.span.end_line + 1
            for b in before
        )
    ]


def _alone(
    index: LineIndex,
    change: Change,
    rename: Rename,
    site: Occurrence,
    names: Names,
    likes: bool,
    language: str | None,
) -> list[Candidate]:
    """The places of a rename that did nothing else, from the first reading that finds any
    (``language``: the document's id)."""
    olds = names.occurrences(rename.old)
    # Each reading, and whether its places are a use switched rather than a name renamed:
    # then the like lines elsewhere follow them (`_switched_likes`).
    readings: list[tuple[Callable[[], list[Candidate]], bool]] = [
        (lambda: _renames_each(index, change, rename, site, names, language), False),
        (lambda: _unbound_switches(change, rename, site, names, language, index), False),
        # one use switched where its line stands again (`getattr(e,` made `getattr(exc,` in
        # each copy of a handler's line): the copies, before the function's other uses
        (
            lambda: (
                context_repeats(index, change) if likes and not _left_unbound(site, olds) else []
            ),
            True,
        ),
        # one use switched to a variable already there
        (lambda: switch_candidates(index, change, rename, site, olds), True),
        # or one module's function called from another: the same calls through the old one
        (
            lambda: qualifier_candidates(
                index, change, rename, site, olds, names.occurrences(rename.new)
            ),
            True,
        ),
        (lambda: _unfollowed(index, change, rename, site, names, language), True),
        # nothing the reader could follow, or a member switched for one used already
        # (`log.info` for `log.debug`), but lines alike around it (the same
        # `pytest.raises(TypeError)`): the change repeated where its context is (these are
        # the like lines already: none to add)
        (
            lambda: (
                [c for c in similar_candidates(index, change) if c.edit is not None]
                if likes
                else []
            ),
            False,
        ),
        # renamed all through its function: the functions beside it
        (lambda: like_scope_renames(index, change, rename, site, olds), True),
        # a parameter marked unused (`_err`): the others unused in their functions
        (lambda: unused_marked_renames(index, change, rename, site, olds), True),
    ]
    for reading, switched in readings:
        found = reading()
        if rename.new == "_":  # marked unused: where it is unused too
            found = [c for c in found if _unused_at(index, c, olds)]
        if switched:  # a slip fixed is fixed where the line has it: `"i64": stressInt32`
            found = slips_only(index, change, found, numbers=True)
        if found:
            # the lines like the switched one elsewhere, the switch computed where the names
            # around it are the same, after its own places (`b := m.(float64)` made
            # `n.(…)`: the copies of that slip in the functions below)
            if switched and likes and rename.new != "_":
                news = names.occurrences(rename.new)
                found += _switched_likes(index, change, found, olds, news, site)
            return found
    return []


def _drop_in_module(change: Change, rename: Rename) -> bool:
    """Is ``rename`` the module of a Python `from … import` switched for its backport, its
    name and a suffix joined by `_` (`typing` made `typing_extensions`)? Then the backport
    gives the names that line imports, and the other imports of the old module are left
    as they are: the names it has. (Not a name given a prefix: `multipart` made
    `python_multipart` is a distribution renamed, whose every import follows.)"""
    if not rename.new.startswith(rename.old + "_"):
        return False
    content = change.content
    return all(
        _FROM_MODULE.fullmatch(content, content.rfind("\n", 0, at) + 1, at) for at in rename.sites
    )


_FROM_MODULE = re.compile(r"[ \t]*from[ \t]+(?:[\w]+\.)*")  # up to a module's name in it


def _same_text(index: LineIndex, names: Names, line: int, other: int) -> bool:
    """Do lines ``line`` and ``other`` stand in one string (each line start between them in
    text: no code parts two strings)?"""
    low, high = sorted((line, other))
    return all(names.in_text(index.line_bounds(n)[0]) for n in range(low + 1, high + 1))


STRICT_ARITY = frozenset({"go", "python"})  # languages whose calls pass every required parameter
UNBOUND_SWITCH_SCORE = 0.9  # another use of a name bound nowhere, switched as the user's


def _unbound_switches(
    change: Change,
    rename: Rename,
    site: Occurrence,
    names: Names,
    language: str | None,
    index: LineIndex,
) -> list[Candidate]:
    """A call of a Python function that nothing binds (no definition, assignment,
    parameter, import or builtin: Python 2's `unichr` in a module ported to Python 3)
    switched for another name: each of its other calls is as broken, and is switched the
    same way. Only a name that is called wherever it stands: one the reader may not see
    bound (a lambda's parameter, a chained assignment's target, a `case` capture, a
    module's `__file__`) is used as a value somewhere."""
    content = change.content
    if language != "python" or site.role != USE or site.receiver is not None:
        return []
    if rename.old.startswith("__") or not _called(content, site.start, rename.new):
        return []
    if rename.old == "_" or _RUNTIME_NAMES.search(content):  # (gettext's `_`, installed)
        return []
    olds = names.occurrences(rename.old)
    if any(o.role in BINDINGS for o in olds) or not python_unimported(content, rename.old):
        return []
    uses = [o for o in olds if not names.in_text(o.start)]
    if any(o.role != USE or not _called(content, o.start, rename.old) for o in uses):
        return []
    found = []
    for use in uses:
        if use.receiver is None:
            edit = TextEdit(index.span(use.start, use.end), rename.old, rename.new)
            found.append(Candidate(edit.span, SIMILAR, UNBOUND_SWITCH_SCORE, edit))
    return found


def _called(text: str, at: int, name: str) -> bool:
    """Is ``name``, standing at ``at`` in ``text``, called there (`name(`)?"""
    return _CALL_OPENS.match(text, at + len(name)) is not None


# a module that binds names as it runs (`gettext.install`, `globals()[...] =`, `exec`)
_RUNTIME_NAMES = re.compile(r"\b(?:builtins|__builtins__|globals\(\)|exec\(|install\()")
_CALL_OPENS = re.compile(r"[ \t]*\(")


def _switched_likes(
    index: LineIndex,
    change: Change,
    found: list[Candidate],
    olds: list[Occurrence],
    news: list[Occurrence],
    site: Occurrence,
) -> list[Candidate]:
    """The lines like the one where a use was switched (``olds``, ``news``: the two names'
    occurrences), the switch computed, that read as it did up to the switched name (`b :=
    m.(string)` for `b := m.(float64)`, not `a := m.(…)`), where the new name is there to
    use; after ``found``, the switch's own places."""
    before = change.before
    lead = before[before.rfind("\n", 0, change.start) + 1 : change.start].lstrip()
    taken = {c.span.start_line for c in found}
    below = min(c.score for c in found) - 0.01
    defined = _defined_for(news, site)
    likes = []
    for candidate in similar_candidates(index, change):
        if candidate.edit is None or candidate.span.start_line in taken:
            continue
        start, end = index.offsets(candidate.span)
        old = next((o for o in olds if start <= o.start < end), None)
        if old is None or not (defined or _used_before(old, news)):
            continue
        line = index.text[index.line_bounds(candidate.span.start_line)[0] : old.start]
        if line.lstrip() == lead:
            likes.append(replace(candidate, score=min(candidate.score, below)))
    return likes


def _defined_for(news: list[Occurrence], site: Occurrence) -> bool:
    """Is the new name of a switch a top-level definition, usable in any function, and what
    the user's ``site`` names too (not a parameter of the user's function that a module's
    function shares a name with)?"""
    bound_there = any(
        o.role in (PARAMETER, LOCAL)
        and o.functions
        and site.functions
        and o.functions[0] == site.functions[0]
        for o in news
    )
    return not bound_there and any(o.role == DEFINITION and not o.functions for o in news)


def _used_before(old: Occurrence, news: list[Occurrence]) -> bool:
    """Is the new name of a switch there to use where ``old`` stands: a parameter, local or
    plain use of it earlier in the same function (not in a lambda or function inside it,
    nor bound only further down)? (`other` is one function's parameter: not another's;
    `s.n` and `f(n=…)` bind no `n`.)"""
    return bool(old.functions) and any(
        o.functions
        and o.functions[0] == old.functions[0]
        and o.start < old.start
        and (o.role in (PARAMETER, LOCAL) or (o.role == USE and o.receiver is None))
        for o in news
    )


def _renames_each(
    index: LineIndex,
    change: Change,
    rename: Rename,
    site: Occurrence,
    names: Names,
    language: str | None,
) -> list[Candidate]:
    """The renames of ``site``, and of the change's other sites that name another thing: a
    package's function renamed with the method it hands on to (`func Notify(...)` over
    `output.Notify(...)`, both `Notification` before) leaves the method to rename."""
    found = _renames(index, change, rename, site, names, language)
    # (a member only where this file defines it and does not reach it through an import:
    # `fmt.Println` made `fmt.Print` in a wrapper renamed with it is another package's
    # function switched, not one to rename, though the file's own logger has a `Println`)
    defined = any(o.role == MEMBER_DEFINITION for o in names.occurrences(rename.old))
    sites = (names.occurrence_at(at, rename.new) for at in rename.sites)
    others = [o for o in sites if o is not None and (o.receiver is None) != (site.receiver is None)]
    imported = imported_names(change.content, language) if others else set()
    for other in others:
        if other.receiver is None or (defined and not _foreign(other, imported)):
            found += _renames(index, change, rename, other, names, language)
    return found


def _foreign(o: Occurrence, imported: set[str]) -> bool:
    """Is ``o`` a member reached through one of the names the file imports (`fmt.Println`,
    `json.dumps`): another package's, whatever the file defines of that name?"""
    return o.receiver is not None and o.receiver.split(".")[0] in imported


def _left_unbound(site: Occurrence, olds: Sequence[Occurrence]) -> bool:
    """Is ``site`` in a function (its outermost) where the old name is still used but no
    longer bound: no parameter or local of that name is left there (`except OSError as
    exc:`, then `if e` made `if exc`)? Then the switch is the rest of a rename, not a use
    switched to another variable. (Read from the occurrences only: a global of the old name
    would look the same.)"""
    if site.receiver is not None or not site.functions:
        return False
    here = [o for o in olds if o.receiver is None and o.functions[:1] == site.functions[:1]]
    return bool(here) and not any(o.role in (PARAMETER, LOCAL) for o in here)


def _unused_at(index: LineIndex, candidate: Candidate, olds: Sequence[Occurrence]) -> bool:
    """Is ``candidate``'s place a name assigned there and not read before it is assigned
    again (`l, err = f()` where `l` is assigned next, not `assert l`), or one declared
    there and never used after (a later assignment needs the declaration)?"""
    start, end = index.offsets(candidate.span)
    here = next((o for o in olds if start <= o.start < end), None)
    if here is None or not here.functions:
        return False
    bound = _bound_by(index.text, here)
    later = [o for o in olds if o.start > here.start and here.functions[0] in o.functions]
    if bound != _ASSIGNED or not later:
        return bound is not None and not later
    return _bound_by(index.text, min(later, key=lambda o: o.start)) == _ASSIGNED


_DECLARED, _ASSIGNED = "declared", "assigned"
_TARGETS_BEFORE = re.compile(r"(?:\b(?:var|let|const)\s+)?(?:[\w.]+\s*,\s*)*$")
_TARGETS_AFTER = re.compile(r"\s*(?:,\s*[\w.]+\s*)*(:?=)(?!=)")


def _bound_by(text: str, o: Occurrence) -> str | None:
    """How ``o`` is bound: _DECLARED (a parameter, a local's declaration, `x, err :=`),
    _ASSIGNED (a target of a plain assignment, `x, err =`), or None (read)."""
    if o.role in (PARAMETER, LOCAL):
        return _DECLARED
    line_start = text.rfind("\n", 0, o.start) + 1
    before = _TARGETS_BEFORE.fullmatch(text[line_start : o.start].lstrip())
    after = _TARGETS_AFTER.match(text, o.end)
    if before is None or after is None:
        return None
    declaring = after.group(1) == ":=" or before.group().startswith(("var", "let", "const"))
    return _DECLARED if declaring else _ASSIGNED


def _called_as(header: Header, occurrences: Sequence[Occurrence], content: str) -> Header:
    """``header``, called as a method when the function is assigned to a member on its own
    line (`self.addHandler = function addHandler (…)`: its calls are `self.addHandler(…)`)."""
    line_start = content.rfind("\n", 0, header.start) + 1
    assigned = any(
        o.role == MEMBER_DEFINITION and line_start <= o.start < header.start for o in occurrences
    )
    return replace(header, method=True) if assigned and not header.method else header


def _bound_at(names: Names, name: str, call: Occurrence) -> bool:
    """Is ``name`` a parameter or a local of a function ``call`` stands in (its own, or one
    around it: a closure's), bound before it?"""
    return any(
        o.role in (PARAMETER, LOCAL)
        and o.functions[:1]
        and o.functions[0] in call.functions
        and o.start < call.start
        for o in names.occurrences(name)
    )


# a name no sentence has: camelCase, snake_case, a digit in it
_CODE_WORD = re.compile(r"[a-z][A-Z]|\w_\w|\d")


def _stale_name(change: Change, names: Names, rename: Rename, language: str | None) -> bool:
    """Did ``change`` respell ``rename``'s old name as its new one, which the code defines (a
    few word characters put in or taken out: `itersubclasses` to `iter_subclasses`; not a
    plural made or taken away: prose), a name the code uses as one of its own (not a member)
    and binds nowhere: not defined, assigned, a parameter or imported (nor can a `*` import
    bind it), nor a builtin (`sum` made `sums` over `def sums`)? Python's only (elsewhere a
    global, `fetch`, or a name another file of a Go package defines is bound nowhere here),
    each use a call: its reader misses some bindings (a lambda's parameter, a `match`
    capture)."""
    if language != "python":
        return False
    old, new = rename.old, rename.new
    respelled = change.removed + change.inserted
    if len(change.removed) > 3 or len(change.inserted) > 3 or not re.fullmatch(r"\w*", respelled):
        return False
    if old.rstrip("s") == new.rstrip("s") or not _defines(names, new):
        return False
    content = change.content
    if old in reserved_words(language) or not python_unimported(content, old):
        return False  # (a builtin, a name an import binds or a `*` import may)
    occurrences = names.occurrences(old)
    return (
        bool(occurrences)
        and all(_CALLED.match(content, o.end) for o in occurrences)
        and all(o.role == USE and o.receiver is None for o in occurrences)
    )


_CALLED = re.compile(r"[ \t]*\(")


def _reads_as_code(index: LineIndex, candidate: Candidate) -> bool:
    """Does ``candidate``'s place in a comment or string read as code: a doctest's line, or
    the name called (`itersubclasses(A)` in prose)?"""
    span = candidate.span
    end = index.index(span.end_line, span.end_column)
    return bool(_DOCTEST_LINE.match(index.line_text(span.start_line))) or bool(
        _CALLED.match(index.text, end)
    )


def _defines(names: Names, name: str) -> bool:
    """Does the code define ``name`` (a function, type, class or member)?"""
    return any(o.role in (DEFINITION, MEMBER_DEFINITION) for o in names.occurrences(name))


def _changes(index: LineIndex, candidate: Candidate) -> int:
    """Where ``candidate``'s edit changes the text (past what it writes again)."""
    assert candidate.edit is not None
    span, removed, text = candidate.edit.span, candidate.edit.removed, candidate.edit.text
    kept = common_ends(removed, text)[0]
    return index.index(span.start_line, span.start_column) + kept


def _changes_text(index: LineIndex, names: Names, candidate: Candidate) -> bool:
    """Does ``candidate``'s edit change a comment or string: in it, or put at the end of a
    line comment (a period that ends its sentence)?"""
    at = _changes(index, candidate)
    if names.in_text(at):
        return True
    edit = candidate.edit
    ends = edit is not None and not edit.removed and index.text[at : at + 1] in ("\n", "")
    return ends and at > 0 and names.in_text(at - 1)


MAX_TEXT_CHANGE = 200  # characters: a longer change is not a word fixed in a comment


def _in_text(names: Names, change: Change) -> bool:
    """Was ``change`` made inside one comment or string, text on both sides of it (a string
    made an f-string was code changed: its `.format(...)` went)?"""
    content, start, end = change.content, change.start, change.after_end
    if start == 0 or end - start > MAX_TEXT_CHANGE:
        return False
    line_end = end >= len(content) or content[end] == "\n"  # a comment ends before it
    last = end if not line_end else end - 1
    return all(names.in_text(at) for at in range(start - 1, max(start, last) + 1))


def _spelling_fixed(change: Change) -> bool:
    """Did ``change`` (in text) fix a word's spelling: a few letters inside a word replaced
    (`Requst` to `Request`, `ot` to `or`)?"""
    removed, inserted = change.removed, change.inserted
    if len(removed) > 3 or len(inserted) > 3 or not (removed + inserted).isalpha():
        return False
    content, start, end = change.content, change.start, change.after_end
    return content[start - 1 : start].isalpha() or content[end : end + 1].isalpha()


def _word_in_text(change: Change, names: Names) -> bool:
    """Did ``change`` replace one word by another in a string or comment (`"werkzeug"` to
    `"jinja2"`), a word that names nothing in the code?"""
    words = re.fullmatch(r"\w+", change.removed) and re.fullmatch(r"\w+", change.inserted)
    return bool(words) and not names.occurrences(change.removed)


def _unfollowed(
    index: LineIndex,
    change: Change,
    rename: Rename,
    site: Occurrence,
    names: Names,
    language: str | None,
) -> list[Candidate]:
    """A rename the reader of names cannot follow, as the same word elsewhere: a member of
    what this file does not define (`lines.reverse()` to `lines.toReversed()`), unless the
    new member is used already (`log.info` to `log.debug`: only lines alike repeat it) and
    the old one is no deprecated alias of it (`self.assertEquals`), or a name that stands
    nowhere else as one (a word in strings and comments)."""
    if site.receiver is not None:
        if not replaces_alias(language, rename.old, rename.new) and text_repeats(
            index, change, rename.new, rename.old
        ):
            return []
    elif names.occurrences(rename.old):
        # The reader followed it and found nothing left to rename; the text around the
        # renamed places may still stand elsewhere (`(res: Message) => void` in two types).
        return repeated_candidates(index, change) if "\n" in change.removed else []
    found = text_repeats(index, change, rename.old, rename.new, RENAME)
    wrappers = [
        index.span(o.start, o.end)
        for o in names.occurrences(rename.old)
        if o.role == MEMBER_DEFINITION and delegates(site, o)
    ]
    return [c for c in found if c.span not in wrappers]


def _renames(
    index: LineIndex,
    change: Change,
    rename: Rename,
    site: Occurrence,
    names: Names,
    language: str | None,
) -> list[Candidate]:
    olds = names.occurrences(rename.old)
    if not olds:
        return []
    news = names.occurrences(rename.new)
    if site.role == MEMBER_DEFINITION and any(o.receiver for o in news):
        # an imported package's member of that name is not this one (a Go field exported
        # as its type is named: `comparator utils.Comparator` made `Comparator utils.…`)
        imported = imported_names(change.content, language)
        news = [o for o in news if not _foreign(o, imported)]
    header = names.header_at(site.start, site.end) if site.role == PARAMETER else None
    function = header.name if header is not None else None
    renamed = rename_candidates(index, change, rename, site, olds, news, function)
    return renamed + _mentions(index, change, rename, site, names) if renamed else []


MENTION_SCORE = 0.6  # a renamed parameter named in its function's docstring or comments


def _mentions(
    index: LineIndex, change: Change, rename: Rename, site: Occurrence, names: Names
) -> list[Candidate]:
    """A parameter renamed: where its function's docstring or comments name it (`*hook_cms*`),
    below its uses; not a string that is the name alone (`kwargs["hook_cms"]`: a key)."""
    if site.role != PARAMETER or not site.functions:
        return []
    start, end = site.functions[0]
    content = change.content
    made = [*change.earlier, (change.start, change.after_end)]
    candidates = []
    for match in name_matches(content[start:end], rename.old):
        at, stop = start + match.start(), start + match.end()
        if not names.in_text(at) or any(lo <= at < hi for lo, hi in made):
            continue
        if content[at - 1 : at] in ("'", '"') and content[stop : stop + 1] == content[at - 1]:
            continue
        edit = TextEdit(index.span(at, stop), rename.old, rename.new)
        candidates.append(Candidate(edit.span, RENAME, MENTION_SCORE, edit))
    return candidates


def _declares(site: Occurrence) -> bool:
    """A name renamed along with other changes is renamed where it is declared (`def f(a)`
    to `def g(a, b)`); elsewhere it is rather one call switched for another."""
    return site.role in BINDINGS
