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
