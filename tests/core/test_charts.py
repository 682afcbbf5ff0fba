"""core.charts: server-drawn SVG charts."""

from decimal import Decimal
from xml.etree import ElementTree

import pytest

from core.charts import _nice_max, bar_chart, column_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str):
    return ElementTree.fromstring(svg)


def test_a_bar_chart_is_valid_svg_with_a_title_and_one_bar_per_row_scaled_to_the_largest():
    root = _parse(bar_chart([("甲 Supplier", Decimal("100.00")), ("乙", Decimal("50.00"))], title="Spend"))
    assert root.find(f"{SVG}title").text == "Spend"
    assert "甲 Supplier: 100.00" in root.find(f"{SVG}desc").text
    widths = [float(r.get("width")) for r in root.iter(f"{SVG}rect")]
    assert len(widths) == 2 and widths[0] == 2 * widths[1]


def test_labels_are_escaped_so_a_supplier_name_cannot_inject_markup():
    svg = bar_chart([("<script>alert(1)</script>", 5)], title="<b>x</b>")
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    _parse(svg)


def test_an_empty_chart_still_renders():
    _parse(bar_chart([], title="Nothing"))
    _parse(column_chart([], [], title="Nothing"))


def test_stacked_columns_stack_each_series_on_the_one_below():
    svg = column_chart(["2026-01", "2026-02"], [("A", [10, 0]), ("B", [30, 20])], title="Spend by month")
    root = _parse(svg)
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert len(bars) == 4
    a_jan, b_jan = bars[0], bars[1]
    assert float(b_jan.get("y")) + float(b_jan.get("height")) == pytest.approx(
        float(a_jan.get("y")), abs=0.11
    )
    assert float(b_jan.get("height")) == pytest.approx(3 * float(a_jan.get("height")), abs=0.11)


def test_side_by_side_columns_start_from_the_axis():
    root = _parse(column_chart(["Q1"], [("A", [1]), ("B", [2])], title="x", stacked=False))
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    bottoms = {round(float(b.get("y")) + float(b.get("height")), 1) for b in bars}
    assert len(bottoms) == 1


def test_the_axis_ends_on_a_round_number():
    assert _nice_max(7) == 10
    assert _nice_max(130) == 200
    assert _nice_max(2400) == 2500
    assert _nice_max(0) == 1.0
