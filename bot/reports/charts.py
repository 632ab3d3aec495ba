"""The dashboard's charts (issue 17, item 5), drawn with matplotlib on its Agg and SVG
canvases: a Figure per chart, no pyplot and no change to matplotlib's global settings, so
charts render without a display and in worker threads side by side.

- per_day: appeals filed per day, stacked by their status now;
- response_time: a histogram of the hours to the first response (RESPONSE_EDGES buckets);
- overdue: institutions by overdue share, only those with RANK_MIN_APPEALS appeals or more.

SVG is for the web page: the console's Content-Security-Policy allows no inline styles, so
matplotlib's `style="..."` attributes and its <style> element are rewritten as SVG
presentation attributes (the same drawing, in any browser, even opened on its own). Text
is drawn as paths (matplotlib's default), so no font is needed where the chart is shown.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from enum import StrEnum

from matplotlib.axes import Axes
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from bot import texts
from bot.reports.dashboard import Dashboard, format_hours
from storage.records import AppealStatus

WIDTH, HEIGHT = 8.0, 4.5  # inches
SVG_DPI, PNG_DPI = 100, 150  # a PNG of 1200 x 675: sharp as a messenger photo
TOP_INSTITUTIONS = 15
NAME_MAX = 42
COLORS = {  # the console's palette (bot/web/static/style.css)
    AppealStatus.NEW: "#0b5cad",
    AppealStatus.IN_PROGRESS: "#d18f00",
    AppealStatus.ANSWERED: "#1e7b34",
    AppealStatus.CLOSED: "#9aa5ad",
}
BAR, LATE, TEXT, MUTED = "#0b5cad", "#b3261e", "#1d2327", "#5f6b73"


class ChartName(StrEnum):
    PER_DAY = "per_day"
    RESPONSE_TIME = "response_time"
    OVERDUE = "overdue"


def _figure(height: float = HEIGHT, left: float = 0.8, lines: int = 1) -> tuple[Figure, Axes]:
    """A figure of one axes with fixed margins (inches; room for the title and `lines` of
    subtitle): a layout engine would measure every label, costing more than the drawing."""
    figure = Figure(figsize=(WIDTH, height))
    figure.subplots_adjust(left=left / WIDTH, right=1 - 0.25 / WIDTH,
                           top=1 - (0.45 + 0.17 * lines) / height, bottom=0.6 / height)
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(colors=TEXT, labelsize=9)
    return figure, axes


def _titles(axes: Axes, title: str, subtitle: str) -> None:
    figure = axes.get_figure()
    assert isinstance(figure, Figure)
    figure.suptitle(title, x=0.1 / WIDTH, y=1 - 0.08 / figure.get_figheight(), ha="left",
                    va="top", fontsize=12, color=TEXT, fontweight="bold")
    axes.set_title(subtitle, loc="left", fontsize=9, color=MUTED)


def _empty(axes: Axes, text: str = texts.CHART_EMPTY) -> None:
    axes.set_xticks([])
    axes.set_yticks([])
    axes.spines[["left", "bottom"]].set_visible(False)
    axes.text(0.5, 0.5, text, transform=axes.transAxes, ha="center", va="center",
              fontsize=11, color=MUTED)


def _period(d: Dashboard) -> str:
    scope = ", ".join(d.scope_names) if d.scope is not None else texts.DASH_SCOPE_ALL
    return f"{texts.DASH_PERIOD.format(first=d.first, last=d.last)} · {_short(scope, 80)}"


def _short(name: str, limit: int = NAME_MAX) -> str:
    return name if len(name) <= limit else name[:limit - 1].rstrip() + "…"


def _per_day(d: Dashboard) -> Figure:
    figure, axes = _figure()
    _titles(axes, texts.CHART_PER_DAY, _period(d))
    if not d.filed:
        _empty(axes)
        return figure
    positions = list(range(len(d.days)))
    bottom = [0] * len(d.days)
    for status in AppealStatus:  # a collection of rectangles a status: one artist, not 30
        heights = [day.statuses.get(status, 0) for day in d.days]
        axes.add_collection(PolyCollection(
            [_rectangle(x - 0.4, b, 0.8, h) for x, b, h in zip(positions, bottom, heights,
                                                               strict=True) if h],
            facecolors=COLORS[status], edgecolors="none"))
        bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
    axes.legend(handles=[Patch(color=COLORS[s], label=texts.CHART_STATUSES[s.value])
                         for s in AppealStatus],
                loc="upper left", ncols=4, fontsize=9, frameon=False)
    step = max(1, -(-len(d.days) // 10))  # at most ten dates under the bars
    axes.set_xticks(positions[::step], [f"{day.day:%d.%m}" for day in d.days[::step]])
    axes.set_xlim(-0.6, len(d.days) - 0.4)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_ylabel(texts.CHART_APPEALS, color=MUTED)
    axes.set_ylim(0, max(bottom) * 1.18)  # room for the legend above the highest bar
    return figure


def _rectangle(x: float, y: float, width: float, height: float) -> list[tuple[float, float]]:
    return [(x, y), (x + width, y), (x + width, y + height), (x, y + height)]


def _response_time(d: Dashboard) -> Figure:
    done = d.first_response
    figure, axes = _figure(lines=2 if done.median is not None else 1)
    subtitle = _period(d)
    if done.median is not None and done.p90 is not None:
        subtitle += (f"\n{texts.DASH_MEDIAN} {format_hours(done.median)} · "
                     f"{texts.DASH_P90} {format_hours(done.p90)}")
    _titles(axes, texts.CHART_RESPONSE, subtitle)
    if not done.count:
        _empty(axes)
        return figure
    positions = list(range(len(d.response_buckets)))
    axes.bar(positions, d.response_buckets, width=0.75, color=BAR)
    axes.set_xticks(positions, list(texts.CHART_BUCKETS), rotation=0, fontsize=8)
    axes.set_xlabel(texts.CHART_RESPONSE_X, color=MUTED)
    axes.set_ylabel(texts.CHART_ANSWERS, color=MUTED)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    return figure


def _overdue(d: Dashboard) -> Figure:
    ranked = d.ranked[:TOP_INSTITUTIONS]
    names = [_short(i.name) for i in ranked]
    # the names' room on the left: about 0.075 in a character at 8 pt
    figure, axes = _figure(max(HEIGHT, 1.9 + 0.36 * len(ranked)),
                           left=max(0.8, 0.3 + 0.075 * max(map(len, names), default=0)),
                           lines=2)
    _titles(axes, texts.CHART_OVERDUE, _period(d) + "\n" + texts.CHART_OVERDUE_NOTE.format(
        min=d.rank_min, top=TOP_INSTITUTIONS))
    if not ranked:
        _empty(axes, texts.DASH_RANKING_EMPTY.format(min=d.rank_min))
        return figure
    positions = list(range(len(ranked)))
    shares = [i.late_share * 100 for i in ranked]
    axes.barh(positions, shares, height=0.7, color=LATE)
    axes.set_yticks(positions, names, fontsize=8)
    axes.invert_yaxis()  # the largest share on top
    axes.set_xlim(0, min(100.0, max(shares) * 1.3 + 5))
    axes.xaxis.set_major_formatter(PercentFormatter(decimals=0))
    axes.set_xlabel(texts.CHART_OVERDUE_X, color=MUTED)
    for y, inst in zip(positions, ranked, strict=True):
        axes.annotate(texts.DASH_OF.format(part=inst.late, whole=inst.appeals),
                      (inst.late_share * 100, y), xytext=(4, 0), textcoords="offset points",
                      va="center", fontsize=8, color=MUTED)
    return figure


DRAW: dict[ChartName, Callable[[Dashboard], Figure]] = {
    ChartName.PER_DAY: _per_day,
    ChartName.RESPONSE_TIME: _response_time,
    ChartName.OVERDUE: _overdue,
}


def _saved(figure: Figure, fmt: str, dpi: int) -> bytes:
    out = io.BytesIO()
    # no date, no software version in the file: the same figures give the same bytes
    metadata = {"Date": None} if fmt == "svg" else {"Software": None}
    figure.savefig(out, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    return out.getvalue()


def chart_png(dashboard: Dashboard, name: ChartName) -> bytes:
    return _saved(DRAW[name](dashboard), "png", PNG_DPI)


_STYLE_ELEMENT = re.compile(r"\s*<style[^>]*>.*?</style>", re.S)
_STYLE_ATTRIBUTE = re.compile(r'\sstyle="([^"]*)"')
_DECLARATION = re.compile(r"\s*([a-z-]+)\s*:\s*([^;]+?)\s*(?:;|$)")


def _presentation(match: re.Match[str]) -> str:
    return "".join(f' {name}="{value}"' for name, value in _DECLARATION.findall(match[1]))


def without_inline_styles(svg: str) -> str:
    """matplotlib's SVG with every `style` attribute as presentation attributes (fill,
    stroke, stroke-width, opacity, ...) and its <style> element (line joins and caps of
    every shape) as attributes of the root, which the shapes inherit."""
    svg = _STYLE_ELEMENT.sub("", svg)
    svg = _STYLE_ATTRIBUTE.sub(_presentation, svg)
    return svg.replace("<svg ", '<svg stroke-linejoin="round" stroke-linecap="butt" ', 1)


def chart_svg(dashboard: Dashboard, name: ChartName) -> bytes:
    svg = _saved(DRAW[name](dashboard), "svg", SVG_DPI).decode("utf-8")
    return without_inline_styles(svg).encode("utf-8")


def weekly_png(dashboard: Dashboard) -> bytes:
    """The appeals-per-day chart as a PNG, for the weekly report's photo."""
    return chart_png(dashboard, ChartName.PER_DAY)
