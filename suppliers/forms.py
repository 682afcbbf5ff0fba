"""Forms of the supplier pages: they read the request (types, dates, files) and carry the
errors shown next to each field. The rules themselves live in services.py (the API gets the
same ones); a service's InvalidInput is put back on the form by ``add_service_errors``."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import DocumentType


class CompanyForm(forms.Form):
    name = forms.CharField(label=_("Company name"), required=False)
    tax_id = forms.CharField(label=_("Unified social credit code"), required=False)
    address = forms.CharField(label=_("Address"), required=False)
    contact_name = forms.CharField(label=_("Contact person"), required=False)
    contact_email = forms.CharField(label=_("Contact e-mail"), required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), required=False)


class RegistrationForm(CompanyForm):
    username = forms.CharField(label=_("User name"), required=False)
    password = forms.CharField(label=_("Password (at least 10 characters)"), required=False, strip=False)


class DocumentForm(forms.Form):
    doc_type = forms.CharField(label=_("Document type"), required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False)
    expires_on = forms.DateField(label=_("Expires on"), required=False)
    file = forms.FileField(label=_("File (PDF, PNG, JPEG or OFD, at most 10 MB)"), required=False)

    document_types = DocumentType.choices


class BankAccountForm(forms.Form):
    bank_name = forms.CharField(label=_("Bank"), required=False)
    account_name = forms.CharField(label=_("Account holder"), required=False)
    account_number = forms.CharField(label=_("Account number"), required=False)
    currency = forms.CharField(label=_("Currency"), required=False)
    supporting_document = forms.FileField(
        label=_("Supporting document (account opening permit or bank letter)"), required=False
    )
    replaces_id = forms.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput
    )


class InviteForm(forms.Form):
    email = forms.CharField(label=_("Supplier contact e-mail"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False)


def add_service_errors(form: forms.Form, exc) -> None:
    """Put a service's field errors on the form (a field the form lacks goes to the top)."""
    fields = (getattr(exc, "details", None) or {}).get("fields")
    if not fields:
        form.add_error(None, exc.message)
        return
    for field, errors in fields.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error["message"])
