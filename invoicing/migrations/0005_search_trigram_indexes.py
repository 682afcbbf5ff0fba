"""Trigram (pg_trgm) GIN indexes for the lists' text search, PostgreSQL only (SQLite: nothing).

The lists search with ``icontains``, which Django writes as ``UPPER(col::text) LIKE UPPER('%…%')``
on PostgreSQL: these indexes are on that same expression, so a search of three characters or more
is a bitmap index scan instead of a sequential scan over every invoice (core.listing).
"""

from django.db import migrations

INDEXES = (
    ("invoice_number_trgm", "invoicing_invoice", "invoice_number"),
    ("invoice_seller_name_trgm", "invoicing_invoice", "seller_name"),
    ("po_number_trgm", "procurement_purchaseorder", "number"),
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _, _ in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0004_validation_issue_text"),
        ("procurement", "0012_early_rfq_close_second_buyer"),
    ]

    operations = [migrations.RunPython(create, drop)]
