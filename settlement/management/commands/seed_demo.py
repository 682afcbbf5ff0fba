"""Demo data for `make run`: safe to run twice (get-or-create everything), and quick: it runs
at every `make run` and at the start of every journey test."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from core.demo_mfa import DEMO_TOTP_KEY_HEX, demo_totp_secret
from core.models import Role, User
from core.services import run_transition
from invoicing.demo_tax import seed_tax_demo
from procurement.demo import seed_procurement_demo
from procurement.models import Item, LegalEntity
from requisitions.demo import seed_requisitions_demo
from settlement.demo import seed_ap_demo
from settlement.demo_payments import seed_payments_demo
from suppliers.models import DocumentType, Supplier, SupplierMembership, SupplierState
from suppliers.services import missing_mandatory_documents, qualification_document_upload

DEMO_PASSWORD = "portal-demo-2026"  # noqa: S105 - demo data for a laptop
EMAIL_DOMAIN = "demo.example"  # every demo user gets <username>@demo.example (the console shows mail)
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
            emails = give_demo_users_emails([username for username, _, _ in logins])
            with_mfa = enrol_demo_authenticators([username for username, _, _ in logins])
        self.stdout.write(self.style.SUCCESS("Demo data ready. Log in at http://127.0.0.1:8000/ with:"))
        for username, role, extra in logins:
            self.stdout.write(
                f"  {username:<12} / {DEMO_PASSWORD}   {emails.get(username, ''):<24} {role}{extra}"
                + ("   [2FA]" if username in with_mfa else "")
            )
        if with_mfa:
            self.stdout.write(
                f"Users marked [2FA] are asked for a code after the password: add the demo secret "
                f"{demo_totp_secret()} to an authenticator app, or run `manage.py demo_totp` for the current code."
            )

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
        finance = self._user("finance", Role.FINANCE, first_name="Fang", last_name="Finance")
        finance2 = self._user("finance2", Role.FINANCE, first_name="Fei", last_name="Finance")
        self._user("admin", Role.STAFF, is_staff=True, is_superuser=True)
        logins = [
            ("buyer", "buyer", ""),
            ("finance", "finance", ""),
            ("finance2", "finance", " (a second finance user)"),
            ("admin", "staff (Django admin)", ""),
        ]
        suppliers, supplier_users = [], []
        for index, (name, tax_id) in enumerate(SUPPLIERS, start=1):
            supplier, _ = Supplier.objects.get_or_create(tax_id=tax_id, defaults={"name": name})
            if supplier.state == SupplierState.DRAFT:
                supplier = run_transition(supplier, "submit", actor=buyer, reason="demo data")
            if supplier.state == SupplierState.SUBMITTED:
                run_transition(supplier, "approve", actor=buyer, reason="demo data")
            username = f"supplier{index}"
            user = self._user(username, Role.SUPPLIER)
            SupplierMembership.objects.get_or_create(user=user, defaults={"supplier": supplier})
            give_valid_business_licence(supplier, actor=buyer)
            logins.append((username, "supplier user", f" of {name}"))
            suppliers.append(supplier)
            supplier_users.append(user)
        logins += seed_procurement_demo(buyer=buyer, password=DEMO_PASSWORD)
        logins += seed_requisitions_demo(password=DEMO_PASSWORD)
        seed_tax_demo(  # China tax steps: authenticity check, input VAT, red-letter requests
            supplier=Supplier.objects.get(tax_id=SUPPLIERS[0][1]),
            user=User.objects.get(username="supplier1"),
            entity=LegalEntity.objects.get(tax_id=LEGAL_ENTITY[1]),
            finance=User.objects.get(username="finance"),
        )
        seed_ap_demo(buyer=buyer, approver=User.objects.filter(username="approver").first())
        seed_payments_demo(
            suppliers=suppliers,
            buyer=buyer,
            finance=finance,
            finance2=finance2,
            supplier_users=supplier_users,
        )
        return logins


def give_valid_business_licence(supplier: Supplier, *, actor) -> None:
    """A 营业执照 valid for two more years, so the daily qualification-expiry job neither warns
    nor suspends the demo suppliers. Skipped when the supplier already holds a valid one."""
    if not missing_mandatory_documents(supplier):
        return
    expires_on = timezone.localdate() + timedelta(days=730)
    qualification_document_upload(
        supplier=supplier,
        doc_type=DocumentType.BUSINESS_LICENCE,
        expires_on=expires_on,
        uploaded_file=SimpleUploadedFile(
            "营业执照 business licence (demo).pdf",
            _licence_pdf(supplier, expires_on),
            "application/pdf",
        ),
        actor=actor,
    )


def _licence_pdf(supplier: Supplier, expires_on) -> bytes:
    """A one-page PDF standing in for the scanned licence."""
    import io

    from reportlab.pdfgen import canvas

    from core.pdf import cjk_font

    buffer = io.BytesIO()
    page = canvas.Canvas(buffer)
    page.setFont(cjk_font(), 16)
    lines = ["营业执照（演示） Business licence (demo)", supplier.name, f"统一社会信用代码 {supplier.tax_id}"]
    lines.append(f"有效期至 valid until {expires_on:%Y-%m-%d}")
    for n, text in enumerate(lines):
        page.drawString(60, 760 - 28 * n, text)
    page.save()
    return buffer.getvalue()


def enrol_demo_authenticators(usernames: list[str]) -> set[str]:
    """Every demo user who must use two factors (core.mfa) gets the demo authenticator
    (core.demo_mfa), unless they already have one. Returns the usernames that have one."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.mfa import mfa_required

    enrolled = set()
    for user in User.objects.filter(username__in=usernames):
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            enrolled.add(user.username)
        elif mfa_required(user):
            TOTPDevice.objects.create(
                user=user, name="demo authenticator", key=DEMO_TOTP_KEY_HEX, confirmed=True
            )
            enrolled.add(user.username)
    return enrolled


def give_demo_users_emails(usernames: list[str]) -> dict[str, str]:
    """Every demo user has an address (<username>@demo.example), so each e-mail the portal sends
    shows in the console. An address already set is kept. Returns username → address."""
    for user in User.objects.filter(username__in=usernames, email=""):
        user.email = f"{user.username}@{EMAIL_DOMAIN}"
        user.save(update_fields=["email"])
    return dict(User.objects.filter(username__in=usernames).values_list("username", "email"))
