"""Layer schemas: declared fields, and feature properties checked against them."""

import pytest

from core.errors import InvalidInput
from layers.schema import properties_validate, schema_dump, schema_parse

PIPES = [
    {"name": "diameter_mm", "type": "integer", "required": True, "choices": [100, 150, 200]},
    {"name": "material", "type": "string", "title_ar": "المادة"},
    {"name": "installed", "type": "date"},
    {"name": "pressure_bar", "type": "number"},
    {"name": "in_service", "type": "boolean"},
    {"name": "contractor", "type": "string", "internal": True},
]


def test_schema_round_trips():
    fields = schema_parse(PIPES)
    assert [f.name for f in fields] == [p["name"] for p in PIPES]
    assert fields[0].choices == (100, 150, 200)
    assert fields[5].internal is True
    assert schema_parse(schema_dump(fields)) == fields


@pytest.mark.parametrize(
    ("schema", "key"),
    [
        ([{"name": "Bad Name", "type": "string"}], "[0].name"),
        ([{"name": "a", "type": "colour"}], "a"),
        ([{"name": "a", "type": "string"}, {"name": "a", "type": "integer"}], "a"),
        ([{"name": "a", "type": "integer", "choices": ["one"]}], "a"),
        (["not an object"], "[0]"),
    ],
)
def test_bad_schemas_are_refused_with_the_field_named(schema, key):
    with pytest.raises(InvalidInput) as raised:
        schema_parse(schema)
    assert raised.value.code == "invalid_schema"
    assert key in raised.value.details


def test_valid_properties_are_cleaned():
    fields = schema_parse(PIPES)
    cleaned = properties_validate(
        fields,
        {
            "diameter_mm": 150.0,
            "installed": "2019-05-02",
            "pressure_bar": 4,
            "in_service": True,
            "material": None,
        },
    )
    assert cleaned == {
        "diameter_mm": 150,
        "installed": "2019-05-02",
        "pressure_bar": 4,
        "in_service": True,
        "material": None,
    }


def test_every_violation_is_reported_per_field():
    fields = schema_parse(PIPES)
    with pytest.raises(InvalidInput) as raised:
        properties_validate(
            fields,
            {
                "diameter_mm": 120,
                "installed": "yesterday",
                "in_service": "yes",
                "pressure_bar": 1.5,
                "colour": "red",
            },
        )
    assert raised.value.code == "schema_violation"
    details = raised.value.details
    assert set(details) == {"diameter_mm", "installed", "in_service", "colour"}
    assert "not one of the allowed values" in details["diameter_mm"]
    assert details["colour"] == "this layer has no such field"


def test_required_field_missing_is_reported_unless_partial():
    fields = schema_parse(PIPES)
    with pytest.raises(InvalidInput) as raised:
        properties_validate(fields, {"material": "PVC"})
    assert raised.value.details == {"diameter_mm": "required"}
    assert properties_validate(fields, {"material": "PVC"}, partial=True) == {"material": "PVC"}


@pytest.mark.parametrize("value", [True, "12", 1.5, float("inf")])
def test_integers_are_strict(value):
    fields = schema_parse([{"name": "n", "type": "integer"}])
    with pytest.raises(InvalidInput):
        properties_validate(fields, {"n": value})
