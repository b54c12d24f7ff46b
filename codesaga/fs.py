"""The file system, safely (a bottom layer: every other one may use it): CodeSaga's own
private directories, reading a user's source file, writing it back atomically, and locks.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import secrets
import stat
import tempfile
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

from codesaga.domain.errors import CodeSagaError, InputError
from codesaga.domain.source import check_size, decode_source, keep_bom


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


# -- a user's files ------------------------------------------------------------------------


def check_file(path: Path) -> None:
    """Raise ``InputError`` saying why ``path`` is no file to read: missing, a directory,
    a name too long, a folder on the way not ours to read..."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:  # Path.exists() let these through as tracebacks
        raise InputError(f"{path}: {exc.strerror or exc}") from None
    if stat.S_ISDIR(mode):
        raise InputError(f"{path} is a directory; give a file")
    if not stat.S_ISREG(mode):
        raise InputError(f"{path} is not a regular file")
    _check_link_stays_in_repository(path)


def distinct_files(paths: Iterable[Path]) -> list[Path]:
    """``paths`` with each file once, as first named: a file named twice (a link to it,
    `x/../a.py`, `./a.py`) is one file."""
    distinct: dict[Path, Path] = {}
    for path in paths:
        distinct.setdefault(path.resolve(), path)
    return list(distinct.values())


def _check_link_stays_in_repository(path: Path) -> None:
    """Refuse a path through a link that leads out of the git work tree the link stands in:
    a cloned repository's `src/helpers.py -> ../../.bashrc` had `refactor src/*.py --apply`
    send the user's dotfile to the model and write the answer over it. The path is walked
    as the kernel walks it, a part at a time (`lib/../x` goes through `lib` first, and a
    `.git` behind a link to another work tree is not this one's). A target named itself is
    read as usual: then the user chose it."""
    whole = path if path.is_absolute() else Path(os.getcwd()) / path
    here = Path(whole.anchor)
    for part in whole.parts[1:]:
        if part == "..":
            here = here.parent
            continue
        step = here / part
        if not step.is_symlink():
            here = step
            continue
        target = step.resolve()
        top = _work_tree_of(here)
        if top is not None and not target.is_relative_to(top):
            raise InputError(
                f"{path} goes through the link {step} to {target}, outside its repository "
                f"{top}: give the target's path itself to work on it"
            )
        here = target


def _work_tree_of(directory: Path) -> Path | None:
    """The git work tree ``directory`` (a path without links) lies in, or None."""
    return next((d for d in (directory, *directory.parents) if (d / ".git").exists()), None)


def read_source(path: Path, max_bytes: int) -> tuple[str, bytes]:
    """The file's text and its raw bytes (to detect a change before writing back)."""
    check_file(path)
    try:
        check_size(path.stat().st_size, str(path), max_bytes)  # before reading it all
        data = path.read_bytes()
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    return decode_source(data, str(path), max_bytes), data


def project_reader(
    root: Path, max_bytes: int, exclude: Collection[Path] = ()
) -> Callable[[str], str | None]:
    """Reads a text file named relative to ``root`` (or absolutely) if it lies inside
    ``root``, is at most ``max_bytes`` and is not one of ``exclude``; None for anything else
    (outside the project, a link out of it, or what ``read_source`` refuses: missing, too
    large, binary, not UTF-8). For the files an error message names."""
    top = root.resolve()
    excluded = {p.resolve() for p in exclude}

    def read(name: str) -> str | None:
        try:
            path = (top / name).resolve()
            if not path.is_relative_to(top) or path in excluded:
                return None
            return read_source(path, max_bytes)[0]
        except (CodeSagaError, OSError, ValueError):
            return None

    return read


def fsync_dir(path: Path) -> None:
    """Make a rename in ``path`` durable."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    path: Path, text: str, *, expected: bytes | None = None, mode: int | None = None
) -> None:
    """Replace ``path`` with ``text`` (UTF-8) so that a crash leaves the old or the new file.

    The file keeps its permissions (a new one gets what the umask gives) unless ``mode`` is
    given, which applies whatever the umask. With ``expected``, refuses (``InputError``) when
    the file no longer holds those bytes: the user edited it while we worked, and their edit
    wins.
    """
    if expected is not None:
        text = keep_bom(expected, text)  # the text was read without it
    write_bytes_atomic(path, text.encode("utf-8"), expected=expected, mode=mode)


def write_bytes_atomic(
    path: Path, data: bytes, *, expected: bytes | None = None, mode: int | None = None
) -> None:
    """``write_atomic`` for bytes: what restores a file byte for byte. A symlink stays one:
    the file it points at is written (a rename over the link would replace it with a copy)."""
    if path.is_symlink():
        path = path.resolve()
    try:
        before: os.stat_result | None = path.stat()
    except FileNotFoundError:
        before = None
    if expected is not None and path.read_bytes() != expected:
        raise _changed_meanwhile(path)
    group = before.st_gid if before is not None else None
    if mode is None:
        mode = before.st_mode & 0o7777 if before is not None else _new_file_mode()
    # mkstemp creates the file 0600: nobody else can read it before the chmod
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".codesaga", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if group is not None and group != os.stat(tmp).st_gid:
            # A shared repository's file keeps its group (the new file got the user's);
            # one we may not give it to stays ours, as a new file would.
            with contextlib.suppress(PermissionError):
                os.chown(tmp, -1, group)
        os.chmod(tmp, mode)
        if expected is not None and before is not None and _stamp(path) != _stamp(before):
            # Saved (an editor's autosave) while the new bytes were written and synced: the
            # check above is tens of milliseconds old, this one microseconds.
            raise _changed_meanwhile(path)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def _new_file_mode() -> int:
    """The mode ``open`` gives a new file: 0666 less the umask (a new file was 0644 always, an
    exported chat readable by all under a 077 umask). Read where Linux tells it, else by the
    umask call, which sets it too and so is not for threads."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return 0o666 & ~int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def _stamp(file: Path | os.stat_result) -> tuple[int, ...]:
    """What a write to a file changes in its status: which file it is, its size and times
    (a file gone has none)."""
    try:
        st = file.stat() if isinstance(file, Path) else file
    except FileNotFoundError:
        return ()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _changed_meanwhile(path: Path) -> InputError:
    return InputError(
        f"{path} changed while CodeSaga was working; nothing was written, run the command again"
    )


def write_link_atomic(path: Path, target: str) -> None:
    """Make ``path`` a symbolic link to ``target`` in one rename (what a rollback puts back
    of a link): the temp link is named as ``write_bytes_atomic`` names its temp files, so
    ``remove_stale_temps`` finds one a crash left."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.codesaga")
    os.symlink(target, temp)
    try:
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def remove_stale_temps(path: Path) -> list[Path]:
    """Remove what a ``write_atomic`` of ``path`` killed midway left beside it (its temp
    file, named as only that write names it); returns what was removed."""
    pattern = re.compile(rf"\.{re.escape(path.name)}\.[A-Za-z0-9_]{{8}}\.codesaga")
    removed = []
    with contextlib.suppress(FileNotFoundError):
        for entry in path.parent.iterdir():
            if pattern.fullmatch(entry.name) and entry.is_file():
                entry.unlink(missing_ok=True)
                removed.append(entry)
    return removed


class FileLock:
    """An exclusive flock on a file, held until ``release`` or the process ends (so a
    crashed holder never leaves a stale lock)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self) -> bool:
        """Take the lock; False (at once) if another live process holds it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
