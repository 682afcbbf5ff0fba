"""Every portal page's fixed cost in SQL queries, pinned per role on a cheap page (the inbox, empty):
what the frame costs on every request (session, user, second factor, the nav's unread count) plus
the page's one count. A new query in the middleware, a context processor or base.html fails here;
benchmarks/frame_cost.py measures the same pages in time against the bench's floor views."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def mfa_on(settings):
    settings.MFA_REQUIRED = True  # the production default (config/settings/base.py)
    settings.MFA_REQUIRED_ROLES = ["finance", "staff", "buyer"]


def proved_client(client, user):
    """``user`` logged in; one who must use a second factor has proved it (django_otp.login)."""
    client.force_login(user)
    if user.role in ("buyer", "finance"):
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
        session = client.session
        session["otp_device_id"] = device.persistent_id
        session.save()
    return client


# session, user, and then: the proved device (buyer, finance), or the one look for a confirmed
# device and approver rows that finds none (a supplier user without an authenticator, core.mfa);
# the supplier user's membership (nav); the unread count (nav); the inbox's own count.
FRAME = {"buyer": 5, "finance": 5, "supplier": 6}


@pytest.mark.parametrize("role", ["buyer", "finance", "supplier"])
def test_a_cheap_page_costs_the_same_few_queries_for_each_role(role, client, buyer, finance, supplier_user_a):
    user = {"buyer": buyer, "finance": finance, "supplier": supplier_user_a}[role]
    client = proved_client(client, user)
    assert client.get("/notifications/").status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/notifications/")
    assert response.status_code == 200
    sql = "\n".join(q["sql"] for q in queries.captured_queries)
    assert len(queries) == FRAME[role], sql
