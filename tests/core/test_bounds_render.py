"""No stored value makes a page answer 500.

Builds the access walker's world (every app's documents: contracts, POs, receipts, RFQs, quotes,
requisitions, invoices, statements, payments …), then writes, with the ORM, an extreme value into
every Decimal column of every row: the largest value the column holds, its negative, zero (a
value a database CHECK refuses is skipped: it cannot be stored). Then every page, list, CSV
export, PDF and API endpoint without side effects (GET) is requested as a buyer, a finance user,
a superuser and the supplier's own user, and the Django admin's list and change page of every
model with such a column: each must answer below 500.
"""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.admin.sites import site
from django.db import DataError, IntegrityError, connection, models, transaction
from django.urls import get_resolver

from core.bounds import fits_column
from tests.core.test_access_walker import OWNED, _build_world, _fill, _routes, param_names
from tests.factories import UserFactory


def column_max(field: models.DecimalField) -> Decimal:
    """The largest value a max_digits/decimal_places column holds and gives back: all nines, at
    most 15 significant digits (SQLite keeps a decimal as a float; core.bounds.fits_column),
    e.g. 999999999999.999 for (18, 6) and 999999999999999 for (18, 2)."""
    integer = field.max_digits - field.decimal_places
    places = max(0, min(field.decimal_places, 15 - integer))
    value = Decimal(10) ** min(integer, 15) - Decimal(1).scaleb(-places)
    assert fits_column(value, field.max_digits, field.decimal_places), (field, value)
    return value


def decimal_columns():
    for model in apps.get_models():
        if model._meta.managed and not model._meta.proxy:
            for field in model._meta.concrete_fields:
                if isinstance(field, models.DecimalField):
                    yield model, field


def store_everywhere(kind: str) -> int:
    """Write the extreme value ``kind`` into every row's Decimal columns; the number of columns
    written (a column whose CHECK constraint refuses the value keeps its value)."""
    written = 0
    for model, field in decimal_columns():
        value = {
            "max": column_max(field),
            "negative": -column_max(field),
            "zero": Decimal(0),
            "beyond": Decimal("99999999999999999999"),  # what the tester typed, stored by .update()
        }[kind]
        try:
            with transaction.atomic():
                model._base_manager.update(**{field.name: value})
            written += 1
        except (IntegrityError, DataError):
            pass  # a CHECK refuses it (PostgreSQL refuses "beyond" for every column)
    return written


def _consume(response) -> None:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # a CSV export fails while it streams


def _get(client, url, failures):
    try:
        response = client.get(url)
        _consume(response)
    except Exception as exc:  # the test client re-raises the view's exception
        failures.append(f"GET {url} raised {type(exc).__name__}: {exc}")
        return
    if response.status_code >= 500:
        failures.append(f"GET {url} → {response.status_code}")


def _walk(client, user, ids, failures):
    client.force_login(user)
    for route in sorted(set(_routes(get_resolver().url_patterns))):
        if "logout" in route or route.startswith("health/"):
            continue  # readiness answers 503 for the infrastructure (no broker here), not for data
        url = _fill(route, ids)
        _get(client, url, failures)
        if not set(param_names(route)) & set(OWNED):
            _get(client, f"{url}?format=csv", failures)


def _walk_admin(client, failures):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    models_with_money = {model for model, _ in decimal_columns()}
    for model in models_with_money:
        if model not in site._registry:
            continue
        meta = model._meta
        _get(client, f"/admin/{meta.app_label}/{meta.model_name}/", failures)
        for pk in model._base_manager.values_list("pk", flat=True)[:3]:
            _get(client, f"/admin/{meta.app_label}/{meta.model_name}/{pk}/change/", failures)


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["max", "negative", "zero", "beyond"])
def test_no_stored_extreme_value_makes_a_page_pdf_csv_or_api_answer_500(client, kind):
    if kind == "beyond" and connection.vendor != "sqlite":
        pytest.skip("only SQLite stores a value beyond its column's digits")
    world = _build_world()
    written = store_everywhere(kind)
    assert written >= 20, f"only {written} columns took the {kind} value: the world is too small"
    failures: list[str] = []
    own = {**world["own"], **world["shared"]}
    every = {**world["foreign"], **world["shared"]}
    _walk(client, world["alice"], own, failures)
    for role in ("buyer", "finance"):
        _walk(client, UserFactory(username=f"{role}-{kind}", role=role), every, failures)
    _walk(client, UserFactory(username=f"super-{kind}", role="buyer", is_superuser=True), own, failures)
    _walk_admin(client, failures)
    assert not failures, "\n".join(failures)
