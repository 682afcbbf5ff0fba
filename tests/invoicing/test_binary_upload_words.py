"""A random binary upload is described as binary, not as plain text; real text still is text."""

import os
import random

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from invoicing.formats.detect import parse_invoice
from invoicing.formats.model import Refused


def test_the_portal_calls_a_random_binary_upload_binary(client, seller_user):
    client.force_login(seller_user)
    rng = random.Random(7)
    noise = bytes(rng.randrange(0x21, 256) for _ in range(3000))  # no NUL, no "<"
    response = client.post("/invoices/upload/file/", {"file": SimpleUploadedFile("scan.dat", noise)})
    body = response.content.decode()
    assert response.status_code == 400
    assert "binary" in body and "plain text" not in body


@pytest.mark.parametrize(
    "data, words",
    [
        (os.urandom(64).replace(b"<", b"x").replace(b"\x00", b"y") + b"\x01\x02", "binary"),
        ("发票号码 12345 金额 100.00".encode("gb18030"), "plain text"),
        (b"Invoice 12345, amount 100.00\n", "plain text"),
        (b'{"invoice": 1}', "JSON"),
    ],
    ids=["random-bytes", "gb18030-text", "ascii-text", "json"],  # stable ids: the bytes are random
)
def test_what_the_file_looks_like_is_named(data, words):
    with pytest.raises(Refused) as exc:
        parse_invoice(data)
    assert words in exc.value.message
