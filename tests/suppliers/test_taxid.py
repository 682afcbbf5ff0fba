"""Unified social credit codes (GB 32100-2015) and legacy taxpayer numbers."""

import pytest

from suppliers.taxid import (
    USCC_ALPHABET,
    is_valid_uscc,
    normalise_tax_id,
    tax_id_error,
    uscc_check_character,
    uscc_error,
)

VALID = ["91350100M000100Y43", "913416007050059877", "52320200509244470T", "9132020013590404XW"]


@pytest.mark.parametrize("code", VALID)
def test_known_codes_are_valid(code):
    assert uscc_error(code) is None
    assert is_valid_uscc(code)
    assert tax_id_error(code) is None
    assert uscc_check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", VALID)
def test_every_other_check_character_is_refused(code):
    for wrong in USCC_ALPHABET.replace(code[17], ""):
        error = uscc_error(code[:17] + wrong)
        assert error is not None and "check character" in error
        assert f"should be {code[17]!r}" in error


def test_a_changed_body_character_breaks_the_check():
    assert not is_valid_uscc("91350100M000100Y53")
    assert not is_valid_uscc("81350100M000100Y43")


@pytest.mark.parametrize("code", ["", "9135010", "91350100M000100Y4", "91350100M000100Y433"])
def test_wrong_lengths_are_refused(code):
    error = uscc_error(code)
    assert error is not None and "18 characters" in error


@pytest.mark.parametrize("letter", ["I", "O", "S", "V", "Z"])
def test_forbidden_letters_are_refused(letter):
    code = "91350100" + letter + "000100Y43"
    error = uscc_error(code)
    assert error is not None and letter in error and "not allowed" in error


def test_punctuation_and_non_ascii_are_refused():
    assert "not allowed" in uscc_error("91350100M000100-43")
    assert "not allowed" in uscc_error("9135010０M000100Y43")  # full-width zero


def test_lowercase_and_spaces_are_normalised_by_tax_id_error():
    assert uscc_error("91350100m000100y43") is not None  # the raw check is exact
    assert tax_id_error(" 91350100m000100y43 ") is None
    assert normalise_tax_id(" 9132020013590404xw\n") == "9132020013590404XW"


def test_empty_tax_id_is_refused():
    assert tax_id_error("") == "The tax id is empty."
    assert tax_id_error(None) == "The tax id is empty."  # type: ignore[arg-type]


@pytest.mark.parametrize("code", ["350100123456789", "35010019800101123X01", "110108MA0012345"])
def test_legacy_15_and_20_character_numbers_only_with_allow_legacy(code):
    assert tax_id_error(code, allow_legacy=True) is None
    assert tax_id_error(code) is not None


@pytest.mark.parametrize("code", ["35010012345678!", "35010019800101123Y01", "35010012345678"])
def test_malformed_legacy_numbers_are_refused(code):
    assert tax_id_error(code, allow_legacy=True) is not None


def test_allow_legacy_still_checks_18_character_codes():
    assert tax_id_error("91350100M000100Y43", allow_legacy=True) is None
    assert tax_id_error("91350100M000100Y44", allow_legacy=True) is not None
