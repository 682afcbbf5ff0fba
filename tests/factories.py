import itertools

import factory

from core.models import Role, User
from procurement.models import Item, LegalEntity
from suppliers.models import Supplier, SupplierMembership
from suppliers.taxid import uscc_check_character

_serial = itertools.count(1)


def make_uscc(prefix: str = "91310000MA") -> str:
    """A valid unified social credit code, different every call."""
    body = f"{prefix}{next(_serial):07d}"[:17]
    return body + uscc_check_character(body)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = Role.BUYER
    password = factory.django.Password("correct-horse-battery")


class SupplierFactory(factory.django.DjangoModelFactory):
    """Creates a supplier directly in ``state`` (test setup only; services move states)."""

    class Meta:
        model = Supplier

    name = factory.Sequence(lambda n: f"Supplier {n}")
    tax_id = factory.LazyFunction(lambda: make_uscc("91440300MA"))

    @classmethod
    def _create(cls, model_class, *args, state="draft", **kwargs):
        obj = model_class(*args, **kwargs)
        obj.save()
        if state != "draft":
            model_class.objects.filter(pk=obj.pk).update(state=state)
            obj.refresh_from_db()
        return obj


class LegalEntityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalEntity

    name = factory.Sequence(lambda n: f"Buyer Entity {n}")
    tax_id = factory.LazyFunction(lambda: make_uscc("91310000MA"))


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    code = factory.Sequence(lambda n: f"IT-{n:04d}")
    name = factory.Sequence(lambda n: f"Item {n}")


def make_supplier_user(supplier: Supplier, username: str) -> User:
    user = UserFactory(username=username, role=Role.SUPPLIER)
    SupplierMembership.objects.create(user=user, supplier=supplier)
    return user
