"""``python -m model serve`` argument handling: models by tier, expert settings, clear refusals."""

import pytest

from model.__main__ import _configs, _parser, main
from model.errors import ExpertCountError, ModelConfigError, ModelFileError

from .test_gguf_meta import write_tiny_gguf


def configs(*argv):
    return _configs(_parser().parse_args(["serve", *argv]))


def test_it_serves_several_models_by_tier_and_applies_expert_settings_only_to_the_moe(tmp_path):
    dense = write_tiny_gguf(tmp_path / "dense-a.gguf")
    moe = write_tiny_gguf(tmp_path / "moe-b.gguf", expert_count=4, expert_used_count=2)
    server, models = configs(
        "--model",
        "small",
        str(dense),
        "--model",
        "large",
        str(moe),
        "--experts",
        "2",
        "--allowed-experts",
        "1",
    )
    assert [(m.name, m.tier) for m in models] == [("dense-a", "small"), ("moe-b", "large")]
    assert (models[0].expert_used_count, models[0].allowed_expert_counts) == (None, ())
    assert (models[1].expert_used_count, models[1].allowed_expert_counts) == (2, (1,))
    assert models[0].licence == "unknown" and models[0].sha256 is None
    assert server.n_parallel == 4


def test_it_serves_the_packaged_smollm2_as_small_by_default():
    _, models = configs()
    assert [(m.name, m.tier) for m in models] == [("smollm2", "small")]
    assert models[0].licence == "Apache-2.0" and len(models[0].sha256) == 64


def test_it_refuses_an_expert_count_the_moe_does_not_have(tmp_path):
    moe = write_tiny_gguf(tmp_path / "m.gguf", expert_count=4, expert_used_count=2)
    with pytest.raises(ExpertCountError):
        configs("--model", "large", str(moe), "--experts", "8")


def test_it_refuses_an_unknown_tier_and_a_model_served_twice(tmp_path):
    dense = write_tiny_gguf(tmp_path / "d.gguf")
    with pytest.raises(ModelConfigError, match="tier must be one of small, large"):
        configs("--model", "medium", str(dense))
    with pytest.raises(ModelConfigError, match="configured twice"):
        configs("--model", "small", str(dense), "--model", "large", str(dense))


def test_it_says_to_run_install_when_an_answer_model_is_missing(tmp_path, capsys):
    with pytest.raises(ModelFileError, match="run scripts/install"):
        configs("--model-dir", str(tmp_path), "--model", "large", "qwen2.5-coder-1.5b-instruct")
    assert (
        main(["serve", "--model-dir", str(tmp_path), "--model", "small", "qwen2.5-coder-0.5b-instruct"]) == 2
    )
    assert "qwen2.5-coder-0.5b-instruct is not assembled yet: run scripts/install" in capsys.readouterr().err
