"""The saga kinds that roll back their own way, for ``recover`` and ``undo``: the one place
that knows both the generic recovery and the git hook."""

from __future__ import annotations

from codesaga.saga.hook import roll_back_hook
from codesaga.saga.recovery import Compensator, Compensators

COMPENSATORS: Compensators = {
    # The commit the hook ran for never happened: put everything back as before it.
    "hook": Compensator(
        roll_back_hook,
        recovered="rolled back: the files and the index are as before the commit",
        not_undoable="is a pre-commit hook's: its changes went into a commit; use `git revert` "
        "(or `git commit --amend`) to take them back",
    ),
}
