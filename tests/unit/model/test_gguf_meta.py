import numpy as np
import pytest

from model.errors import ExpertCountError, ModelFileError
from model.gguf_meta import check_expert_count, read_gguf_info


def write_tiny_gguf(path, expert_count=0, expert_used_count=0, arch="llama"):
    import gguf

    writer = gguf.GGUFWriter(path, arch)
    writer.add_name("tiny")
    writer.add_context_length(256)
    writer.add_block_count(1)
    if expert_count:
        writer.add_expert_count(expert_count)
        writer.add_expert_used_count(expert_used_count)
    writer.add_tensor("token_embd.weight", np.zeros((8, 4), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_it_reads_metadata_of_a_dense_model(tmp_path):
    info = read_gguf_info(write_tiny_gguf(tmp_path / "d.gguf"))
    assert (info.architecture, info.name, info.context_length, info.block_count) == ("llama", "tiny", 256, 1)
    assert (info.expert_count, info.is_moe, info.tensor_count) == (0, False, 1)


def test_it_reads_expert_counts_of_a_moe_model(tmp_path):
    info = read_gguf_info(write_tiny_gguf(tmp_path / "m.gguf", expert_count=4, expert_used_count=2))
    assert (info.expert_count, info.expert_used_count, info.is_moe) == (4, 2, True)


def test_it_rejects_a_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        read_gguf_info(tmp_path / "nope.gguf")


def test_it_rejects_a_file_that_is_not_gguf(tmp_path):
    path = tmp_path / "x.gguf"
    path.write_bytes(b"<html>not a model</html>")
    with pytest.raises(ModelFileError, match="not a GGUF"):
        read_gguf_info(path)


@pytest.mark.parametrize("keep", [10, 100, -8])
def test_it_rejects_a_truncated_file(tmp_path, keep):
    path = write_tiny_gguf(tmp_path / "t.gguf")
    path.write_bytes(path.read_bytes()[:keep])
    with pytest.raises(ModelFileError):
        read_gguf_info(path)


def test_it_rejects_a_directory(tmp_path):
    with pytest.raises(ModelFileError, match="not a regular file"):
        read_gguf_info(tmp_path)


def test_it_rejects_more_active_experts_than_the_file_has(tmp_path):
    info = read_gguf_info(write_tiny_gguf(tmp_path / "m.gguf", expert_count=4, expert_used_count=2))
    assert check_expert_count(info, 4) == 4
    assert check_expert_count(info, None) is None
    with pytest.raises(ExpertCountError) as excinfo:
        check_expert_count(info, 5)
    assert (excinfo.value.requested, excinfo.value.available) == (5, 4)
    with pytest.raises(ExpertCountError):
        check_expert_count(info, 0)


def test_it_rejects_experts_for_a_dense_model_except_one(tmp_path):
    info = read_gguf_info(write_tiny_gguf(tmp_path / "d.gguf"))
    assert check_expert_count(info, 1) is None
    with pytest.raises(ExpertCountError):
        check_expert_count(info, 2)
