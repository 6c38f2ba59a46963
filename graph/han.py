"""Words of Han-script text, for the graph's term matching (diagnosis seeds, ranks and excerpts).

Chinese is written without spaces, so the Latin word pattern finds nothing in "泵 过热 报警" and a
Chinese complaint matched no chain and no passage. jieba cuts each Han run into words
("轴承过热" -> 轴承 / 过热), the unit an English word plays; its dictionary is built on the first
Chinese text only (about a second), never at import.
"""

from __future__ import annotations

import functools
import logging
import re

HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")
# One-character function words carry no content; a one-character noun (泵, 阀) stays a word.
_FUNCTION_WORDS = frozenset("的了和或与及在是为有把被将就都也时后前而并则其该此之不无会能可")
# Technicians' fault words jieba's general dictionary cuts apart (always, or before a following
# character such as 声), so a complaint and a fault table that both say 对中 (alignment) or 憋压
# (pressure build-up against a closed outlet) shared only one-character halves: 对 / 中, 憋 / 压,
# 掉 / 压 (pressure drop), 有啸 / 叫声 (whine), 窜 / 动 (axial play), 异 / 响声 (abnormal noise),
# 缺 / 相声 (phase loss), 堵 / 转 (stall), 泄 / 压声 (pressure relief).
TRADE_WORDS = ("对中", "憋压", "掉压", "啸叫", "窜动", "异响", "缺相", "堵转", "泄压")


def han_words(text: str) -> list[str]:
    """The content words of the Han-script runs of a text, in order (Latin words are not included).

    Args:
        text: any text.

    Returns:
        jieba's words of each Han run, function words left out; empty for text without Han script.
    """
    runs = HAN_RUN.findall(text)
    if not runs:
        return []
    tokenizer = _tokenizer()
    return [w for run in runs for w in tokenizer.lcut(run) if w not in _FUNCTION_WORDS]


@functools.cache
def _tokenizer():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    for word in TRADE_WORDS:
        # As common as an everyday word: at jieba's guess (a rare word) 有啸 / 叫声 still won.
        tokenizer.add_word(word, freq=2000)
    return tokenizer
