"""Chinese word segmentation for full-text search.

SQLite's FTS5 finds words by the spaces between them; Chinese has none, so paragraphs are stored
as jieba words joined by spaces, and a query is segmented the same way before it is matched.
"""

from __future__ import annotations

import re

from nlp.classify.chinese import search_words, tokenizer

_NOT_A_WORD = re.compile(r"^[\W_]+$")


def load_dictionary() -> None:
    """Load the dictionaries now rather than inside the first file's timing."""
    tokenizer()


def index_words(text: str) -> str:
    """The text as space-separated words; search mode adds the parts of long words (政府信息 → 政府, 信息)."""
    return " ".join(w for w in search_words(text) if not _NOT_A_WORD.match(w))


def query_words(query: str) -> list[str]:
    """The words of a query, cut as the search index cuts the text."""
    return [w for w in tokenizer().cut(query) if not _NOT_A_WORD.match(w)]


def match_expression(query: str) -> str:
    """An FTS5 MATCH expression that needs every word of the query, in any order."""
    return " AND ".join('"' + w.replace('"', '""') + '"' for w in query_words(query))
