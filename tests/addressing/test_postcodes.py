import pytest

from addressing.postcodes import Postcode, postcode_find, postcode_format, postcode_parse
from core.errors import InvalidInput


def test_a_full_postcode_is_zone_and_delivery_point():
    code = postcode_parse(text="P6001234")
    assert (code.zone, code.delivery_point, str(code)) == ("600", 1234, "P6001234")
    assert code.notes == ()


@pytest.mark.parametrize(
    ("typed", "note"),
    [
        ("p6001234", "lower-case p read as P"),
        ("P٦٠٠١٢٣٤", "Arabic-Indic digits read as 0-9"),
        ("P600 1234", "spaces and dashes removed"),
        ("P600-1234", "spaces and dashes removed"),
    ],
)
def test_what_people_type_is_normalised_and_said(typed, note):
    code = postcode_parse(text=typed)
    assert str(code) == "P6001234"
    assert note in code.notes


def test_a_zone_alone_is_read_as_a_zone():
    code = postcode_parse(text="P600")
    assert code.is_zone
    assert str(code) == "P600"


@pytest.mark.parametrize("typed", ["P12", "6001234", "P60012345", "X6001234", "", "P6000000"])
def test_malformed_postcodes_are_refused_with_the_format(typed):
    with pytest.raises(InvalidInput) as caught:
        postcode_parse(text=typed)
    assert "P and 7 digits" in caught.value.message or "0001 to 9999" in caught.value.message


def test_a_postcode_is_found_inside_free_text():
    code, rest = postcode_find(text="12 Irsal St, Ramallah P600 1234")
    assert code == Postcode(zone="600", delivery_point=1234)
    assert "P600" not in rest
    assert "Irsal" in rest


def test_formatting_pads_the_delivery_point():
    assert postcode_format(zone="602", delivery_point=7) == "P6020007"
    with pytest.raises(InvalidInput):
        postcode_format(zone="602", delivery_point=10000)
