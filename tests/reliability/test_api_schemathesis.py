"""schemathesis against /api/openapi.json, in process (the Django WSGI app), authenticated with a
valid token of a buyer or of a supplier user (drawn with each case): whatever it generates — boundary
values, missing and wrongly typed parameters, random bodies — the API never answers with a 5xx."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from config.wsgi import application
from core.services import api_token_create
from tests.factories import ItemFactory, LegalEntityFactory, SupplierFactory, UserFactory, make_supplier_user

CONFIG = schemathesis.Config.from_dict(
    {
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True, "unexpected-methods": []},  # the access walker tries every method
            "fuzzing": {"enabled": True},
        }
    }
)


@pytest.fixture
def in_process_requests():
    """The WSGI handler closes the database connection after each request; inside the test's
    transaction it must not (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application, config=CONFIG)


@pytest.fixture
def tokens(db, in_process_requests):
    supplier = SupplierFactory(state="approved")
    LegalEntityFactory()
    ItemFactory()
    buyer = UserFactory(username="st-buyer", role="buyer")
    supplier_user = make_supplier_user(supplier, "st-supplier")
    return {
        "buyer": api_token_create(user=buyer, name="st")[1],
        "supplier": api_token_create(user=supplier_user, name="st")[1],
    }


@schema.parametrize()
@schema.given(role=st.sampled_from(["buyer", "supplier"]))
@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_the_api_answers_every_generated_request_without_a_server_error(case, role, tokens):
    response = case.call(headers={"Authorization": f"Bearer {tokens[role]}"})
    assert response.status_code < 500, f"as {role}: {case.as_curl_command()} → {response.status_code}"
