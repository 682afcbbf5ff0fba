"""The usual payment terms as data, so a fresh portal has something to choose (finance edits them
in the admin)."""

from decimal import Decimal

from django.db import migrations

TERMS = [
    ("due-on-receipt", "见票即付", "Due on receipt", "invoice_date", 0, Decimal("0"), None),
    ("net-30", "30 天付款", "Net 30", "invoice_date", 30, Decimal("0"), None),
    ("net-60", "60 天付款", "Net 60", "invoice_date", 60, Decimal("0"), None),
    ("eom-30", "月结 30 天", "End of month + 30 days", "end_of_month", 30, Decimal("0"), None),
    ("eom-60", "月结 60 天", "End of month + 60 days", "end_of_month", 60, Decimal("0"), None),
    ("2-10-net-30", "10 天内付款折扣 2%，30 天付款", "2% 10, net 30", "invoice_date", 30, Decimal("2"), 10),
]


def add(apps, schema_editor):
    PaymentTerm = apps.get_model("suppliers", "PaymentTerm")
    for code, zh, en, basis, days, pct, pct_days in TERMS:
        PaymentTerm.objects.get_or_create(
            code=code,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "basis": basis,
                "days": days,
                "discount_percent": pct,
                "discount_days": pct_days,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("suppliers", "0006_paymentterm_historicalsupplier_payment_term_and_more")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
