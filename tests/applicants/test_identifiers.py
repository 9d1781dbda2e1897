"""IIN and BIN: format, check digit, the birth-date hint and masking (no database)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from applicants.identifiers import check_digit, iin_birth_date_hint, mask_iin, validate_bin, validate_iin

FAST = settings(max_examples=300, deadline=None)

eleven_digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    # The project's default language is Russian; the messages asserted here are the source texts.
    with translation.override("en"):
        yield


def reference_check_digit(first_eleven: str) -> int | None:
    """An independent reading of the published rule, written for the tests."""
    digits = list(map(int, first_eleven))
    first = sum(position * digit for position, digit in enumerate(digits, start=1)) % 11
    if first != 10:
        return first
    second_weights = [3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]
    second = sum(weight * digit for weight, digit in zip(second_weights, digits, strict=True)) % 11
    return None if second == 10 else second


def first_sum(first_eleven: str) -> int:
    return sum(position * int(c) for position, c in enumerate(first_eleven, start=1)) % 11


def with_check_digit(first_eleven: str) -> str:
    digit = check_digit(first_eleven)
    assert digit is not None
    return f"{first_eleven}{digit}"


def refusal(validator: object, value: str) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        validator(value)  # type: ignore[operator]
    return caught.value


# --- published examples --------------------------------------------------------------------


@pytest.mark.parametrize("iin", ["931002451325", "990106300596"])
def test_a_published_example_iin_is_accepted(iin: str) -> None:
    validate_iin(iin)


@pytest.mark.parametrize("bin_", ["081140000436", "230540004989"])
def test_a_published_example_bin_is_accepted(bin_: str) -> None:
    validate_bin(bin_)


# --- refusals ------------------------------------------------------------------------------


def test_a_wrong_check_digit_is_refused_with_a_message_saying_so() -> None:
    exc = refusal(validate_iin, "931002451326")

    assert exc.code == "check_digit"
    assert "check digit" in exc.messages[0]
    assert "931002451326" in exc.messages[0]


def test_a_bin_with_a_wrong_check_digit_is_refused_with_a_message_saying_so() -> None:
    exc = refusal(validate_bin, "081140000437")

    assert exc.code == "check_digit"
    assert "check digit" in exc.messages[0]
    assert "BIN" in exc.messages[0]


@pytest.mark.parametrize("value", ["93100245132", "9310024513250"])
def test_a_number_of_the_wrong_length_is_refused_with_a_message_giving_the_actual_length(value: str) -> None:
    exc = refusal(validate_iin, value)

    assert exc.code == "length"
    assert "12 digits" in exc.messages[0]
    assert f"has {len(value)}" in exc.messages[0]


@pytest.mark.parametrize(
    "value",
    [
        "93100245132A",
        "931002451З25",  # Cyrillic Ze in place of a 3
        "931002451О25",  # Cyrillic O in place of a 0
        "9310 0245 1325",
        " 931002451325",
        "93100245132٥",  # an Arabic-Indic digit: a digit to Python, not to the IIN
    ],
)
def test_anything_but_ascii_digits_is_refused_with_a_message_saying_digits_only(value: str) -> None:
    exc = refusal(validate_iin, value)

    assert exc.code == "not_digits"
    assert "digits only" in exc.messages[0]


def test_a_bin_with_an_unknown_entity_type_digit_is_refused_with_a_message_saying_so() -> None:
    # The published BIN 081140000436 with its fifth digit changed to 3, check digit recomputed.
    bad_type = with_check_digit("08113000043")
    validate_iin(bad_type)  # a well-formed number as such

    exc = refusal(validate_bin, bad_type)

    assert exc.code == "type_digit"
    assert "fifth digit must be 4, 5 or 6" in exc.messages[0]


# --- the check digit -----------------------------------------------------------------------


@FAST
@given(eleven_digits)
def test_the_check_digit_of_any_eleven_digits_is_none_or_a_single_digit(first_eleven: str) -> None:
    digit = check_digit(first_eleven)

    assert digit is None or digit in range(10)


@FAST
@given(eleven_digits)
def test_a_number_completed_with_its_check_digit_is_accepted(first_eleven: str) -> None:
    digit = check_digit(first_eleven)
    if digit is None:
        return  # such numbers are never issued

    validate_iin(f"{first_eleven}{digit}")


@FAST
@given(eleven_digits)
def test_the_check_digit_agrees_with_an_independent_reading_of_the_rule(first_eleven: str) -> None:
    assert check_digit(first_eleven) == reference_check_digit(first_eleven)


def prefix_with_first_sum_ten(*, second_sum_ten: bool) -> str:
    """Search 11-digit prefixes (IIN 931002-4-NNNN) for one whose first weighted sum is 10."""
    for serial in range(10_000):
        prefix = f"9310024{serial:04d}"
        if first_sum(prefix) == 10 and (reference_check_digit(prefix) is None) == second_sum_ten:
            return prefix
    raise AssertionError("no such prefix among 10 000 serial numbers")


def test_when_the_first_sum_is_ten_the_second_weights_give_the_check_digit() -> None:
    prefix = prefix_with_first_sum_ten(second_sum_ten=False)
    expected = reference_check_digit(prefix)

    assert check_digit(prefix) == expected
    validate_iin(f"{prefix}{expected}")


def test_when_both_weighted_sums_are_ten_no_check_digit_exists_and_no_last_digit_is_accepted() -> None:
    prefix = prefix_with_first_sum_ten(second_sum_ten=True)

    assert check_digit(prefix) is None
    for last in "0123456789":
        with pytest.raises(ValidationError):
            validate_iin(f"{prefix}{last}")


# --- the birth-date hint -------------------------------------------------------------------


def iin_born_in_month_13() -> str:
    """A number with a right check digit whose date part reads 1993-13-02."""
    for serial in range(10_000):
        prefix = f"9313024{serial:04d}"
        digit = check_digit(prefix)
        if digit is not None:
            return f"{prefix}{digit}"
    raise AssertionError("no issuable number found")


def test_the_birth_date_hint_of_a_published_iin_is_its_encoded_date() -> None:
    assert iin_birth_date_hint("931002451325") == datetime.date(1993, 10, 2)


def test_the_birth_date_hint_of_a_number_with_month_13_is_none() -> None:
    assert iin_birth_date_hint(iin_born_in_month_13()) is None


def test_an_impossible_birth_date_does_not_make_an_iin_invalid() -> None:
    validate_iin(iin_born_in_month_13())


# --- masking -------------------------------------------------------------------------------


def test_masking_an_iin_hides_its_middle_four_digits() -> None:
    assert mask_iin("931002451325") == "9310••••1325"
