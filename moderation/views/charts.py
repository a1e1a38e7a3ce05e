"""Charts as plain geometry for inline SVG (no JavaScript, no inline styles: CSP allows SVG
attributes, and colours come from CSS classes `series-0` .. `series-7`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

WIDTH = 720
HEIGHT = 200
LEFT = 36  # room for the y-axis labels
RIGHT = 28  # room for half of the last date label, which is centred under the last bar
BOTTOM = 22  # room for the dates
TOP = 8
LABEL_SLOTS = 6  # about this many date labels, whatever the period
SERIES_CLASSES = 8


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    css: str
    title: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    legend: list[dict] = field(default_factory=list)
    x_labels: list[dict] = field(default_factory=list)
    y_ticks: list[dict] = field(default_factory=list)
    baseline: float = 0
    left: int = LEFT
    total: int = 0

    @property
    def empty(self) -> bool:
        return self.total == 0


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return value


def stacked_bars(days: list[date], series: dict[str, dict[date, int]], labels: dict[str, str]) -> Chart:
    """One stacked bar per day, one colour per series (largest series first in the legend)."""
    order = sorted(series, key=lambda name: (-sum(series[name].values()), name))
    totals = [sum(series[name].get(day, 0) for name in order) for day in days]
    top = _nice_max(max(totals, default=0) or 1)
    plot_height = HEIGHT - TOP - BOTTOM
    slot = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    bar_width = max(slot * 0.75, 1)
    chart = Chart(width=WIDTH, height=HEIGHT, baseline=HEIGHT - BOTTOM, total=sum(totals))
    for index, day in enumerate(days):
        y = HEIGHT - BOTTOM
        for number, name in enumerate(order):
            count = series[name].get(day, 0)
            if not count:
                continue
            height = count / top * plot_height
            y -= height
            chart.bars.append(
                Bar(
                    x=round(LEFT + index * slot + (slot - bar_width) / 2, 2),
                    y=round(y, 2),
                    width=round(bar_width, 2),
                    height=round(height, 2),
                    css=f"series-{number % SERIES_CLASSES}",
                    title=f"{day.isoformat()}: {labels.get(name, name)} {count}",
                )
            )
    for index in label_indexes(len(days)):
        chart.x_labels.append({"x": round(LEFT + index * slot + slot / 2, 2), "text": date_label(days[index])})
    for fraction in (0, 0.25, 0.5, 0.75, 1):
        chart.y_ticks.append({"y": round(HEIGHT - BOTTOM - fraction * plot_height, 2), "text": f"{top * fraction:g}"})
    chart.legend = [
        {
            "label": labels.get(name, name),
            "css": f"series-{number % SERIES_CLASSES}",
            "total": sum(series[name].values()),
        }
        for number, name in enumerate(order)
    ]
    return chart


def label_indexes(count: int) -> list[int]:
    """The days that get a date label: the first, the last, and evenly spaced ones between that
    are not so close to the last one that the two would overlap."""
    if count <= 0:
        return []
    every = max(1, count // LABEL_SLOTS)
    indexes = [index for index in range(0, count, every) if count - 1 - index >= every / 2 or index == count - 1]
    if indexes[-1] != count - 1:
        indexes.append(count - 1)
    return indexes


def date_label(day: date) -> str:
    """ "Dec 1", never "Dec 01" (and never cut: the chart keeps room on the right)."""
    return f"{day.strftime('%b')} {day.day}"


def rate_bars(rates: list[tuple[str, float | None, str]]) -> list[dict]:
    """Horizontal bars on a 0-100 % scale (SVG width attribute in percent of 300 units)."""
    return [
        {
            "label": label,
            "percent": None if rate is None else round(rate * 100, 1),
            "width": 0 if rate is None else round(min(rate, 1) * 300, 1),
            "detail": detail,
        }
        for label, rate, detail in rates
    ]


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    minutes = seconds / 60
    if minutes < 1:
        return f"{seconds:.0f} s"
    if minutes < 90:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    if hours < 48:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} days"
