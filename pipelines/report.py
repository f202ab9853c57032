"""Render the flash report: one self-contained HTML file (inline CSS, inline SVG charts, no scripts).

Data comes from transforms/report.py; the page is pipelines/templates/flash_report.html.j2 with
jinja2 autoescaping, so account names, post titles and file reasons are always text. Charts are
matplotlib's SVG backend output, inlined. See docs/report.md.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from pathlib import Path

import duckdb
import jinja2
from markupsafe import Markup

from transforms.report import Period, ReportData, default_period, load_report, period_of

TEMPLATES = Path(__file__).parent / "templates"
_ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                          undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)

# Colours: blue series, grey band, red anomalies (distinguishable in print and for colour-blind readers
# by marker shape too).
SERIES, BAND, ANOMALY, CURRENT = "#1f5fa8", "#c9d6e8", "#c0392b", "#f3e7c4"
PLATFORM_COLOURS = ["#1f5fa8", "#e07b39", "#3a9a5b", "#8e5ba8", "#b8a22e", "#4aa3b5", "#a84a5b"]


# ---- numbers for people --------------------------------------------------------------------------

def fmt_number(value: float | None, unit: str = "count", currency: str = "") -> str:
    """Thousands separators; percentages with %, money with the currency code, '—' for unknown."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "percent":
        return f"{value:,.2f} %"
    if unit == "currency":
        return f"{value:,.2f} {currency}".strip()
    if unit in ("ratio", "score"):
        return f"{value:,.2f}"
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"


def fmt_change(card_value: float | None, other: float | None, unit: str) -> str:
    """The change from `other`: percentage points for percent KPIs, else a relative change in %."""
    if card_value is None or other is None:
        return "—"
    if unit == "percent":
        return f"{card_value - other:+,.2f} pp"
    if other == 0:
        return "—" if card_value == 0 else "new"
    return f"{(card_value - other) / abs(other) * 100:+,.1f} %"


def tone(card_value: float | None, other: float | None, higher_is_better: bool) -> str:
    """good | bad | flat: the direction of a change judged by the KPI's direction."""
    if card_value is None or other is None or card_value == other:
        return "flat"
    return "good" if (card_value > other) == higher_is_better else "bad"


def fmt_date(day: dt.date | None) -> str:
    return "—" if day is None else day.strftime("%d %b %Y")


def date_ranges(days: list[dt.date]) -> str:
    """'03 Jan – 05 Jan 2025, 09 Jan 2025' for a sorted list of dates."""
    spans: list[list[dt.date]] = []
    for day in days:
        if spans and (day - spans[-1][1]).days == 1:
            spans[-1][1] = day
        else:
            spans.append([day, day])
    return ", ".join(fmt_date(a) if a == b else f"{a:%d %b} – {fmt_date(b)}" for a, b in spans)


def kpi_label(kpi: str) -> str:
    special = {"ctr": "CTR", "cpc": "CPC", "cpm": "CPM", "roi": "ROI", "nps": "NPS", "csat": "CSAT"}
    return special.get(kpi, kpi.replace("_", " ").capitalize())


# ---- charts --------------------------------------------------------------------------------------

def _svg(figure: object, name: str, title: str) -> Markup:
    """The figure as inline SVG: no XML prolog, DOCTYPE or metadata; ids unique per chart; scales to its box."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": name, "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    text = re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
                  lambda m: f'<svg class="chart" role="img" aria-label="{_attr(title)}" {m.group(1)}', text, count=1)
    return Markup(text)


def _attr(text: str) -> str:
    return str(Markup.escape(text))


def _figure(width: float, height: float) -> object:
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width, height), dpi=96, layout="constrained")
    return figure


def _style(ax: object) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8, colors="#444")
    ax.grid(axis="y", color="#e5e5e5", linewidth=0.6)
    ax.set_axisbelow(True)


def trend_chart(kpi: str, rows: list[dict], period: Period, unit: str) -> Markup:
    """Daily values over the trend window, the baseline band (p10-p90), anomalies, the report period shaded."""
    import matplotlib.dates as mdates

    figure = _figure(5.2, 2.5)
    ax = figure.add_subplot()
    _style(ax)
    days = [r["date"] for r in rows]
    ax.axvspan(period.start - dt.timedelta(hours=12), period.end + dt.timedelta(hours=12), color=CURRENT, lw=0,
               label="report period")
    low = [math.nan if r["p10_28d"] is None else r["p10_28d"] for r in rows]
    high = [math.nan if r["p90_28d"] is None else r["p90_28d"] for r in rows]
    ax.fill_between(days, low, high, color=BAND, lw=0, label="baseline p10–p90")
    ax.plot(days, [math.nan if r["value"] is None else r["value"] for r in rows], color=SERIES, lw=1.4,
            label=kpi_label(kpi))
    flagged = [r for r in rows if r["is_anomaly"] and r["value"] is not None]
    if flagged:
        ax.scatter([r["date"] for r in flagged], [r["value"] for r in flagged], color=ANOMALY, marker="D", s=22,
                   zorder=3, label="anomaly")
    ax.xaxis.set_major_locator(mdates.MonthLocator())
    ax.xaxis.set_minor_locator(mdates.WeekdayLocator(byweekday=mdates.MO))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    ax.yaxis.set_major_formatter(_axis_formatter(unit))
    ax.set_title(kpi_label(kpi) + (" (%)" if unit == "percent" else ""), fontsize=10, loc="left")
    figure.legend(fontsize=7, loc="outside lower center", frameon=False, ncols=4)
    ax.margins(x=0.01, y=0.15)
    return _svg(figure, f"trend-{kpi}", f"{kpi_label(kpi)}, last 90 days, with baseline band and anomalies")


def _axis_formatter(unit: str) -> object:
    from matplotlib.ticker import FuncFormatter

    if unit == "percent":
        return FuncFormatter(lambda v, _: f"{v:,.1f}")
    return FuncFormatter(lambda v, _: f"{v / 1000:,.0f}k" if abs(v) >= 10_000 else f"{v:,.0f}")


def platform_chart(platforms: dict[str, dict[str, float | None]], kpis: list[str], units: dict[str, str]) -> Markup:
    """Small multiples: one horizontal bar chart per KPI, one bar per platform."""
    names = list(platforms)
    # at least three bar slots: one platform gets a bar as thick as in a three-platform chart
    slots = max(len(names), 3)
    figure = _figure(2.6 * len(kpis), 0.45 * slots + 1.0)
    axes = figure.subplots(1, len(kpis), sharey=True, squeeze=False)[0]
    for ax, kpi in zip(axes, kpis, strict=True):
        _style(ax)
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
        values = [platforms[p].get(kpi) for p in names]
        known = [0.0 if v is None else v for v in values]
        bars = ax.barh(range(len(names)), known, color=[PLATFORM_COLOURS[i % len(PLATFORM_COLOURS)]
                                                         for i in range(len(names))])
        ax.bar_label(bars, labels=[fmt_number(v, units[kpi]) for v in values], fontsize=7, padding=2)
        ax.set_yticks(range(len(names)), names)
        ax.set_ylim(slots - 0.5, -0.5)  # top to bottom, empty slots below
        ax.xaxis.set_major_formatter(_axis_formatter(units[kpi]))
        ax.set_title(kpi_label(kpi), fontsize=9, loc="left")
        ax.margins(x=0.3)
    return _svg(figure, "platforms", "Platform comparison for the report period")


# ---- the page ------------------------------------------------------------------------------------

def render_report(data: ReportData, generated_at: dt.datetime | None = None) -> str:
    units = {k: v["unit"] for k, v in data.catalogue.items()}
    charts = {kpi: trend_chart(kpi, rows, data.period, units[kpi]) for kpi, rows in data.trends.items()}
    platform_kpis = [k for k in ("impressions", "engagements", "engagement_rate_impressions", "posts_published")
                     if any(v.get(k) is not None for v in data.platforms.values())]
    platforms_svg = platform_chart(data.platforms, platform_kpis, units) if data.platforms and platform_kpis \
        else None
    template = _ENV.get_template("flash_report.html.j2")
    return template.render(
        r=data, charts=charts, platforms_svg=platforms_svg, platform_kpis=platform_kpis, units=units,
        generated_at=(generated_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC"),
        fmt=fmt_number, fmt_change=fmt_change, tone=tone, fmt_date=fmt_date, date_ranges=date_ranges,
        label=kpi_label)


def report_file_name(brand: str, period: Period) -> str:
    """<brand>_<period>_<first day of the period>.html"""
    return f"{brand}_{period.kind}_{period.start.isoformat()}.html"


def headline_markdown(data: ReportData) -> str:
    """A Markdown table of the headline KPIs (Dagster metadata preview)."""
    lines = [f"**{data.brand_name}**, {data.period.label}", "",
             "| KPI | value | vs previous | vs baseline | target |", "|---|---:|---:|---:|---|"]
    for card in data.headline():
        target = "; ".join(f"{t['target_id']}: {(t['status'] or 'unknown').replace('_', ' ')}" for t in card.targets)
        anomaly = " ⚠ anomaly" if card.is_anomaly else ""
        badge = f" ({card.coverage.badge})" if card.coverage and card.coverage.badge else ""
        versus = fmt_change(card.value, card.previous, card.unit) if card.like_for_like else card.coverage_note
        lines.append(f"| {kpi_label(card.kpi)} | {fmt_number(card.value, card.unit, data.currency)}{badge} | "
                     f"{versus} | "
                     f"{fmt_change(card.value, card.baseline, card.unit)}{anomaly} | {target or '—'} |")
    return "\n".join(lines)


def build_report(con: duckdb.DuckDBPyConnection, brand: str, kind: str, day: dt.date | None = None, *,
                 brand_name: str | None = None, currency: str = "EUR", quarantined: list[dict] | None = None,
                 quarantine_note: str = "") -> tuple[ReportData, str] | None:
    """Load and render the report of the period containing `day`.

    Default: the latest complete period in which the brand has data on the most platforms.

    None when the brand has no KPI rows at all.
    """
    period = period_of(kind, day) if day else default_period(con, brand, kind)
    if period is None:
        return None
    data = load_report(con, brand, period, brand_name=brand_name, currency=currency, quarantined=quarantined,
                       quarantine_note=quarantine_note)
    return data, render_report(data)
