from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from registry import idcard


def test_known_valid_number_gives_birth_and_sex():
    number = idcard.make_number("110105", date(1949, 12, 31), 123)
    info = idcard.parse(number)
    assert info.birth_date == date(1949, 12, 31)
    assert info.sex == "M"  # 17th digit 3 is odd


def test_full_width_spaces_and_lowercase_x_are_normalised():
    number = idcard.make_number("419901", date(1960, 1, 1), 802)
    messy = " ".join(number[:6]) + "  " + number[6:]
    messy = messy.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    assert idcard.parse(messy).number == number


def test_wrong_check_digit_is_reported_with_the_expected_digit():
    number = idcard.make_number("419901", date(1960, 1, 1), 802)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        idcard.parse(wrong)
    assert exc.value.code == "checksum"
    assert number[17] in exc.value.messages[0]


def test_scientific_notation_is_reported_not_guessed():
    with pytest.raises(ValidationError) as exc:
        idcard.parse("4.10102E+17")
    assert exc.value.code == "scientific"
    assert "科学计数法" in exc.value.messages[0]


def test_fifteen_digit_old_number_is_upgraded():
    info = idcard.parse("410101560312123")
    assert info.upgraded_from_15
    assert info.number[:8] == "41010119"
    assert info.birth_date == date(1956, 3, 12)


def test_impossible_birth_date_rejected():
    with pytest.raises(ValidationError) as exc:
        idcard.parse("41990119561332" + "1234")
    assert exc.value.code in {"birth", "checksum"}


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2024, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_any_generated_number_round_trips(birth, seq):
    number = idcard.make_number("419901", birth, seq)
    info = idcard.parse(number)
    assert info.birth_date == birth
    assert info.sex == ("M" if seq % 2 else "F")


@given(st.text(alphabet="0123456789", min_size=17, max_size=17), st.sampled_from("0123456789X"))
def test_check_digit_accepts_exactly_one_final_char(first17, last):
    number = first17 + last
    try:
        idcard.parse(number)
    except ValidationError as exc:
        if exc.code == "checksum":
            assert last != idcard.check_char(first17)
    else:
        assert last == idcard.check_char(first17)
