"""Run by test_upload_concurrency_sqlite.py in a child process, on a file-based SQLite database
(``DATABASE_URL`` given by the test): migrate, make a supplier user, then upload N different
invoices at once through the upload view from N threads (as ``runserver`` serves them, each
thread with its own connection, tasks run in-process after commit). Prints one JSON object:
the HTTP statuses, the invoices' states and the "could not enqueue" log lines."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading

import django


def main(n: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0, interactive=False)

    from invoicing.models import Invoice
    from tests.factories import LegalEntityFactory, SupplierFactory, make_supplier_user
    from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, SELLER_NAME, build_cn_xml

    LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)
    supplier = SupplierFactory(name=SELLER_NAME, tax_id=SELLER_ID, state="approved")
    user = make_supplier_user(supplier, "probe-seller")
    connection.close()

    lost: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record):
            lost.append(record.getMessage())

    logging.getLogger("core.queue").addHandler(Catch(level=logging.ERROR))

    barrier = threading.Barrier(n)
    statuses: list[int] = []

    def upload(i: int) -> None:
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(user)
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = build_cn_xml(number=f"2635200000001{i:07d}")
        barrier.wait()
        try:
            response = client.post(
                "/invoices/upload/file/",
                {"file": SimpleUploadedFile(f"invoice-{i}.xml", data, "text/xml")},
            )
            statuses.append(response.status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    states = sorted(Invoice.objects.values_list("state", flat=True))
    print(json.dumps({"statuses": sorted(statuses), "states": states, "lost": lost}))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 11)
