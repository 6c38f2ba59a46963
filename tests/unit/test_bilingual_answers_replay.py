"""bench.bilingual_answers --retranslate: saved English drafts translated again without drafting
them again (issue 14), so an answer-translation change is measured on the same drafts."""

from bench.bilingual_answers import Answered, CachedGenerate, retranslate
from retrieval.prompt import NOT_FOUND


class Fake:
    """The 0.5B translator's stand-in: a fixed reply per sentence, counting calls."""

    def __init__(self, replies):
        self.replies = replies
        self.calls = 0

    def __call__(self, messages, max_tokens, stop):
        self.calls += 1
        return self.replies[messages[-1]["content"]]


def _row(variant, draft, **extra):
    return Answered(
        "ze20", "dev", "zh-en", variant, "0.5b", "旧译文[1]。", 0.0, True, False, [1], 1.0, 1.0, 2.0,
        draft=draft, **extra,
    )  # fmt: skip


SOURCE = "Battery lights flash when the runtime remaining is less than two minutes."


def test_a_saved_draft_is_translated_again_and_scored_on_the_new_text():
    sentence = "The lights flash when the runtime remaining is less than two minutes"
    draft = f"{sentence} [1]."
    model = Fake({sentence: "当剩余时间少于两分钟时灯闪烁", "runtime remaining": "剩余时间"})
    saved = _row("zh-a", draft, sources={"1": SOURCE})
    (out,) = retranslate([saved], search=None, llms={"0.5b": CachedGenerate(model)}, terms=2)
    assert out.text == "当剩余时间（runtime remaining）少于两分钟时灯闪烁[1]。"
    assert out.facts == 1.0  # ze20's key fact is "runtime"
    assert out.terms == ["runtime remaining"] and out.placed == 1 and out.draft == draft
    (off,) = retranslate([saved], search=None, llms={"0.5b": CachedGenerate(model)}, terms=0)
    assert off.text == "当剩余时间少于两分钟时灯闪烁[1]。" and off.facts == 0.0


def test_rows_without_a_draft_to_translate_are_kept_as_saved():
    rows = [_row("en", ""), _row("zh-a", NOT_FOUND), _row("zh-a", "(no translation)")]
    assert list(retranslate(rows, search=None, llms={}, terms=2)) == rows


def test_the_same_sentence_is_translated_once_across_settings():
    model = Fake({"Hello": "你好"})
    cached = CachedGenerate(model)
    for _ in range(3):
        assert cached([{"role": "user", "content": "Hello"}], max_tokens=8, stop=["\n"]) == "你好"
    assert model.calls == 1
