"""Charts as inline SVG, drawn on the server (pure: no database, no JavaScript).

Each function returns SVG markup with every text escaped, a <title> and a <desc> for screen
readers; pages show the same numbers in a table beside the chart. Colours are a palette with
enough contrast on white (WCAG AA for the text, 3:1 for the marks).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from html import escape

PALETTE = ("#0b5cad", "#b35900", "#2e7d32", "#8e24aa", "#c62828", "#00796b", "#5d4037", "#455a64")
TEXT = "#1b1f24"
GRID = "#d0d7de"
Number = Decimal | int | float


def _fmt(value: Number) -> str:
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.1f}"
    return f"{value:,}"


def _axis(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 or value == int(value) else f"{value:,.2f}".rstrip("0")


def _nice_max(value: float) -> float:
    """The smallest 1/2/2.5/5 × 10^k at or above ``value`` (axis end)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _open(width: int, height: int, title: str, desc: str, id_prefix: str = "") -> list[str]:
    t, d = escape(f"{id_prefix}t"), escape(f"{id_prefix}d")
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="{t} {d}" class="chart" font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="{t}">{escape(title)}</title><desc id="{d}">{escape(desc)}</desc>',
    ]


def bar_chart(
    rows: Sequence[tuple[str, Number]],
    *,
    title: str,
    fmt: Callable[[Number], str] = _fmt,
    width: int = 640,
    bar_height: int = 22,
    id_prefix: str = "",
) -> str:
    """Horizontal bars, one per (label, value), in the order given. Negative values draw as 0.
    ``id_prefix`` keeps the title and description ids unique on a page with several charts."""
    label_width = 180
    plot = width - label_width - 90
    height = max(1, len(rows)) * (bar_height + 6) + 10
    top = max((float(v) for _, v in rows), default=0.0)
    scale = plot / _nice_max(top) if top > 0 else 0
    desc = "; ".join(f"{label}: {fmt(value)}" for label, value in rows) or "no data"
    out = _open(width, height, title, desc, id_prefix)
    for index, (label, value) in enumerate(rows):
        y = 5 + index * (bar_height + 6)
        length = max(0.0, float(value)) * scale
        short = label if len(label) <= 24 else label[:23] + "…"
        out.append(
            f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" fill="{TEXT}">'
            f"{escape(short)}</text>"
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" '
            f'fill="{PALETTE[0]}"><title>{escape(label)}: {escape(fmt(value))}</title></rect>'
            f'<text x="{label_width + length + 4:.1f}" y="{y + bar_height * 0.7:.1f}" fill="{TEXT}">'
            f"{escape(fmt(value))}</text>"
        )
    if not rows:
        out.append(f'<text x="10" y="20" fill="{TEXT}">{escape("—")}</text>')
    out.append("</svg>")
    return "".join(out)


def column_chart(
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number]]],
    *,
    title: str,
    fmt: Callable[[Number], str] = _fmt,
    stacked: bool = True,
    width: int = 640,
    height: int = 260,
    id_prefix: str = "",
) -> str:
    """Vertical columns per category (e.g. month), one colour per series (e.g. supplier), stacked
    or side by side, with a legend. Series beyond the palette share the last colour.
    ``id_prefix`` keeps the title and description ids unique on a page with several charts."""
    left, bottom, legend_height = 70, 30, 18 * ((len(series) + 2) // 3)
    plot_w, plot_h = width - left - 10, height - bottom - legend_height - 10
    n = max(1, len(categories))
    if stacked:
        top = max((sum(max(0.0, float(s[1][i])) for s in series) for i in range(len(categories))), default=0)
    else:
        top = max((max(0.0, float(v)) for _, values in series for v in values), default=0)
    axis_max = _nice_max(float(top))
    scale = plot_h / axis_max
    desc = "; ".join(
        f"{cat}: " + ", ".join(f"{name} {fmt(values[i])}" for name, values in series)
        for i, cat in enumerate(categories)
    )
    out = _open(width, height, title, desc or "no data", id_prefix)
    base_y = legend_height + 10 + plot_h
    for step in range(5):
        value = axis_max * step / 4
        y = base_y - value * scale
        out.append(
            f'<line x1="{left}" x2="{width - 10}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{TEXT}">'
            f"{_axis(value)}</text>"
        )
    slot = plot_w / n
    bar_w = slot * 0.7 if stacked else slot * 0.8 / max(1, len(series))
    for i, category in enumerate(categories):
        x0 = left + i * slot + slot * 0.15 if stacked else left + i * slot + slot * 0.1
        y = base_y
        for s_index, (name, values) in enumerate(series):
            value = max(0.0, float(values[i]))
            h = value * scale
            colour = PALETTE[min(s_index, len(PALETTE) - 1)]
            x = x0 if stacked else x0 + s_index * bar_w
            y_top = y - h if stacked else base_y - h
            out.append(
                f'<rect x="{x:.1f}" y="{y_top:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}">'
                f"<title>{escape(category)} · {escape(name)}: {escape(fmt(values[i]))}</title></rect>"
            )
            if stacked:
                y -= h
        out.append(
            f'<text x="{left + i * slot + slot / 2:.1f}" y="{base_y + 16}" text-anchor="middle" '
            f'fill="{TEXT}">{escape(category)}</text>'
        )
    for s_index, (name, _) in enumerate(series):
        lx, ly = left + (s_index % 3) * (plot_w / 3), 4 + (s_index // 3) * 18
        colour = PALETTE[min(s_index, len(PALETTE) - 1)]
        short = name if len(name) <= 28 else name[:27] + "…"
        out.append(
            f'<rect x="{lx:.1f}" y="{ly}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16:.1f}" y="{ly + 10}" fill="{TEXT}">{escape(short)}</text>'
        )
    out.append("</svg>")
    return "".join(out)


def grouped_bar_chart(
    groups: Sequence[tuple[str, Sequence[Number | None]]],
    series: Sequence[str],
    *,
    title: str,
    fmt: Callable[[Number], str] = _fmt,
    axis_max: float | None = None,
    id_prefix: str = "grouped-",
    width: int = 640,
    bar_height: int = 12,
    missing: str = "—",
) -> str:
    """Horizontal bars in groups: one group per (label, values) in the order given (e.g. a
    supplier), one bar per series inside it (e.g. on-time %, quality %), coloured per series with
    a legend. A value of None (no data) draws no bar, only ``missing``. ``axis_max`` fixes the end
    of the axis (e.g. 100 for percentages); by default it is a round number above the largest
    value. ``id_prefix`` keeps the ids of the title and description unique when a page holds
    several charts."""
    label_width, right = 180, 60
    plot = width - label_width - right
    legend_height = 18 * ((len(series) + 3) // 4) + 6
    gap = 8
    group_height = max(1, len(series)) * (bar_height + 2) + gap
    height = legend_height + 18 + max(1, len(groups)) * group_height + 4
    values = [float(v) for _, vs in groups for v in vs if v is not None]
    top = axis_max if axis_max is not None else _nice_max(max(values, default=0.0))
    scale = plot / top if top > 0 else 0
    desc = "; ".join(
        f"{label}: "
        + ", ".join(f"{name} {missing if v is None else fmt(v)}" for name, v in zip(series, vs, strict=False))
        for label, vs in groups
    )
    out = _open(width, height, title, desc or "no data", id_prefix)
    for s_index, name in enumerate(series):
        lx, ly = label_width + (s_index % 4) * (plot / 4), 4 + (s_index // 4) * 18
        colour = PALETTE[min(s_index, len(PALETTE) - 1)]
        short = name if len(name) <= 16 else name[:15] + "…"
        out.append(
            f'<rect x="{lx:.1f}" y="{ly}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{lx + 16:.1f}" y="{ly + 10}" fill="{TEXT}">{escape(short)}</text>'
        )
    axis_top = legend_height + 14
    base = axis_top + max(1, len(groups)) * group_height
    for step in range(5):
        value = top * step / 4
        x = label_width + value * scale
        out.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{axis_top}" y2="{base}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{axis_top - 3}" text-anchor="middle" fill="{TEXT}">{_axis(value)}</text>'
        )
    for g_index, (label, vs) in enumerate(groups):
        y0 = axis_top + g_index * group_height + gap / 2
        short = label if len(label) <= 24 else label[:23] + "…"
        middle = y0 + (group_height - gap) / 2 + 4
        out.append(
            f'<text x="{label_width - 6}" y="{middle:.1f}" text-anchor="end" fill="{TEXT}">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        for s_index, name in enumerate(series):
            value = vs[s_index] if s_index < len(vs) else None
            y = y0 + s_index * (bar_height + 2)
            shown = missing if value is None else fmt(value)
            length = 0.0 if value is None else max(0.0, float(value)) * scale
            if value is not None:
                colour = PALETTE[min(s_index, len(PALETTE) - 1)]
                out.append(
                    f'<rect x="{label_width}" y="{y:.1f}" width="{length:.1f}" height="{bar_height}" '
                    f'fill="{colour}"><title>{escape(label)} · {escape(name)}: {escape(shown)}</title></rect>'
                )
            out.append(
                f'<text x="{label_width + length + 4:.1f}" y="{y + bar_height - 2:.1f}" font-size="10" '
                f'fill="{TEXT}">{escape(shown)}</text>'
            )
    if not groups:
        out.append(f'<text x="{label_width}" y="{axis_top + 16}" fill="{TEXT}">{escape(missing)}</text>')
    out.append("</svg>")
    return "".join(out)
