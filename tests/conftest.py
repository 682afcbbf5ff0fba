"""Shared fixtures: users of every role and two suppliers (A is "ours", B is foreign)."""

import pytest

from tests.factories import SupplierFactory, UserFactory, make_supplier_user

# A test reaches the database only through one of these fixtures or the django_db marker
# (pytest-django refuses any other access), so a test without them is the same on every backend.
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="deselect the tests that cannot reach the database (CI's PostgreSQL pass: they ran in the SQLite pass)",
    )


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--database-tests-only"):
        return
    keep, drop = [], []
    for item in items:
        reaches_database = (
            item.get_closest_marker("django_db")
            or item.get_closest_marker("integration")
            or DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        (keep if reaches_database else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


# Rows that data migrations write and code relies on: (module, function, model). A transactional
# test flushes every table when it ends, so a later test on the same xdist worker would otherwise
# run without them, and which test that is depends on how xdist hands out modules.
MIGRATION_DATA = (
    ("suppliers.migrations.0007_standard_payment_terms", "add", "suppliers.PaymentTerm"),
    ("settlement.migrations.0004_approval_routing", "default_rules", "settlement.ApprovalRule"),
)


@pytest.fixture(autouse=True)
def migration_data(request):
    """Every database test starts from the migrated state: missing migration data is put back."""
    if request.node.get_closest_marker("django_db") is None and not {"db", "transactional_db"} & set(
        request.fixturenames
    ):
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("db")
    for module, function, model in MIGRATION_DATA:
        if not apps.get_model(model).objects.exists():
            getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def buyer(db):
    return UserFactory(username="buyer1", role="buyer")


@pytest.fixture
def buyer2(db):
    return UserFactory(username="buyer2", role="buyer")


@pytest.fixture
def finance(db):
    return UserFactory(username="finance1", role="finance")


@pytest.fixture
def supplier_a(db):
    return SupplierFactory(name="Supplier A 甲", state="approved")


@pytest.fixture
def supplier_b(db):
    return SupplierFactory(name="Supplier B 乙", state="approved")


@pytest.fixture
def supplier_user_a(supplier_a):
    return make_supplier_user(supplier_a, "alice")


@pytest.fixture
def supplier_user_b(supplier_b):
    return make_supplier_user(supplier_b, "bob")


@pytest.fixture
def client_as(client):
    def login(user):
        client.force_login(user)
        return client

    return login
