"""Attribute schemas of layers: how a layer's fields are declared and how a feature's
properties are checked against them. Pure functions, no database."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import replace
from typing import Any

from core.collections import FIELD_TYPES, Field
from core.errors import InvalidInput

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
STRING_MAX = 2000


def schema_parse(raw: Any) -> list[Field]:
    """Check a schema definition (a list of field objects) and return its fields.

    Each field: ``name`` (lower-case identifier), ``type`` (one of FIELD_TYPES), optional
    ``required``, ``choices``, ``internal`` (hidden from the public), ``title_en``, ``title_ar``.
    """
    if not isinstance(raw, list):
        raise InvalidInput("A layer schema is a list of fields.", code="invalid_schema")
    fields: list[Field] = []
    errors: dict[str, str] = {}
    for index, item in enumerate(raw):
        if not isinstance(item, dict):
            errors[f"[{index}]"] = "a field is an object with a name and a type"
            continue
        name = item.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            errors[f"[{index}].name"] = (
                "a field name is a lower-case letter followed by letters, digits or _ (max 63)"
            )
            continue
        if any(f.name == name for f in fields):
            errors[name] = "the name is used twice"
            continue
        kind = item.get("type")
        if kind not in FIELD_TYPES:
            errors[name] = f"type must be one of {', '.join(FIELD_TYPES)}"
            continue
        choices = item.get("choices") or []
        if not isinstance(choices, list):
            errors[name] = "choices is a list of allowed values"
            continue
        field = Field(
            name=name,
            type=kind,
            title={"en": str(item.get("title_en") or name), "ar": str(item.get("title_ar") or "")},
            required=bool(item.get("required", False)),
            choices=(),
            internal=bool(item.get("internal", False)),
        )
        cleaned_choices = []
        for choice in choices:
            try:
                cleaned_choices.append(_coerce(field, choice))
            except ValueError as exc:
                errors[name] = f"choice {choice!r}: {exc}"
        fields.append(replace(field, choices=tuple(cleaned_choices)))
    if errors:
        raise InvalidInput("The layer schema is not valid.", code="invalid_schema", details=errors)
    return fields


def schema_dump(fields: list[Field]) -> list[dict[str, Any]]:
    """The JSON form of ``fields``, as stored on the layer."""
    return [
        {
            "name": f.name,
            "type": f.type,
            "required": f.required,
            "choices": list(f.choices),
            "internal": f.internal,
            "title_en": f.title.get("en", f.name),
            "title_ar": f.title.get("ar", ""),
        }
        for f in fields
    ]


def _coerce(field: Field, value: Any) -> Any:
    """``value`` as the field's type (strict: no silent loss), or ValueError."""
    kind = field.type
    if kind == "string":
        if not isinstance(value, str):
            raise ValueError("expected text")
        if len(value) > STRING_MAX:
            raise ValueError(f"longer than {STRING_MAX} characters")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValueError("expected true or false")
        return value
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("expected a whole number")
        if isinstance(value, float) and not value.is_integer():
            raise ValueError("expected a whole number")
        if abs(value) > 2**53:
            raise ValueError("out of range")
        return int(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("expected a number")
        if not math.isfinite(value):
            raise ValueError("expected a finite number")
        return value
    if kind == "date":
        if isinstance(value, dt.datetime):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat()
        if not isinstance(value, str):
            raise ValueError("expected a date (YYYY-MM-DD)")
        return dt.date.fromisoformat(value).isoformat()
    if kind == "datetime":
        if isinstance(value, dt.datetime):
            return value.isoformat()
        if not isinstance(value, str):
            raise ValueError("expected a date and time (ISO 8601)")
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).isoformat()
    raise ValueError(f"unknown type {kind}")


def properties_validate(
    fields: list[Field], properties: Any, *, partial: bool = False
) -> dict[str, Any]:
    """``properties`` checked against ``fields``: known names only, right types, allowed
    values, required ones present (unless ``partial``). Returns the cleaned properties;
    raises InvalidInput whose ``details`` maps each bad field to the reason."""
    if properties is None:
        properties = {}
    if not isinstance(properties, dict):
        raise InvalidInput("Feature properties are an object.", code="invalid_properties")
    by_name = {f.name: f for f in fields}
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name, value in properties.items():
        field = by_name.get(name)
        if field is None:
            errors[name] = "this layer has no such field"
            continue
        if value is None:
            if field.required:
                errors[name] = "required"
            cleaned[name] = None
            continue
        try:
            value = _coerce(field, value)
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        if field.choices and value not in field.choices:
            allowed = ", ".join(str(c) for c in field.choices)
            errors[name] = f"{value!r} is not one of the allowed values ({allowed})"
            continue
        cleaned[name] = value
    if not partial:
        for field in fields:
            if field.required and cleaned.get(field.name) is None and field.name not in errors:
                errors[field.name] = "required"
    if errors:
        raise InvalidInput(
            "The feature's attributes do not match the layer's schema.",
            code="schema_violation",
            details=errors,
        )
    return cleaned
