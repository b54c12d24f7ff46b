"""The models directory: what is installed, verified markers, atomic installs, removal."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from codesaga.domain.errors import UsageError
from codesaga.fs import fsync_dir
from codesaga.model_files.presets import PRESETS, Preset

HASH_CHUNK = 1 << 20


def sha256_file(path: Path, hasher: hashlib._Hash | None = None, limit: int | None = None) -> str:
    h = hasher or hashlib.sha256()
    remaining = limit
    with path.open("rb") as f:
        while remaining is None or remaining > 0:
            chunk = f.read(HASH_CHUNK if remaining is None else min(HASH_CHUNK, remaining))
            if not chunk:
                break
            h.update(chunk)
            if remaining is not None:
                remaining -= len(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class InstalledModel:
    name: str  # preset name, or the file stem for a model that is not a preset
    path: Path
    size: int
    sha256: str | None
    preset: Preset | None


class ModelStore:
    """Installed models live in one directory as ``NAME.gguf`` plus a ``.NAME.gguf.verified``
    marker recording the size, mtime and sha256 we checked, so re-checking is instant."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, preset: Preset) -> Path:
        return self.root / preset.filename

    def partial_path(self, filename: str) -> Path:
        return self.root / f".{filename}.partial"

    @contextlib.contextmanager
    def writing(self, filename: str) -> Iterator[None]:
        """Held while ``filename`` is pulled or removed; another process waits its turn. Two
        pulls of one model at once appended to one partial file, and the first to finish
        renamed it into place while the other went on writing into the installed model."""
        fd = os.open(self.root / f".{filename}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def protect(self, fd: int) -> None:
        """Make the file at ``fd`` 0600 whatever the umask (under umask 000 a model was 0666,
        a file any local user could change), or 0644 in a models dir others may read (one
        shared on purpose: the models are for them too). A filesystem without modes (vfat)
        keeps its own."""
        try:
            shared = os.stat(self.root).st_mode & 0o077
            os.fchmod(fd, 0o644 if shared else 0o600)
        except OSError:
            pass

    def _marker(self, path: Path) -> Path:
        return path.with_name(f".{path.name}.verified")

    def verified_sha256(self, path: Path) -> str | None:
        """The recorded sha256 if the file is unchanged since it was verified, else None."""
        try:
            st = path.stat()
            data = json.loads(self._marker(path).read_text())
        except (OSError, ValueError):
            return None
        if data.get("size") == st.st_size and data.get("mtime_ns") == st.st_mtime_ns:
            sha = data.get("sha256")
            return sha if isinstance(sha, str) else None
        return None

    def is_installed(self, preset: Preset) -> bool:
        path = self.path_for(preset)
        sha = self.verified_sha256(path)
        return sha is not None and (preset.sha256 is None or sha == preset.sha256)

    def install(self, tmp: Path, filename: str, sha256: str) -> Path:
        """Move a fully written, verified temp file into place and record the verification.

        A rename never touches the inode a running daemon may have mapped.
        """
        final = self.root / filename
        os.replace(tmp, final)
        st = final.stat()
        marker = self._marker(final)
        marker_tmp = marker.with_name(marker.name + ".tmp")
        fd = os.open(marker_tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            self.protect(out.fileno())
            json.dump({"size": st.st_size, "mtime_ns": st.st_mtime_ns, "sha256": sha256}, out)
        os.replace(marker_tmp, marker)
        fsync_dir(self.root)
        return final

    def installed(self) -> Iterator[InstalledModel]:
        if not self.root.is_dir():
            return
        by_file = {p.filename: p for p in PRESETS.values()}
        for path in sorted(self.root.glob("*.gguf")):
            preset = by_file.get(path.name)
            try:
                size = path.stat().st_size
            except OSError:  # a link to a drive not mounted, a file removed meanwhile
                continue
            yield InstalledModel(
                preset.name if preset else path.stem,
                path,
                size,
                self.verified_sha256(path),
                preset,
            )

    def find(self, name: str) -> InstalledModel | None:
        return next((m for m in self.installed() if name in (m.name, m.path.name)), None)

    def remove(self, name: str) -> list[Path]:
        """Delete an installed model and any partial download of it; return what was removed."""
        preset = PRESETS.get(name)
        found = self.find(name)
        filename = preset.filename if preset else (found.path.name if found else name)
        if not filename.endswith(".gguf"):
            # A model's name, never a file of another kind that is there (a shared models
            # folder's notes, the lock files): those went by their name.
            filename += ".gguf"
        if filename.startswith(".") or Path(filename).name != filename:
            # Only a name in the models directory: never a path (`models load` takes one)
            # that would delete a file elsewhere.
            raise UsageError(
                f"{name!r} is not the name of an installed model; `codesaga models list` "
                "shows them (a model loaded from a path is not removed by CodeSaga)"
            )
        if not self.root.is_dir():
            return []  # nothing installed: no lock to make in a folder that is not there
        with self.writing(filename):
            return self._remove(filename)

    def _remove(self, filename: str) -> list[Path]:
        removed = []
        for path in (
            self.root / filename,
            self._marker(self.root / filename),
            self.partial_path(filename),
        ):
            if path.exists():
                path.unlink()
                removed.append(path)
        return removed
