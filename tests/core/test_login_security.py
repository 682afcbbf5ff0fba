from django.test import Client

from core.models import User


def test_login_is_locked_after_five_failures_even_with_the_right_password(db, supplier_user_a):
    client = Client()
    for _ in range(5):
        client.post("/login/", {"username": "alice", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(
        "/login/", {"username": "alice", "password": "correct-horse-battery"}, REMOTE_ADDR="10.0.0.1"
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_correct_login_works_before_the_limit(db, supplier_user_a):
    client = Client()
    client.post("/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/login/", {"username": "alice", "password": "correct-horse-battery"})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(User.objects.get(username="alice").pk)


def test_portal_form_post_without_csrf_token_is_refused(db, buyer, supplier_a):
    client = Client(enforce_csrf_checks=True)
    client.force_login(buyer)
    response = client.post(f"/suppliers/{supplier_a.pk}/suspend/", {"reason": "x"})
    assert response.status_code == 403
    supplier_a.refresh_from_db()
    assert supplier_a.state == "approved"


def test_anonymous_user_is_sent_to_login(client):
    response = client.get("/suppliers/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_buyer_sees_supplier_page_with_history_and_actions(client, buyer, supplier_a):
    client.force_login(buyer)
    client.post(f"/suppliers/{supplier_a.pk}/suspend/", {"reason": "licence expired"})
    page = client.get(f"/suppliers/{supplier_a.pk}/").content.decode()
    assert "licence expired" in page and "Suspended" in page  # the action by name (core.history)
    assert "Reinstate" in page
