"""Datasette plugin (entry point `xxgk`): the SQL function jieba_match(words), which segments a
Chinese query with jieba into an FTS5 expression, as `xxgk search` does — so the canned
searches of `xxgk serve` find 未收到申请 in text indexed as 未 收到 申请 — and coded values shown
by their Chinese names (乡镇（街道） for township), the code beside them on hover."""

from __future__ import annotations

import sqlite3

from datasette import hookimpl
from markupsafe import Markup, escape

from nlp.classify.segment import match_expression
from nlp.review.display import value_name


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    conn.create_function("jieba_match", 1, lambda words: match_expression(words or ""), deterministic=True)


@hookimpl
def render_cell(value: object, column: str, table: str | None) -> Markup | None:
    name = value_name(table or "", column, value)
    return None if name is None else Markup(f'<span title="{escape(value)}">{escape(name)}</span>')
