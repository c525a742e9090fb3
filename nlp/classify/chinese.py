"""Chinese text processing shared by the classifier and the claims: jieba with the domain
dictionary (nlp/data/userdict.txt), so that 依申请公开, 政务新媒体, 三安全一稳定 … stay whole, and
spaCy's Chinese language class segmenting with that same jieba, for sentences and Matcher rules.
jieba's dictionary is held compactly (nlp/classify/compact_jieba.py): same words, a twentieth of the memory.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from importlib.resources import files
from typing import TYPE_CHECKING

from nlp.classify.compact_jieba import CompactTokenizer, compact_tokenizer

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc
    from spacy.vocab import Vocab

USER_DICT = files("nlp") / "data" / "userdict.txt"
SENTENCE_END = ("。", "；", ";", "！", "!", "？", "?")
_NON_WORD_RE = re.compile(r"[^\w+]+")


@cache
def tokenizer() -> CompactTokenizer:
    """jieba with its dictionary and ours, loaded once per process (spaCy's segmenter uses it too)."""
    return compact_tokenizer(USER_DICT)


def words(text: str) -> list[str]:
    """jieba words of a text; punctuation and whitespace only separate words.

    Module-level (not a lambda): the exported model names it (nlp.classify.scorer.ANALYZERS).
    """
    return list(_segmented(text))


@lru_cache(maxsize=1 << 14)
def _tokens(text: str) -> tuple[str, ...]:
    """jieba's tokens of a text, punctuation and spaces included. Segmentation is the costliest
    step of a report; the claims' spaCy documents, the classifier, the item splitter and the
    search index all ask for the same paragraphs, so each is segmented once."""
    return tuple(tokenizer().lcut(text, HMM=False))


@lru_cache(maxsize=1 << 14)
def _segmented(text: str) -> tuple[str, ...]:
    """The words of `_tokens`, split at anything that is not a word character."""
    found: list[str] = []
    for token in _tokens(text):
        if token.isalnum():  # most tokens: nothing to split
            found.append(token)
        else:
            found.extend(_NON_WORD_RE.sub(" ", token).split())
    return tuple(found)


def clear_segmentation_cache() -> None:
    """Forget segmented texts: after each report in a batch worker, and for measurements that
    must segment afresh."""
    _segmented.cache_clear()
    _tokens.cache_clear()


def search_words(text: str) -> list[str]:
    """Words for a full-text index: every word, preceded by its parts of two and three
    characters that are words themselves (政府信息公开 → 政府, 信息, 公开, …), as jieba's search
    mode does."""
    out: list[str] = []
    frequencies = tokenizer().FREQ
    for word in _segmented(text):
        for n in (2, 3):
            if len(word) > n:
                out.extend(
                    word[i : i + n] for i in range(len(word) - n + 1) if frequencies.get(word[i : i + n])
                )
        out.append(word)
    return out


class _CachedJiebaTokenizer:
    """spaCy's jieba tokenizer, reading the segmentation the rest of the pipeline shares."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Doc:
        from spacy.tokens import Doc
        from spacy.util import get_words_and_spaces

        tokens, spaces = get_words_and_spaces([t for t in _tokens(text) if not t.isspace()], text)
        return Doc(self.vocab, words=tokens, spaces=spaces)


@cache
def chinese_nlp() -> Language:
    """spaCy Chinese segmenting with our jieba, and a sentencizer at 。；！？."""
    from spacy.lang.zh import Chinese  # imported here: classifying paragraphs does not need spaCy

    tokenizer()  # loaded now, not inside the first document's timing
    nlp = Chinese.from_config({"nlp": {"tokenizer": {"segmenter": "char"}}})
    nlp.tokenizer = _CachedJiebaTokenizer(nlp.vocab)
    nlp.add_pipe("sentencizer", config={"punct_chars": list(SENTENCE_END)})
    return nlp
