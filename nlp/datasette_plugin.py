"""Datasette plugin (entry point `xxgk`): the SQL function jieba_match(words), which segments a
Chinese query with jieba into an FTS5 expression, as `xxgk search` does — so the canned
searches of `xxgk serve` find 未收到申请 in text indexed as 未 收到 申请."""

from __future__ import annotations

import sqlite3

from datasette import hookimpl

from nlp.segment import match_expression


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("jieba_match", 1, lambda words: match_expression(words or ""), deterministic=True)
