import pytest

from tests.factories import LegalEntityFactory, UserFactory


@pytest.fixture
def entity(db):
    return LegalEntityFactory(name="上海采购有限公司")


@pytest.fixture
def approver(db):
    return UserFactory(username="approver1", role="buyer")
