"""Server-rendered SVG charts (pygal): labelled, readable without JavaScript, mirrored in Arabic
(time runs right to left, newest on the left, and the value axis stands on the right)."""

import sys

import pygal
from babel.dates import format_date
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


def _chart(kind, title: str, labels: list[str], rtl: bool, series_count: int, **options):
    css = ["file://style.css", "file://graph.css"]
    if rtl:
        # pygal draws a secondary series' axis on the right: an invisible copy of the data carries it,
        # and the left axis keeps its grid but loses its labels.
        css.append(f"inline:.axis.y:not(.y2) text, .serie-{series_count} {{display: none}}")
    return kind(
        js=[], css=css, style=STYLE, title=title, x_labels=labels[::-1] if rtl else labels,
        show_legend=True, legend_at_bottom=True, width=800, height=360, truncate_label=-1,
        show_minor_x_labels=True, print_values=False, **{"x_label_rotation": 0, **options},
    )  # fmt: skip


def _plot(chart, series: list[tuple[str, list]], rtl: bool) -> str:
    for name, values in series:
        chart.add(name, values[::-1] if rtl else values)
    if rtl:
        tallest = [max(column) for column in zip(*(values for _, values in series), strict=True)]
        chart.add(None, tallest[::-1], secondary=True, stroke=False, show_dots=False)
    return chart.render(is_unicode=True)


def mrr_chart(history, currency: str, title: str, series_name: str, rtl: bool, locale: str) -> str:
    labels = [format_date(month, "MMM y", locale=locale) for month, _ in history]
    values = [
        float(money_units.to_major(figures.get(currency, 0), currency)) for _, figures in history
    ]
    chart = _chart(pygal.Line, title, labels, rtl, 1, fill=True, dots_size=3, x_label_rotation=30,
                   value_formatter=lambda v: money_units.format_amount(
                       money_units.from_major(v, currency), currency, locale))  # fmt: skip
    return _plot(chart, [(series_name, values)], rtl)


def movements_chart(
    weeks, title: str, new_name: str, churned_name: str, rtl: bool, locale: str
) -> str:
    labels = [format_date(week, "d MMM", locale=locale) for week, _, _ in weeks]
    chart = _chart(pygal.Bar, title, labels, rtl, 2)
    series = [
        (new_name, [new for _, new, _ in weeks]),
        (churned_name, [churned for _, _, churned in weeks]),
    ]
    return _plot(chart, series, rtl)
