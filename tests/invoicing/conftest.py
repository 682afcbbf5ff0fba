import pytest

from tests.factories import LegalEntityFactory, SupplierFactory, make_supplier_user
from tests.invoicing.cn_xml_builder import BUYER_ID, BUYER_NAME, SELLER_ID, SELLER_NAME


@pytest.fixture
def seller(db):
    """An approved supplier whose tax id is the seller of the built 数电 test invoices."""
    return SupplierFactory(name=SELLER_NAME, tax_id=SELLER_ID, state="approved")


@pytest.fixture
def seller_user(seller):
    return make_supplier_user(seller, "seller-user")


@pytest.fixture
def our_entity(db):
    return LegalEntityFactory(name=BUYER_NAME, tax_id=BUYER_ID)
