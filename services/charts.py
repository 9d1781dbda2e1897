"""Bar charts drawn on the server as inline SVG (no chart script: the
pages' CSP allows none). The geometry is computed here; the template only
writes it out. Every chart stands beside a table with the same figures."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
LABEL_HEIGHT = 16
BAR_HEIGHT = 14
ROW_GAP = 10
VALUE_SPACE = 60
MAX_LABEL = 80


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    y: int
    bar_y: int
    width: int
    value_x: int


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: list[Bar]
    width: int
    height: int


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1] + "…"


def bar_chart(*, title: str, bars: list[tuple[str, int]]) -> BarChart | None:
    """Horizontal bars, each with its label above it and its value after
    it; ``None`` when there is nothing to draw."""
    if not bars or not any(value for _label, value in bars):
        return None
    top = max(value for _label, value in bars)
    room = WIDTH - VALUE_SPACE
    step = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP
    drawn = []
    for i, (label, value) in enumerate(bars):
        width = round(room * value / top) if top else 0
        y = i * step
        drawn.append(
            Bar(
                label=_short(label),
                value=value,
                y=y + LABEL_HEIGHT - 4,
                bar_y=y + LABEL_HEIGHT,
                width=max(width, 1) if value else 0,
                value_x=width + 6,
            )
        )
    return BarChart(title=title, bars=drawn, width=WIDTH, height=len(bars) * step)
