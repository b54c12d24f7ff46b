"""CodeSaga's own private directories (a bottom layer: every other one may use it)."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from codesaga.domain.errors import CodeSagaError


class UnsafeDirError(CodeSagaError):
    """A directory CodeSaga would keep private is not a directory or is someone else's."""


def private_dir(path: Path, *, tighten: bool = True) -> Path:
    """Create ``path`` and any missing parents as 0700 whatever the umask (``mkdir``'s
    ``parents=True`` would make them 0777 less the umask), and check the directory.

    An existing ``path`` must be a directory of this user's (else ``UnsafeDirError``: its
    owner could swap what we store there, pickles and config included); with ``tighten``
    its group and other permissions are removed. Existing parents are left as they are.
    """
    missing = [p for p in (path, *path.parents) if not p.exists()]
    for directory in reversed(missing):
        # made by another process meanwhile: checked below if it is ``path``
        with contextlib.suppress(FileExistsError):
            directory.mkdir(mode=0o700)
    st = path.lstat()
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeDirError(f"{path} is not a directory; remove it or point CodeSaga elsewhere")
    if st.st_uid != os.getuid():
        raise UnsafeDirError(
            f"{path} belongs to uid {st.st_uid}, not you (uid {os.getuid()}); refusing to use "
            "it. Set CODESAGA_HOME (or the CODESAGA_*_DIR for it) to a directory of your own"
        )
    if tighten and stat.S_IMODE(st.st_mode) & 0o077:
        path.chmod(0o700)
    return path
