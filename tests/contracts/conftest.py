import pytest

from tests.factories import ItemFactory


@pytest.fixture(autouse=True)
def item_master(db):
    """Contract price lines need their item in the item master."""
    for code in ("IT-1", "IT-2", "IT-3", "IT-9", "X", "BOLT-8"):
        ItemFactory(code=code, name=f"Item {code}", unit="EA")
