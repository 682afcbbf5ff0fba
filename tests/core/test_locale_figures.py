"""Numbers and dates read like money, in Chinese and in English, wherever a person reads them:
the pages (PO, invoice with its match explanation, statement, invoice plan, exception desk, the
supplier's invoice list), the CSV export and the e-mails. One set of helpers (core.formatting)."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.utils import translation

from core import formatting as f
from notifications.kinds import render
from settlement.services import statements as svc
from settlement.services.matching import invoice_match
from tests.factories import LegalEntityFactory
from tests.settlement import statement_builders
from tests.settlement.match_flow_builders import line, make_invoice, make_po, po_lines, receive

D = Decimal
# 12.500000, 13.50000000, 0.1300, 100.000: three or more decimals ending in zero
RAW = re.compile(r"(?<![\d.])\d+\.\d{2,}0(?![\d.])")


# ----------------------------------------------------------------------------------- the helpers


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", ["¥1,234,567.50", "-US$12.00", "€0.10", "CHF 5.00", "2026年12月7日"]),
        ("en", ["CN¥1,234,567.50", "-$12.00", "€0.10", "CHF 5.00", "Dec. 7, 2026"]),
    ],
)
def test_amounts_carry_their_currency_two_decimals_and_groups(language, expected):
    with translation.override(language):
        got = [
            f.amount(D("1234567.5"), "CNY"),
            f.amount("-12", "USD"),
            f.amount(D("0.095"), "EUR"),  # half up
            f.amount(D("5"), "CHF"),
            f.day(date(2026, 12, 7)),
        ]
    assert got == expected


def test_quantities_lose_trailing_zeros_but_are_never_rounded():
    assert f.quantity(D("12.500000")) == "12.5"
    assert f.quantity(D("100.000000")) == "100"
    assert f.quantity(D("0.000001")) == "0.000001"
    assert f.quantity(D("12500.000000")) == "12,500"
    assert f.quantity(D("1E+2")) == "100" and f.quantity(D("-0.000")) == "0"


def test_prices_rates_and_variances():
    assert f.price(D("13.50000000")) == "13.50" and f.price(D("3.141593")) == "3.141593"
    assert f.rate(D("0.1300")) == "13%" and f.rate(D("0.015")) == "1.5%" and f.rate(D("0")) == "0%"
    with translation.override("zh-hans"):
        assert f.rate(None) == "免税"
    assert f.variance("1.00000000", "8.00", kind="unit_price") == "+1.00 (+8%)"
    assert f.variance("-2.500000", "-2.50", kind="quantity") == "-2.5 (-2.5%)"
    assert f.variance("0.00", None) == "0.00"


def test_what_is_no_number_is_shown_unchanged_and_never_fails():
    assert f.amount(None) == "" and f.quantity("abc") == "abc" and f.price("*") == "*"
    assert f.amount("NaN") == "NaN" and f.day("not a date") == "not a date"


def test_the_email_writes_the_amount_and_date_in_the_readers_language():
    params = {"number": "ST-1", "amount": "1130.00", "currency": "CNY"}
    _, zh = render("statement_to_confirm", params, language="zh-hans")
    _, en = render("statement_to_confirm", params, language="en")
    assert "¥1,130.00" in zh and "CN¥1,130.00" in en and "CNY" not in en
    _, zh = render(
        "document_expiring", {"document": "营业执照", "owner": "甲", "date": "2026-12-07"}, language="zh-hans"
    )
    assert "2026年12月7日" in zh
    _, en = render("rfq_invitation", {"number": "RFQ-1", "deadline": "2026-12-07 15:30"}, language="en")
    assert "Dec. 7, 2026 15:30" in en


# ------------------------------------------------------------------------------------- the pages


@pytest.fixture
def world(db, buyer, finance, supplier_a):
    """A PO with odd quantities and prices, an invoice whose price drifted above it (an exception
    case with its explanation) and an invoice-first statement with a deduction."""
    entity = LegalEntityFactory(name="上海采购有限公司", address="上海市浦东新区示例路 1 号")
    po = make_po(buyer, supplier_a, entity, [("六角螺栓 M8", "12.5", "1234.5"), ("垫圈", "100", "12.50")])
    receive(buyer, po, {po_lines(po)[0]: D("12.5"), po_lines(po)[1]: 100})
    drifted = make_invoice(
        supplier_a, entity, [line("六角螺栓 M8", "12.5", "1234.5"), line("垫圈", "100", "13.50")]
    )
    invoice_match(invoice_id=drifted.pk)
    approved = statement_builders.make_invoice(
        supplier_a, entity, lines=(("12345.60", "0.13"), ("100.00", None))
    )
    statement = svc.statement_create(
        kind="invoice_first",
        supplier=supplier_a,
        legal_entity=entity,
        period_from=statement_builders.PERIOD[0],
        period_to=statement_builders.PERIOD[1],
        actor=finance,
    )
    svc.statement_deduction_add(statement=statement, amount="1030", reason="包装破损扣款", actor=finance)
    return {"po": po, "drifted": drifted, "approved": approved, "statement": statement}


def _read(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    values = " ".join(re.findall(r'\b(?:value|placeholder)="([^"]*)"', html))  # what inputs show
    return re.sub(r"<[^>]+>", " ", html) + " " + values


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_pages_show_figures_like_money(
    client, client_as, settings, world, buyer, finance, supplier_user_a, language
):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    po, drifted, statement = world["po"], world["drifted"], world["statement"]
    yuan = "¥" if language == "zh-hans" else "CN¥"
    pages = {
        "po": (buyer, f"/procurement/pos/{po.pk}/"),
        "invoice": (finance, f"/invoices/{drifted.pk}/"),
        "match": (finance, f"/settlement/matching/invoices/{drifted.pk}/"),
        "statement": (finance, f"/settlement/statements/{statement.pk}/"),
        "desk": (finance, "/settlement/matching/exceptions/"),
        "supplier invoices": (supplier_user_a, "/invoices/"),
        "supplier invoice": (supplier_user_a, f"/invoices/{drifted.pk}/"),
    }
    text = {}
    for name, (user, url) in pages.items():
        text[name] = _read(client_as(user), url)
        raw = [text[name][max(0, m.start() - 80) : m.end() + 20] for m in RAW.finditer(text[name])]
        assert not raw, (name, raw[:3])

    # the PO: quantities exact without zeros, prices with two decimals, amounts grouped in yuan, 13%
    assert "12.5" in text["po"] and "1,234.50" in text["po"]
    assert f"{yuan}15,431.25" in text["po"] and f"{yuan}1,250.00" in text["po"]
    assert "13%" in text["po"] and "0.1300" not in text["po"]
    # the invoice and its match: 13.50 against 12.50, the difference signed, the percent signed
    assert (
        "1,350.00" in text["invoice"] and f"{yuan}16,781.25" in text["invoice"] and "13%" in text["invoice"]
    )
    for page in ("invoice", "match"):
        assert (
            "13.50" in text[page]
            and "12.50" in text[page]
            and "13.50 " in text[page]
            and "(+1.00, +8%)" in text[page]
        ), page
    # the statement: grouped amounts in yuan, the deduction negative
    assert f"{yuan}12,445.60" in text["statement"] and f"-{yuan}1,030.00" in text["statement"]
    assert f"{yuan}13,020.53" in text["statement"]
    assert f"{yuan}" in text["desk"] and drifted.invoice_number in text["desk"]
    # the supplier's own list: the gross amount grouped, the issue date in the reader's language
    with translation.override(language):
        assert f.day(drifted.issue_date) in text["supplier invoices"]
    gross = f.price(drifted.gross_amount)
    assert gross in text["supplier invoices"] and "," in gross


def test_the_csv_export_stays_machine_readable_without_noise(client_as, world, supplier_user_a):
    response = client_as(supplier_user_a).get("/invoices/?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    drifted = world["drifted"]
    row = next(r for r in rows if drifted.invoice_number in r)
    assert f"{drifted.gross_amount:.2f}" in row and drifted.issue_date.isoformat() in row
    assert not any("¥" in cell or RAW.search(cell) for cell in row)


def test_datetimes_are_shown_in_the_portal_time_zone(settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with translation.override("zh-hans"):
        assert f.moment(datetime(2026, 12, 6, 23, 30, tzinfo=UTC)) == "2026年12月7日 07:30"
