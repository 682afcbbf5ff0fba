"""Demo data for `make run`: safe to run twice (get-or-create everything)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from core.models import Role, User
from core.services import run_transition
from procurement.demo import seed_procurement_demo
from procurement.models import Item, LegalEntity
from requisitions.demo import seed_requisitions_demo
from suppliers.models import Supplier, SupplierMembership, SupplierState

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - demo data for a laptop
LEGAL_ENTITY = ("上海示例采购有限公司 Shanghai Demo Buying Co., Ltd.", "91310000MA1FL0001R")
SUPPLIERS = [
    ("深圳华南电子有限公司 Huanan Electronics", "91440300MA5F00002D"),
    ("北京京北办公用品有限公司 Jingbei Office Supplies", "91110108MA0000003K"),
]
ITEMS = [
    ("EL-1001", "USB-C 数据线 1m / USB-C cable 1 m", "EA", "0.13", "electronics", False),
    ("EL-1002", "显示器 27 英寸 / 27-inch monitor", "EA", "0.13", "electronics", False),
    ("OF-2001", "A4 复印纸 / A4 copy paper (500 sheets)", "PK", "0.13", "office", False),
    ("SV-3001", "设备维护服务 / equipment maintenance service", "H", "0.06", "services", True),
]


class Command(BaseCommand):
    help = "Create demo users, a legal entity, two approved suppliers and items (idempotent)."

    def handle(self, *args, **options):
        with transaction.atomic():
            logins = self._seed()
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/ with:"))
        for username, role, extra in logins:
            self.stdout.write(f"  {username:<12} / {DEMO_PASSWORD}   {role}{extra}")

    def _user(self, username: str, role: str, **extra) -> User:
        user, created = User.objects.get_or_create(username=username, defaults={"role": role, **extra})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _seed(self):
        LegalEntity.objects.get_or_create(tax_id=LEGAL_ENTITY[1], defaults={"name": LEGAL_ENTITY[0]})
        for code, name, unit, rate, category, service in ITEMS:
            Item.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "unit": unit,
                    "default_tax_rate": rate,
                    "category": category,
                    "is_service": service,
                },
            )
        buyer = self._user("buyer", Role.BUYER, first_name="Bai", last_name="Buyer")
        self._user("finance", Role.FINANCE, first_name="Fang", last_name="Finance")
        self._user("admin", Role.STAFF, is_staff=True, is_superuser=True)
        logins = [("buyer", "buyer", ""), ("finance", "finance", ""), ("admin", "staff (Django admin)", "")]
        for index, (name, tax_id) in enumerate(SUPPLIERS, start=1):
            supplier, _ = Supplier.objects.get_or_create(tax_id=tax_id, defaults={"name": name})
            if supplier.state == SupplierState.DRAFT:
                supplier = run_transition(supplier, "submit", actor=buyer, reason="demo data")
            if supplier.state == SupplierState.SUBMITTED:
                run_transition(supplier, "approve", actor=buyer, reason="demo data")
            username = f"supplier{index}"
            user = self._user(username, Role.SUPPLIER)
            SupplierMembership.objects.get_or_create(user=user, defaults={"supplier": supplier})
            logins.append((username, "supplier user", f" of {name}"))
        logins += seed_procurement_demo(buyer=buyer, password=DEMO_PASSWORD)
        logins += seed_requisitions_demo(password=DEMO_PASSWORD)
        return logins
