"""A payment run in a real browser: finance proposes it (Chinese), the page offers the proposer
no approval; a second finance user approves it (English); finance exports the ISO 20022 file,
which validates against the schema, and the CSV. The supplier reads its statement of account.
Screenshots in zh-CN and en."""

import importlib
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.apps import apps as django_apps

from settlement import pain001
from settlement.models import PaymentRun
from tests.factories import (
    LegalEntityFactory,
    SupplierFactory,
    UserFactory,
    make_approved_bank_account,
    make_supplier_user,
)
from tests.settlement.payment_run_builders import approved_invoice, approved_statement, house_account

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db):
    entity = LegalEntityFactory(name="上海示例采购有限公司")
    house_account(entity)
    finance = UserFactory(username="fang-finance", role="finance")
    second = UserFactory(username="fei-finance", role="finance")
    suppliers = []
    for name, net in (("深圳华南电子有限公司", "12000.00"), ("北京京北办公用品有限公司", "5600.00")):
        supplier = SupplierFactory(name=name, state="approved")
        user = make_supplier_user(supplier, f"user-{len(suppliers)}")
        make_approved_bank_account(supplier)
        approved_statement(supplier, user, entity, finance, net=net, check=second)
        suppliers.append((supplier, user))
    # a loose invoice (on no statement) under 2/10 net 30, issued 3 days ago: paid less 2 %
    importlib.import_module("suppliers.migrations.0007_standard_payment_terms").add(django_apps, None)
    loose = SupplierFactory(name="苏州东吴包装材料有限公司", state="approved")
    make_supplier_user(loose, "user-loose")
    make_approved_bank_account(loose)
    approved_invoice(loose, entity, finance, net="1000.00", term="2-10-net-30")
    return {"entity": entity, "finance": finance, "second": second, "supplier_user": suppliers[0][1]}


def _chinese(page) -> None:
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": page.url}])


def _confirm(page) -> None:
    dialog = page.locator("dialog.confirm-dialog[open]")
    dialog.wait_for(state="visible")
    dialog.locator(".confirm-ok").click()


def test_finance_proposes_another_approves_and_the_pain001_file_is_exported(new_page, world, screenshot):
    finance = new_page(world["finance"])
    _chinese(finance)
    finance.goto("/settlement/payment-runs/new/")
    finance.locator("#due_by").fill((date.today() + timedelta(days=365)).isoformat())
    finance.locator("main form button[type=submit]").click()
    finance.wait_for_url("**/settlement/payment-runs/*/")
    run_url = finance.url
    main = finance.locator("main").inner_text()
    assert "13,560.00" in main and "6,328.00" in main
    assert "1,107.40" in main and "22.60" in main  # the loose invoice's 1,130.00 less its 2 % discount
    assert "20,995.40" in main
    assert finance.locator("form[action$='/approve/']").count() == 0  # the proposer cannot approve
    screenshot(finance, "proposed-zh")

    approver = new_page(world["second"])
    approver.goto(run_url)
    approver.locator("form[action$='/approve/'] button").click()
    with approver.expect_navigation():
        _confirm(approver)
    assert PaymentRun.objects.get().state == "approved"
    screenshot(approver, "approved-en")

    finance.goto(run_url)
    with finance.expect_download() as download:
        finance.locator("form[action$='export.xml'] button").click()
    data = Path(download.value.path()).read_bytes()
    pain001.validate(data)
    assert b"<CtrlSum>20995.40</CtrlSum>" in data and b"<NbOfTxs>3</NbOfTxs>" in data
    with finance.expect_download() as csv_download:
        finance.locator("form[action$='export.csv'] button").click()
    assert "13560.00" in Path(csv_download.value.path()).read_text(encoding="utf-8-sig")
    finance.goto(run_url)
    assert PaymentRun.objects.get().state == "exported"
    screenshot(finance, "exported-zh")

    finance.locator("#run-ref").fill("CNAPS-20261207-01")
    finance.locator("form[action$='/confirm/'] button").click()
    with finance.expect_navigation():
        _confirm(finance)
    assert PaymentRun.objects.get().state == "paid"
    screenshot(finance, "paid-zh")

    supplier = new_page(world["supplier_user"])
    supplier.goto("/settlement/account/")  # the navigation's link: the supplier's own account
    assert "CNAPS-20261207-01" in supplier.locator("main").inner_text()
    screenshot(supplier, "supplier-account-en")
    _chinese(supplier)
    supplier.reload()
    screenshot(supplier, "supplier-account-zh")

    reports = new_page(world["second"])
    reports.goto("/reports/due/")
    assert reports.locator("main svg").count() == 3
    screenshot(reports, "due-reports-en")
