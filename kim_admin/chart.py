"""A stacked bar chart as inline SVG, drawn on the server: the state's funding against the own
share per year (each bar's height is the year's total cost).

No script and nothing fetched: the markup goes into the HTML preview and the PDF alike
(WeasyPrint draws inline SVG), and into the pages that show the same years (the projection
page), so a page and its PDF draw the same chart. Amounts come from the cost engine; this module only scales
them to pixels. The chart is an image for sighted readers; its figures are in the table
beside it and in the text alternative (``<title>``/``<desc>``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from kim_admin.formatting import de_money, de_number

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 86, 16, 16, 44
FUNDING_COLOUR = "#2f6f8f"
OWN_SHARE_COLOUR = "#d08a2e"
# Gridline steps in euros: the first that gives at most five lines.
STEPS = [Decimal(10) ** e * m for e in range(2, 9) for m in (1, 2, 5)]


@dataclass(frozen=True)
class Bar:
    label: str
    funding: Decimal
    own_share: Decimal


def funding_chart(bars: list[Bar], title: str, description: str) -> SafeString:
    """The SVG markup of the chart (safe to put into a template)."""
    top_value = max((b.funding + max(b.own_share, Decimal(0)) for b in bars), default=Decimal(0))
    step = next((s for s in STEPS if top_value / s <= 5), STEPS[-1])
    lines = int((top_value / step).to_integral_value(rounding=ROUND_CEILING)) or 1
    scale_max = step * lines
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def y(value: Decimal) -> float:
        return TOP + plot_h - float(value / scale_max) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="chart-title chart-desc">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(description)}</desc>',
    ]
    for i in range(lines + 1):
        value = step * i
        gy = y(value)
        parts.append(
            f'<line x1="{LEFT}" y1="{gy:.1f}" x2="{WIDTH - RIGHT}" y2="{gy:.1f}" '
            'stroke="#c9cdd2" stroke-width="0.8"/>'
        )
        parts.append(
            f'<text x="{LEFT - 6}" y="{gy + 3.5:.1f}" text-anchor="end" font-size="10" '
            f'fill="#3c4650">{escape(de_number(value, 0))} €</text>'
        )
    slot = plot_w / max(len(bars), 1)
    bar_w = min(70.0, slot * 0.55)
    for i, bar in enumerate(bars):
        x = LEFT + slot * i + (slot - bar_w) / 2
        funding_top = y(bar.funding)
        own = max(bar.own_share, Decimal(0))
        own_top = y(bar.funding + own)
        parts.append(
            f'<rect x="{x:.1f}" y="{funding_top:.1f}" width="{bar_w:.1f}" '
            f'height="{y(Decimal(0)) - funding_top:.1f}" fill="{FUNDING_COLOUR}"/>'
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{own_top:.1f}" width="{bar_w:.1f}" '
            f'height="{funding_top - own_top:.1f}" fill="{OWN_SHARE_COLOUR}"/>'
        )
        cx = x + bar_w / 2
        parts.append(
            f'<text x="{cx:.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="#1d2630">{escape(bar.label)}</text>'
        )
    legend_y = HEIGHT - 10
    parts.append(
        f'<rect x="{LEFT}" y="{legend_y - 9}" width="10" height="10" fill="{FUNDING_COLOUR}"/>'
        f'<text x="{LEFT + 14}" y="{legend_y}" font-size="10" fill="#1d2630">Landesförderung</text>'
        f'<rect x="{LEFT + 120}" y="{legend_y - 9}" width="10" height="10" '
        f'fill="{OWN_SHARE_COLOUR}"/>'
        f'<text x="{LEFT + 134}" y="{legend_y}" font-size="10" fill="#1d2630">'
        "Eigenanteil (Mehrkosten)</text>"
    )
    parts.append("</svg>")
    return mark_safe("".join(parts))


def chart_description(bars: list[Bar]) -> str:
    """The text alternative: every bar's figures in words."""
    return "; ".join(
        f"{bar.label}: Landesförderung {de_money(bar.funding)}, Eigenanteil {de_money(bar.own_share)}"
        for bar in bars
    )
