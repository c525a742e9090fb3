"""Charts as inline SVG strings: the review pages open offline, so no chart library is loaded.

Text is escaped here; the templates insert the SVG as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#2f6fb0", "#e08a2c", "#4a9a5b", "#b5473a", "#7a5aa6", "#8c6d46", "#c8609a", "#6b7785")
_FONT = 'font-family="inherit" font-size="13"'


def bar_chart(
    title: str, bars: Sequence[tuple[str, int]], colour: str = PALETTE[0], label_width: int = 170
) -> str:
    """Horizontal bars, one per (label, value), the value printed at the end of each bar."""
    row, width = 26, 560
    plot = width - label_width - 50
    top = max((v for _, v in bars), default=0) or 1
    height = 34 + row * max(len(bars), 1)
    parts = [
        f'<svg class="chart bar-chart" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="0" y="18" {_FONT} font-weight="bold" fill="#222">{escape(title)}</text>',
    ]
    if not bars:
        parts.append(f'<text x="0" y="48" {_FONT} fill="#777">（无数据）</text>')
    for i, (label, value) in enumerate(bars):
        y = 30 + i * row
        length = round(plot * value / top)
        parts += [
            f'<text x="{label_width - 8}" y="{y + 16}" {_FONT} text-anchor="end" fill="#333">{escape(label)}</text>',
            f'<rect class="bar" x="{label_width}" y="{y + 3}" width="{max(length, 1)}" height="{row - 8}"'
            f' rx="2" fill="{colour}"><title>{escape(label)}：{value}</title></rect>',
            f'<text x="{label_width + length + 6}" y="{y + 16}" {_FONT} fill="#333">{value}</text>',
        ]
    parts.append("</svg>")
    return "".join(parts)


def stacked_columns(
    title: str, categories: Sequence[str], series: Sequence[tuple[str, Sequence[int]]]
) -> str:
    """Vertical columns per category (e.g. years), each stacked from the series (e.g. levels),
    with a legend; every series has one value per category."""
    width, height, left, bottom, top_pad = 560, 300, 40, 40, 34
    plot_h = height - bottom - top_pad - 24
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    top = max(totals, default=0) or 1
    slot = (width - left - 10) / max(len(categories), 1)
    bar_w = min(48, slot * 0.6)
    base = height - bottom
    parts = [
        f'<svg class="chart column-chart" role="img" aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg"'
        f' width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f'<text x="0" y="18" {_FONT} font-weight="bold" fill="#222">{escape(title)}</text>',
        f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#999"/>',
    ]
    for i, category in enumerate(categories):
        x = left + slot * i + (slot - bar_w) / 2
        y = base
        for n, (name, values) in enumerate(series):
            if not values[i]:
                continue
            h = plot_h * values[i] / top
            y -= h
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}"'
                f' fill="{PALETTE[n % len(PALETTE)]}"><title>{escape(category)} {escape(name)}：{values[i]}</title></rect>'
            )
        parts += [
            f'<text x="{x + bar_w / 2:.1f}" y="{y - 5:.1f}" {_FONT} text-anchor="middle" fill="#333">{totals[i]}</text>',
            f'<text x="{x + bar_w / 2:.1f}" y="{base + 18}" {_FONT} text-anchor="middle" fill="#333">{escape(category)}</text>',
        ]
    x = left
    for n, (name, _) in enumerate(series):
        parts += [
            f'<rect x="{x}" y="{height - 14}" width="12" height="12" fill="{PALETTE[n % len(PALETTE)]}"/>',
            f'<text x="{x + 16}" y="{height - 3}" {_FONT} fill="#333">{escape(name)}</text>',
        ]
        x += 30 + 14 * len(name)
    parts.append("</svg>")
    return "".join(parts)
