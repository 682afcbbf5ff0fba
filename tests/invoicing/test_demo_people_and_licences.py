"""`make run`'s demo people and suppliers: every user has an e-mail address (printed in the
login list), a second finance user exists, and the demo suppliers hold a valid 营业执照 so the
daily qualification-expiry job leaves them approved. Safe to run twice."""

from io import StringIO

import pytest
from django.core.management import call_command

from core.models import User
from suppliers.models import QualificationDocument, Supplier
from suppliers.services import qualification_expiry_check

pytestmark = pytest.mark.django_db


def test_every_demo_user_has_an_address_and_the_login_list_shows_it():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    users = User.objects.all()
    assert {"buyer", "finance", "finance2", "supplier1", "supplier2", "approver", "requester"} <= {
        u.username for u in users
    }
    for user in users:
        assert user.email == f"{user.username}@demo.example"
        assert f"{user.username}@demo.example" in printed
    assert User.objects.get(username="finance2").role == "finance"
    assert User.objects.get(username="finance2").check_password("portal-demo-2026")


def test_the_expiry_job_neither_warns_nor_suspends_the_demo_suppliers():
    call_command("seed_demo", stdout=StringIO())
    licences = QualificationDocument.objects.filter(doc_type="business_licence")
    assert licences.count() == 2 and all(d.file.read().startswith(b"%PDF") for d in licences)
    assert qualification_expiry_check() == {"warned": 0, "suspended": 0}
    assert set(Supplier.objects.values_list("state", flat=True)) == {"approved"}


def test_seeding_twice_adds_no_licence_and_keeps_an_address_a_person_changed():
    call_command("seed_demo", stdout=StringIO())
    User.objects.filter(username="buyer").update(email="bai@example.com")
    call_command("seed_demo", stdout=StringIO())
    assert QualificationDocument.objects.count() == 2
    assert User.objects.get(username="buyer").email == "bai@example.com"
