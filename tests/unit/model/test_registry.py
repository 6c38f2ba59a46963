import hashlib
import os
import re

import pytest

from model.errors import ModelConfigError, ModelFileError
from model.registry import (
    MOE_FILENAME,
    QWEN_LARGE_NAME,
    QWEN_SMALL_NAME,
    SPECS,
    assembled_specs,
    get_spec,
    resolve_model,
    stamped_sha256,
    write_stamp,
)


@pytest.mark.parametrize("spec", assembled_specs(), ids=lambda s: s.name)
def test_the_parts_of_each_assembled_model_add_up_to_the_official_size(spec):
    assert sum(p.size_bytes for p in spec.parts) == spec.size_bytes
    assert [p.member.rsplit("/", 1)[-1] for p in spec.parts] == [
        f"part{i:02d}.bin" for i in range(1, len(spec.parts) + 1)
    ]
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in [spec.sha256, *(p.sha256 for p in spec.parts)])


def test_it_holds_the_official_qwen_sizes_and_hashes():
    small, large = get_spec(QWEN_SMALL_NAME), get_spec(QWEN_LARGE_NAME)
    assert (small.size_bytes, small.sha256, len(small.parts)) == (
        491_400_064,
        "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        6,
    )
    assert (large.size_bytes, large.sha256, len(large.parts)) == (
        1_117_320_768,
        "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        22,
    )
    assert {s.architecture for s in SPECS.values()} == {"dense", "moe"}
    assert all(s.licence.startswith("Apache-2.0") for s in SPECS.values())


def test_it_rejects_unknown_names():
    with pytest.raises(ModelConfigError, match="known: qwen2.5-coder-0.5b-instruct"):
        get_spec("gpt-4")
    with pytest.raises(ModelConfigError, match="neither a registry name"):
        resolve_model("gpt-4")


def test_it_tells_to_run_install_when_a_qwen_file_is_missing(tmp_path):
    with pytest.raises(ModelFileError, match="not assembled yet: run scripts/install"):
        resolve_model(QWEN_LARGE_NAME, tmp_path)


def test_it_refuses_a_qwen_file_without_a_matching_stamp(tmp_path):
    spec = get_spec(QWEN_SMALL_NAME)
    path = tmp_path / spec.filename
    path.write_bytes(b"GGUF not the real thing")
    with pytest.raises(ModelFileError, match="not verified against the official sha256"):
        resolve_model(QWEN_SMALL_NAME, tmp_path)
    write_stamp(path, spec.sha256)  # as model.assemble does after checking the bytes
    resolved = resolve_model(QWEN_SMALL_NAME, tmp_path)
    assert (resolved.path, resolved.sha256, resolved.licence) == (path, spec.sha256, "Apache-2.0")


def test_a_stamp_goes_stale_when_the_file_changes(tmp_path):
    path = tmp_path / "m.gguf"
    path.write_bytes(b"one")
    write_stamp(path, "a" * 64)
    assert stamped_sha256(path) == "a" * 64
    path.write_bytes(b"two!")
    assert stamped_sha256(path) is None
    write_stamp(path, "b" * 64)
    os.utime(path, ns=(1, 1))
    assert stamped_sha256(path) is None


def test_it_hashes_the_built_moe_once_and_stamps_it(tmp_path):
    with pytest.raises(ModelFileError, match="run scripts/install"):
        resolve_model("smollm2-moe", tmp_path)
    (tmp_path / MOE_FILENAME).write_bytes(b"moe bytes")
    resolved = resolve_model("smollm2-moe", tmp_path)
    assert resolved.sha256 == hashlib.sha256(b"moe bytes").hexdigest()
    assert stamped_sha256(tmp_path / MOE_FILENAME) == resolved.sha256


def test_it_gives_smollm2_the_hash_its_wheel_records():
    resolved = resolve_model("smollm2")
    assert resolved.path.name == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert resolved.sha256 is not None and re.fullmatch(r"[0-9a-f]{64}", resolved.sha256)


def test_it_serves_a_local_gguf_by_path_with_what_is_known(tmp_path):
    path = tmp_path / "My Model Q4.gguf"
    path.write_bytes(b"GGUF")
    resolved = resolve_model(str(path), tmp_path)
    assert (resolved.name, resolved.licence, resolved.sha256) == ("my-model-q4", "unknown", None)
    with pytest.raises(ModelFileError, match="no such file"):
        resolve_model(str(tmp_path / "absent.gguf"))
