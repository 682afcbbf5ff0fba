from django.core.exceptions import ValidationError

from .taxid import tax_id_error


def validate_uscc(value: str) -> None:
    error = tax_id_error(value)
    if error:
        raise ValidationError(error, code="invalid_tax_id")
