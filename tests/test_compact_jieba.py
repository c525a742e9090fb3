"""The compact dictionary segments exactly as jieba with its plain dict does, on real report text."""

from __future__ import annotations

import json
from pathlib import Path

import jieba
import pytest

from nlp.classify import compact_jieba
from nlp.classify.chinese import USER_DICT, tokenizer
from nlp.read.document import read_document, supported_suffixes
from tests.conftest import CORPUS


@pytest.fixture(scope="module")
def plain() -> jieba.Tokenizer:
    """jieba as it comes, with its dictionary and ours in a plain dict."""
    reference = jieba.Tokenizer()
    reference.initialize()
    with USER_DICT.open(encoding="utf-8") as handle:
        reference.load_userdict(handle)
    return reference


@pytest.fixture(scope="module")
def lines(shared: Path) -> list[str]:
    """Every line and table cell of the bundled corpus and the real documents, and every crawled page."""
    found: list[str] = []
    paths = sorted(CORPUS.glob("*.txt")) + sorted(
        p for p in (shared / "realdocs").iterdir() if p.suffix.lower() in supported_suffixes()
    )
    for path in paths:
        for block in read_document(path).blocks:
            found += [block.text, *(cell for row in block.rows for cell in row)]
    with (shared / "corpus" / "pages.jsonl").open(encoding="utf-8") as pages:
        found += [json.loads(line)["text"] for line in pages]
    return [text for text in found if text.strip()]


@pytest.mark.parametrize("hmm", [False, True])
def test_same_words_as_plain_jieba(plain: jieba.Tokenizer, lines: list[str], hmm: bool) -> None:
    assert len(lines) > 4000
    compact = tokenizer()
    assert [compact.lcut(text, HMM=hmm) for text in lines] == [plain.lcut(text, HMM=hmm) for text in lines]


def test_other_modes_and_the_dictionary(plain: jieba.Tokenizer, lines: list[str]) -> None:
    compact = tokenizer()
    some = lines[::10]
    assert [compact.lcut(t, cut_all=True) for t in some] == [plain.lcut(t, cut_all=True) for t in some]
    assert [compact.lcut_for_search(t) for t in some] == [plain.lcut_for_search(t) for t in some]
    assert compact.total == plain.total
    assert len(compact.FREQ) == len(plain.FREQ)
    for word in ("政府信息公开", "依申请公开", "三安全一稳定", "政务", "政府信", "公开"):
        assert compact.FREQ[word] == plain.FREQ[word]
        assert dict(compact.get_DAG(word)) == plain.get_DAG(word)
    assert compact.FREQ.get("並非一詞") is None
    with pytest.raises(TypeError, match="fixed"):
        compact.add_word("新词")


def test_cache_file_is_built_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compact_jieba.tempfile, "tempdir", str(tmp_path))
    built = compact_jieba.compact_tokenizer(USER_DICT)
    assert len(list(tmp_path.glob("xxgk-jieba-*.trie"))) == 1
    monkeypatch.setattr(compact_jieba, "_build", None)
    again = compact_jieba.compact_tokenizer(USER_DICT)
    text = "本机关全年主动公开政府信息1234条，收到政府信息公开申请5件。"
    assert again.lcut(text, HMM=False) == built.lcut(text, HMM=False) == tokenizer().lcut(text, HMM=False)


def test_a_damaged_cache_file_is_built_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compact_jieba.tempfile, "tempdir", str(tmp_path))
    compact_jieba.compact_tokenizer(USER_DICT)
    (cache,) = tmp_path.glob("xxgk-jieba-*.trie")
    whole = cache.read_bytes()
    for damaged in (whole[: len(whole) // 2], whole[:10], b"\0" * 24 + whole[24:1000]):
        cache.write_bytes(damaged)
        rebuilt = compact_jieba.compact_tokenizer(USER_DICT)
        assert rebuilt.lcut("依申请公开政府信息", HMM=False) == ["依申请公开", "政府信息"]
        assert cache.read_bytes() == whole
