"""Point 1: quote attachments through the portal and the API; downloads scoped (another
supplier: 404; buyers: only once the RFQ is closed, since a file can reveal the prices);
type and size limits with clear codes; every attachment is part of the hashed quote version."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from core.errors import DomainError
from core.services import api_token_create
from procurement import selectors, services
from procurement.models import QuoteAttachment, QuoteVersion
from procurement.services.rfq import quote_version_digest
from tests.factories import make_rfq

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
VALID = timezone.localdate() + timedelta(days=30)


def _zip(names) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name in names:
            zf.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.fixture
def rfq(buyer, supplier_a, supplier_b):
    return make_rfq(buyer=buyer, suppliers=[supplier_a, supplier_b], lines=((5,),))


@pytest.fixture
def bearer(client):
    def call(user, method, url, **kwargs):
        raw = api_token_create(user=user, name="erp")[1]
        return getattr(client, method)(url, HTTP_AUTHORIZATION=f"Bearer {raw}", **kwargs)

    return call


def _quote(rfq, user, price="10", **kwargs):
    return services.quote_submit(
        rfq=rfq,
        actor=user,
        prices={rfq.lines.get().pk: price},
        lead_time_days=3,
        valid_until=VALID,
        **kwargs,
    )


def _portal_quote(client, rfq, price="10", files=(), **extra):
    data = {
        f"price_{rfq.lines.get().pk}": price,
        "lead_time_days": "3",
        "valid_until": VALID.isoformat(),
        "attachments": [SimpleUploadedFile(name, content) for name, content in files],
        **extra,
    }
    return client.post(f"/procurement/rfqs/{rfq.pk}/quote/", data)


# ---- upload: portal and API ----------------------------------------------------------------


def test_supplier_attaches_files_to_a_quote_in_the_portal_and_they_are_hashed(
    client_as, rfq, supplier_user_a
):
    client = client_as(supplier_user_a)
    response = _portal_quote(
        client, rfq, files=[("报价单 quote.pdf", PDF), ("prices.csv", b"line,price\n1,10\n")]
    )
    assert response.status_code == 302
    version = QuoteVersion.objects.get()
    names = sorted(version.attachments.values_list("name", "content_type"))
    assert names == [("prices.csv", "text/plain"), ("报价单 quote.pdf", "application/pdf")]
    assert quote_version_digest(version) == version.sha256
    page = client.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()
    assert "报价单 quote.pdf" in page and "prices.csv" in page


def test_portal_revision_keeps_ticked_attachments_and_drops_unticked_ones(client_as, rfq, supplier_user_a):
    client = client_as(supplier_user_a)
    _portal_quote(client, rfq, files=[("a.pdf", PDF), ("b.txt", b"terms")])
    first = {a.name: a.pk for a in QuoteVersion.objects.get().attachments.all()}
    _portal_quote(client, rfq, price="9", attachments_listed="1", keep_attachment=[first["a.pdf"]])
    latest = QuoteVersion.objects.get(version=2)
    assert list(latest.attachments.values_list("name", flat=True)) == ["a.pdf"]
    assert quote_version_digest(latest) == latest.sha256
    assert QuoteVersion.objects.get(version=1).attachments.count() == 2  # earlier version unchanged


def test_a_new_file_with_the_same_name_replaces_the_kept_one(rfq, supplier_user_a):
    _quote(rfq, supplier_user_a, attachments=[("terms.txt", b"old terms")])
    version = _quote(rfq, supplier_user_a, attachments=[("terms.txt", b"new terms")])
    (attachment,) = version.attachments.all()
    assert attachment.file.read() == b"new terms"


def test_supplier_attaches_files_through_the_api_as_a_new_version_with_the_same_prices(
    bearer, rfq, supplier_user_a
):
    body = {"prices": {str(rfq.lines.get().pk): "12.5"}, "lead_time_days": 4, "valid_until": str(VALID)}
    created = bearer(
        supplier_user_a, "post", f"/api/rfqs/{rfq.pk}/quote", data=body, content_type="application/json"
    )
    assert created.status_code == 201 and created.json()["attachments"] == []
    response = bearer(
        supplier_user_a,
        "post",
        f"/api/rfqs/{rfq.pk}/quote/attachments",
        data={
            "files": [
                SimpleUploadedFile("offer.pdf", PDF),
                SimpleUploadedFile("sheet.xlsx", _zip(["[Content_Types].xml", "xl/workbook.xml"])),
            ]
        },
    )
    assert response.status_code == 201, response.content
    out = response.json()
    assert out["version"] == 2 and sorted(a["name"] for a in out["attachments"]) == [
        "offer.pdf",
        "sheet.xlsx",
    ]
    version = QuoteVersion.objects.get(version=2)
    assert [str(ql.unit_price) for ql in version.lines.all()] == ["12.500000"]
    assert version.lead_time_days == 4 and quote_version_digest(version) == version.sha256
    listed = bearer(supplier_user_a, "get", f"/api/rfqs/{rfq.pk}/quote-attachments").json()
    assert {a["name"] for a in listed} == {"offer.pdf", "sheet.xlsx"}
    download = bearer(supplier_user_a, "get", f"/api/quote-attachments/{listed[0]['id']}")
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]


def test_api_revision_can_drop_attachments_with_keep_attachment_ids(bearer, rfq, supplier_user_a):
    _quote(rfq, supplier_user_a, attachments=[("a.txt", b"a"), ("b.txt", b"b")])
    keep = QuoteAttachment.objects.get(name="b.txt").pk
    body = {
        "prices": {str(rfq.lines.get().pk): "9"},
        "lead_time_days": 3,
        "valid_until": str(VALID),
        "keep_attachment_ids": [keep],
    }
    response = bearer(
        supplier_user_a, "post", f"/api/rfqs/{rfq.pk}/quote", data=body, content_type="application/json"
    )
    assert response.status_code == 201
    assert [a["name"] for a in response.json()["attachments"]] == ["b.txt"]


def test_attaching_files_before_any_quote_is_refused_with_a_code(bearer, rfq, supplier_user_a):
    response = bearer(
        supplier_user_a,
        "post",
        f"/api/rfqs/{rfq.pk}/quote/attachments",
        data={"files": [SimpleUploadedFile("offer.pdf", PDF)]},
    )
    assert response.status_code == 400 and response.json()["code"] == "no_quote"
    assert not QuoteVersion.objects.exists()


def test_attaching_after_the_deadline_is_refused(bearer, rfq, supplier_user_a):
    _quote(rfq, supplier_user_a)
    type(rfq).objects.filter(pk=rfq.pk).update(deadline=timezone.now() - timedelta(seconds=1))
    response = bearer(
        supplier_user_a,
        "post",
        f"/api/rfqs/{rfq.pk}/quote/attachments",
        data={"files": [SimpleUploadedFile("offer.pdf", PDF)]},
    )
    assert response.status_code == 409 and response.json()["code"] == "deadline_passed"
    assert QuoteVersion.objects.count() == 1


# ---- type and size limits ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("empty.pdf", b"", "attachment_empty"),
        ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00", "attachment_type_not_allowed"),
        ("archive.zip", _zip(["a.txt"]), "attachment_type_not_allowed"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "attachment_type_not_allowed"),
        ("fake.pdf", b"<html><script>alert(1)</script></html>", "attachment_type_mismatch"),
        ("scan.png", PDF, "attachment_type_mismatch"),
    ],
)
def test_files_of_the_wrong_kind_are_refused_with_a_code_and_nothing_is_stored(
    rfq, supplier_user_a, name, content, code
):
    with pytest.raises(DomainError) as exc:
        _quote(rfq, supplier_user_a, attachments=[(name, content)])
    assert exc.value.code == code and name.split(".")[0] in exc.value.message
    assert not QuoteVersion.objects.exists() and not QuoteAttachment.objects.exists()


@override_settings(QUOTE_ATTACHMENT_MAX_BYTES=1024)
def test_a_file_above_the_size_limit_is_refused_in_the_portal_and_the_api(
    client_as, bearer, rfq, supplier_user_a
):
    big = PDF + b"0" * 2048
    client = client_as(supplier_user_a)
    response = _portal_quote(client, rfq, files=[("big.pdf", big)])
    assert response.status_code == 302 and not QuoteVersion.objects.exists()
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("big.pdf" in m and "limit" in m for m in messages)
    _quote(rfq, supplier_user_a)
    api = bearer(
        supplier_user_a,
        "post",
        f"/api/rfqs/{rfq.pk}/quote/attachments",
        data={"files": [SimpleUploadedFile("big.pdf", big)]},
    )
    assert api.status_code == 400 and api.json()["code"] == "attachment_too_large"
    assert QuoteVersion.objects.count() == 1


def test_more_than_ten_attachments_are_refused(rfq, supplier_user_a):
    with pytest.raises(DomainError) as exc:
        _quote(rfq, supplier_user_a, attachments=[(f"f{i}.txt", b"x") for i in range(11)])
    assert exc.value.code == "too_many_attachments"
    _quote(rfq, supplier_user_a, attachments=[(f"f{i}.txt", b"x") for i in range(10)])
    with pytest.raises(DomainError) as exc:  # ten kept plus one new
        _quote(rfq, supplier_user_a, attachments=[("eleventh.txt", b"x")])
    assert exc.value.code == "too_many_attachments"


def test_keeping_an_attachment_of_another_quote_is_refused(rfq, supplier_user_a, supplier_user_b):
    _quote(rfq, supplier_user_a)
    other = _quote(rfq, supplier_user_b, attachments=[("b.txt", b"b")]).attachments.get()
    with pytest.raises(DomainError) as exc:
        _quote(rfq, supplier_user_a, keep_attachments=[other.pk])
    assert exc.value.code == "unknown_attachment"


def test_accepted_kinds_are_decided_by_content():
    from procurement.attachments import check, clean_name

    limit = 10_000
    assert check("a.pdf", PDF, max_bytes=limit)[1].kind == "pdf"
    assert check("a.png", b"\x89PNG\r\n\x1a\n....", max_bytes=limit)[1].kind == "png"
    assert check("a.JPG", b"\xff\xd8\xff\xe0....", max_bytes=limit)[1].kind == "jpeg"
    assert check("a.ofd", _zip(["OFD.xml"]), max_bytes=limit)[1].kind == "ofd"
    assert (
        check("a.docx", _zip(["[Content_Types].xml", "word/document.xml"]), max_bytes=limit)[1].kind == "docx"
    )
    assert check("报价.csv", "行,价格\n1,10\n".encode("gb18030"), max_bytes=limit)[1].kind == "text"
    assert clean_name("C:\\Users\\x\\..\\报价\x00单.pdf") == "报价单.pdf"
    assert clean_name("../../etc/passwd") == "passwd"


# ---- download scope ------------------------------------------------------------------------


@pytest.fixture
def attached(rfq, supplier_user_a, supplier_user_b):
    a = _quote(rfq, supplier_user_a, attachments=[("a-price-list.pdf", PDF)]).attachments.get()
    b = _quote(
        rfq, supplier_user_b, price="9", attachments=[("b-price-list.txt", b"9.00 CNY")]
    ).attachments.get()
    return a, b


def test_another_supplier_gets_404_for_an_attachment_on_the_portal_and_the_api(
    client_as, bearer, supplier_user_a, attached
):
    _, foreign = attached
    assert client_as(supplier_user_a).get(f"/procurement/quote-attachments/{foreign.pk}/").status_code == 404
    response = bearer(supplier_user_a, "get", f"/api/quote-attachments/{foreign.pk}")
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    listed = bearer(
        supplier_user_a, "get", f"/api/rfqs/{foreign.version.quote.rfq_id}/quote-attachments"
    ).json()
    assert [a["name"] for a in listed] == ["a-price-list.pdf"]


def test_buyers_get_attachments_only_after_the_rfq_is_closed(
    client_as, bearer, buyer, finance, rfq, attached
):
    own, foreign = attached
    client = client_as(buyer)
    for attachment in (own, foreign):
        assert client.get(f"/procurement/quote-attachments/{attachment.pk}/").status_code == 404
        assert bearer(buyer, "get", f"/api/quote-attachments/{attachment.pk}").status_code == 404
    sealed = bearer(buyer, "get", f"/api/rfqs/{rfq.pk}/quote-attachments")
    assert sealed.status_code == 409 and sealed.json()["code"] == "quotes_sealed"
    assert "price-list" not in client.get(f"/procurement/rfqs/{rfq.pk}/").content.decode()
    rfq = services.rfq_close(rfq=rfq, actor=buyer, reason="closed early for the test")
    download = client.get(f"/procurement/quote-attachments/{foreign.pk}/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"9.00 CNY"
    assert download["Content-Type"].startswith("text/plain")
    assert bearer(finance, "get", f"/api/quote-attachments/{own.pk}").status_code == 200
    names = {a["name"] for a in bearer(buyer, "get", f"/api/rfqs/{rfq.pk}/quote-attachments").json()}
    assert names == {"a-price-list.pdf", "b-price-list.txt"}
    assert "b-price-list.txt" in client.get(f"/procurement/rfqs/{rfq.pk}/comparison/").content.decode()
    assert selectors.quote_attachment_list(buyer, rfq).count() == 2
