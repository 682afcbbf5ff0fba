from datetime import date

from django.core import mail

from core.models import TransitionLog
from suppliers.models import QualificationDocument, Supplier
from suppliers.services import qualification_expiry_check
from suppliers.tasks import check_qualification_expiry
from tests.factories import make_document

TODAY = date(2026, 6, 1)


def test_documents_expiring_within_30_days_are_warned_about_once(
    supplier_a, supplier_user_a, django_capture_on_commit_callbacks
):
    Supplier.objects.filter(pk=supplier_a.pk).update(contact_email="contact@a.example.cn")
    make_document(supplier_a, supplier_user_a, expires_on=date(2026, 6, 20))
    with django_capture_on_commit_callbacks(execute=True):
        assert qualification_expiry_check(today=TODAY) == {"warned": 1, "suspended": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert qualification_expiry_check(today=TODAY) == {"warned": 0, "suspended": 0}
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["contact@a.example.cn"]
    assert QualificationDocument.objects.get().expiry_warned_at is not None


def test_a_supplier_whose_business_licence_expired_is_suspended_once(
    supplier_a, supplier_user_a, supplier_b, supplier_user_b
):
    make_document(supplier_a, supplier_user_a, expires_on=date(2026, 5, 31))
    make_document(supplier_b, supplier_user_b, expires_on=date(2027, 5, 31))
    assert qualification_expiry_check(today=TODAY)["suspended"] == 1
    assert qualification_expiry_check(today=TODAY)["suspended"] == 0
    assert Supplier.objects.get(pk=supplier_a.pk).state == "suspended"
    assert Supplier.objects.get(pk=supplier_b.pk).state == "approved"
    log = TransitionLog.objects.get(transition="suspend")
    assert log.object_id == str(supplier_a.pk) and log.actor is None and "Business licence" in log.reason


def test_the_periodic_task_runs_the_check_and_is_in_the_beat_schedule(settings, db):
    assert (
        settings.CELERY_BEAT_SCHEDULE["suppliers-qualification-expiry"]["task"]
        == "suppliers.check_qualification_expiry"
    )
    assert settings.CELERY_BEAT_SCHEDULE["contracts-expiry"]["task"] == "contracts.check_contract_expiry"
    assert check_qualification_expiry.delay().get() == {"warned": 0, "suspended": 0}


def test_supplier_home_panel_lists_expiring_documents(supplier_a, supplier_user_a, client_as):
    from django.utils import timezone

    make_document(supplier_a, supplier_user_a, expires_on=timezone.localdate())
    home = client_as(supplier_user_a).get("/").content.decode()
    assert f"/suppliers/{supplier_a.pk}/#documents" in home
