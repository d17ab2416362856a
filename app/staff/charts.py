"""Server-rendered SVG charts (pygal): labelled, readable without JavaScript, mirrored in Arabic
(time runs right to left, newest on the left, and the value axis stands on the right).

The value axis has round ticks we choose (whole numbers for counts), and every language has short
enough date labels to stand apart at 800 px. Each chart also comes narrow (`narrow=True`, 400 px
wide, for screens under 40rem, templates/staff/overview.html): larger type, so that its text is
still about 11 px or more when the image is shrunk to a 360 px screen, and a date label every third
tick only, counted back from the newest."""

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


def _style(text: int, title: int) -> Style:
    return Style(
        background="#fffdf8", plot_background="#fffdf8", foreground="#1d1d1b",
        foreground_strong="#1d1d1b", foreground_subtle="#d8d2c4",
        colors=("#7a1f3d", "#5b7f3a", "#b26b00"),
        font_family="system-ui, 'Noto Sans Arabic', Tahoma, sans-serif", label_font_size=text,
        major_label_font_size=text, title_font_size=title, legend_font_size=text,
    )  # fmt: skip


STYLE = _style(13, 16)
# The narrow charts: 400 px shown about 328 px wide on a 360 px screen (0.82), so text of 14
# stays above 11 px there.
NARROW_STYLE = _style(14, 16)
SIZE = {False: (800, 360), True: (400, 340)}
NARROW_LABEL_EVERY = 3

# Short date formats per language: Arabic month names are long, so weeks go by day/month (and, on
# the narrow charts, months by month/year).
WEEK_FORMATS = {"en": "d MMM", "ar": "d/M"}
MONTH_FORMATS = {"en": "MMM y", "ar": "MMM y"}
NARROW_MONTH_FORMATS = {"en": "MMM y", "ar": "M/y"}


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


def _chart(kind, title: str, labels: list[str], rtl: bool, series_count: int, y_labels,
           narrow: bool = False, **options):  # fmt: skip
    css = ["file://style.css", "file://graph.css"]
    if narrow:
        # Level labels, every third one from the newest (the last of `labels`), which stands at the
        # plot's edge: in English, room on the right for its second half.
        options.update(x_label_rotation=0, show_minor_x_labels=False,
                       x_labels_major=labels[::-NARROW_LABEL_EVERY])  # fmt: skip
        options.pop("x_labels_major_every", None)
        if not rtl:
            options.setdefault("margin_right", 40)
    rotation = options.pop("x_label_rotation", 0)
    if rtl and rotation:
        rotation = 360 - rotation  # slanting down to the left, each label ending at its tick
    if rtl:
        # pygal draws a secondary series' axis on the right: an invisible copy of the scale carries
        # it, and the left axis keeps its grid but loses its labels (empty, so that pygal keeps no
        # room for them and the plot gets it).
        css.append(f"inline:.axis.y:not(.y2) text, .serie-{series_count} {{display: none}}")
        y_labels = [{"value": value, "label": ""} for value in y_labels]
    width, height = SIZE[narrow]
    return kind(
        js=[], css=css, style=NARROW_STYLE if narrow else STYLE, title=title,
        x_labels=labels[::-1] if rtl else labels, show_legend=True, legend_at_bottom=True,
        width=width, height=height, truncate_label=-1, print_values=False, y_labels=y_labels,
        x_label_rotation=rotation, truncate_legend=-1, legend_at_bottom_columns=series_count,
        **options,
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


def _months(history, locale: str, narrow: bool = False) -> list[str]:
    pattern = _format(NARROW_MONTH_FORMATS if narrow else MONTH_FORMATS, locale)
    return [format_date(month, pattern, locale=locale) for month, _ in history]


def mrr_chart(history, currency: str, title: str, series_name: str, rtl: bool, locale: str,
              narrow: bool = False) -> str:  # fmt: skip
    """A money line over months: `history` is [(month, {currency: minor units})], oldest first."""
    values = [
        float(money_units.to_major(figures.get(currency, 0), currency)) for _, figures in history
    ]
    y_labels = ticks(max(values, default=0), whole=False)
    chart = _chart(pygal.Line, title, _months(history, locale, narrow), rtl, 1, y_labels, narrow,
                   fill=True, dots_size=3, x_label_rotation=30,
                   value_formatter=lambda v: money_units.format_amount(
                       money_units.from_major(v, currency), currency, locale))  # fmt: skip
    return _plot(chart, [(series_name, values)], rtl, y_labels)


def movements_chart(
    weeks,
    title: str,
    new_name: str,
    churned_name: str,
    rtl: bool,
    locale: str,
    narrow: bool = False,
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
    chart = _chart(pygal.Bar, title, labels, rtl, 2, y_labels, narrow,
                   value_formatter=_counts(locale), x_labels_major_every=2,
                   show_minor_x_labels=False)  # fmt: skip
    return _plot(chart, series, rtl, y_labels)


def retention_chart(
    cohorts,
    title: str,
    started_name: str,
    still_name: str,
    rtl: bool,
    locale: str,
    narrow: bool = False,
) -> str:
    """Of the supporters who started in each month, how many still support: `cohorts` is
    [(month, started, still supporting)], oldest first."""
    series = [
        (started_name, [started for _, started, _ in cohorts]),
        (still_name, [still for _, _, still in cohorts]),
    ]
    y_labels = ticks(max(series[0][1], default=0), whole=True)
    labels = _months([(month, None) for month, _, _ in cohorts], locale, narrow)
    chart = _chart(pygal.Bar, title, labels, rtl, 2, y_labels, narrow,
                   value_formatter=_counts(locale), x_label_rotation=30)  # fmt: skip
    return _plot(chart, series, rtl, y_labels)
