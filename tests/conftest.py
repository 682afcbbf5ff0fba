"""Shared fixtures: users of every role and two suppliers (A is "ours", B is foreign)."""

import pytest

from tests.factories import SupplierFactory, UserFactory, make_supplier_user


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
