"""Server-rendered SVG charts (pygal): labelled, readable without JavaScript, mirrored in Arabic
(time runs right to left, newest on the left, and the value axis stands on the right).

The value axis has round ticks we choose (whole numbers for counts), and every language has short
enough date labels to stand apart at 800 px."""

import math
import sys

import pygal
from babel.dates import format_date
from babel.numbers import format_decimal
from pygal.style import Style

from .. import currency as money_units

# pygal installs an import hook for its map plugins that lacks find_spec, which makes every later
# import warn (ImportWarning). We use no plugin, so the hook goes.
sys.meta_path[:] = [hook for hook in sys.meta_path if type(hook).__name__ != "PluginImportFixer"]

STYLE = Style(
    background="#fffdf8", plot_background="#fffdf8", foreground="#1d1d1b",
    foreground_strong="#1d1d1b", foreground_subtle="#d8d2c4", colors=("#7a1f3d", "#5b7f3a", "#b26b00"),
    font_family="system-ui, 'Noto Sans Arabic', Tahoma, sans-serif", label_font_size=13,
    major_label_font_size=13, title_font_size=16, legend_font_size=13,
)  # fmt: skip


# Short date formats per language: Arabic month names are long, so weeks go by day/month.
WEEK_FORMATS = {"en": "d MMM", "ar": "d/M"}
MONTH_FORMATS = {"en": "MMM y", "ar": "MMM y"}


def _format(formats: dict[str, str], locale: str) -> str:
    return formats.get(locale.split("_")[0], formats["en"])


def ticks(top: float, whole: bool) -> list[float]:
    """Round value-axis ticks from 0 to at least `top`: about five steps of 1, 2 or 5 times a power
    of ten (never less than 1 for counts)."""
    top = max(top, 0)
    if top == 0:
        return [0, 1]
    rough = top / 5
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    if whole:
        step = max(1, round(step))
    count = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) if not whole else int(i * step) for i in range(count + 1)]


def _chart(kind, title: str, labels: list[str], rtl: bool, series_count: int, y_labels, **options):
    css = ["file://style.css", "file://graph.css"]
    rotation = options.pop("x_label_rotation", 0)
    if rtl and rotation:
        rotation = 360 - rotation  # slanting down to the left, each label ending at its tick
    if rtl:
        # pygal draws a secondary series' axis on the right: an invisible copy of the scale carries
        # it, and the left axis keeps its grid but loses its labels.
        css.append(f"inline:.axis.y:not(.y2) text, .serie-{series_count} {{display: none}}")
    return kind(
        js=[], css=css, style=STYLE, title=title, x_labels=labels[::-1] if rtl else labels,
        show_legend=True, legend_at_bottom=True, width=800, height=360, truncate_label=-1,
        print_values=False, y_labels=y_labels, x_label_rotation=rotation, **options,
    )  # fmt: skip


def _plot(chart, series: list[tuple[str, list]], rtl: bool, y_labels: list) -> str:
    for name, values in series:
        chart.add(name, values[::-1] if rtl else values)
    if rtl:
        # Spanning exactly the left axis's ticks, the right axis gets the same ones.
        length = max(len(values) for _, values in series)
        scale = [y_labels[-1], *[y_labels[0]] * (length - 1)]
        chart.add(None, scale, secondary=True, stroke=False, show_dots=False)
    return chart.render(is_unicode=True)


def _counts(locale: str):
    return lambda value: format_decimal(round(value), locale=locale)


def _months(history, locale: str) -> list[str]:
    return [
        format_date(month, _format(MONTH_FORMATS, locale), locale=locale) for month, _ in history
    ]


def mrr_chart(history, currency: str, title: str, series_name: str, rtl: bool, locale: str) -> str:
    """A money line over months: `history` is [(month, {currency: minor units})], oldest first."""
    values = [
        float(money_units.to_major(figures.get(currency, 0), currency)) for _, figures in history
    ]
    y_labels = ticks(max(values, default=0), whole=False)
    chart = _chart(pygal.Line, title, _months(history, locale), rtl, 1, y_labels, fill=True,
                   dots_size=3, x_label_rotation=30,
                   value_formatter=lambda v: money_units.format_amount(
                       money_units.from_major(v, currency), currency, locale))  # fmt: skip
    return _plot(chart, [(series_name, values)], rtl, y_labels)


def movements_chart(
    weeks, title: str, new_name: str, churned_name: str, rtl: bool, locale: str
) -> str:
    """New against churned supporters per week: whole-number ticks, every other week labelled."""
    labels = [
        format_date(week, _format(WEEK_FORMATS, locale), locale=locale) for week, _, _ in weeks
    ]
    series = [
        (new_name, [new for _, new, _ in weeks]),
        (churned_name, [churned for _, _, churned in weeks]),
    ]
    y_labels = ticks(max((max(values, default=0) for _, values in series), default=0), whole=True)
    chart = _chart(pygal.Bar, title, labels, rtl, 2, y_labels, value_formatter=_counts(locale),
                   x_labels_major_every=2, show_minor_x_labels=False)  # fmt: skip
    return _plot(chart, series, rtl, y_labels)


def retention_chart(
    cohorts, title: str, started_name: str, still_name: str, rtl: bool, locale: str
) -> str:
    """Of the supporters who started in each month, how many still support: `cohorts` is
    [(month, started, still supporting)], oldest first."""
    series = [
        (started_name, [started for _, started, _ in cohorts]),
        (still_name, [still for _, _, still in cohorts]),
    ]
    y_labels = ticks(max(series[0][1], default=0), whole=True)
    labels = _months([(month, None) for month, _, _ in cohorts], locale)
    chart = _chart(pygal.Bar, title, labels, rtl, 2, y_labels, value_formatter=_counts(locale),
                   x_label_rotation=30)  # fmt: skip
    return _plot(chart, series, rtl, y_labels)
