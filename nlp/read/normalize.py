"""Text normalisation shared by every stage: one place that decides what 'the same label' means."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

_T2S = OpenCC("t2s")
_SPACE_RE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "‘": "'", "’": "'"})
_ENUM_SEP = str.maketrans({"、": ".", "．": ".", "，": ",", "：": ":", "；": ";"})


def nfkc(text: str) -> str:
    """NFKC folds full-width digits, letters and brackets to ASCII (（一）→(一), ０→0)."""
    return unicodedata.normalize("NFKC", text)


def clean_spaces(text: str) -> str:
    """Map non-breaking, ideographic and zero-width spaces to ordinary spaces."""
    return text.replace("\u00a0", " ").replace("\u3000", " ").replace("\u200b", "")


# Indentation a crawler could not encode (ideographic or non-breaking spaces written out as "?"):
# "??一、总体情况". No line of a report starts with a question mark.
_LOST_INDENT_RE = re.compile(r"^\s*\?+\s*(?=[^\s?])")


def drop_lost_indent(line: str) -> str:
    """A line without the question marks that stand for its lost indentation."""
    return _LOST_INDENT_RE.sub("", line)


@lru_cache(maxsize=65536)
def to_simplified(text: str) -> str:
    return _T2S.convert(text)


def is_traditional(text: str, sample: int = 3000) -> bool:
    """True when a clear share of the Han characters change under traditional → simplified."""
    han = [ch for ch in text[: sample * 3] if "\u4e00" <= ch <= "\u9fff"][:sample]
    if len(han) < 8:
        return False
    changed = sum(1 for ch in han if to_simplified(ch) != ch)
    return changed / len(han) > 0.05


# Characters PDF text layers print in place of ordinary ones: Kangxi and supplementary radicals
# (⼯ U+2F2F for 工) and CJK compatibility ideographs. NFKC maps exactly these back; it is applied to
# them alone so that the text keeps its full-width punctuation and circled enumerators (①).
_RADICAL_RE = re.compile(r"[\u2e80-\u2fdf\uf900-\ufaff]")
# A space a PDF or a crawler put inside Chinese words or between a number and its unit:
# "2024 年", "政 府 信 息". Spaces between digits stay (they separate table cells).
_CJK = r"\u4e00-\u9fff"
_INNER_SPACE_RE = re.compile(
    rf"(?<=[{_CJK}\d%])[ \t\u00a0\u3000]+(?=[{_CJK}])|(?<=[{_CJK}])[ \t\u00a0\u3000]+(?=[\d])"
)


def reading_form(text: str) -> str:
    """The one form every entry point gives a paragraph (readers, `label`, `train`, `evaluate`):
    simplified characters, radicals mapped back to their characters, no spaces inside words."""
    text = _RADICAL_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    if is_traditional(text):
        text = drop_pinyin_glosses(to_simplified(text))
    return _INNER_SPACE_RE.sub("", text).strip()


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The matching form of a label: NFKC, simplified, no whitespace, one quote and separator form."""
    text = _SPACE_RE.sub("", nfkc(text))
    text = to_simplified(text).translate(_QUOTES).translate(_ENUM_SEP)
    return text.rstrip(":")


_PINYIN_GLOSS_RE = re.compile(r"\((?:[a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+)\)")


def drop_pinyin_glosses(text: str) -> str:
    """Mirror sites gloss characters with pinyin: '标(biāo)题' → '标题'."""
    return _PINYIN_GLOSS_RE.sub("", text)
