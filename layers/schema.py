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
from core.text import text_check

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
STRING_MAX = 2000
TITLE_MAX = 200
CHOICES_MAX = 500


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
        if not isinstance(choices, list) or len(choices) > CHOICES_MAX:
            errors[name] = f"choices is a list of at most {CHOICES_MAX} allowed values"
            continue
        titles = {"en": item.get("title_en") or name, "ar": item.get("title_ar") or ""}
        try:
            for language, title in titles.items():
                if not isinstance(title, str):
                    raise InvalidInput(f"title_{language} is text")
                text_check(title, field=f"title_{language}", max_length=TITLE_MAX)
        except InvalidInput as exc:
            errors[name] = exc.message
            continue
        field = Field(
            name=name,
            type=kind,
            title=titles,
            required=bool(item.get("required", False)),
            choices=(),
            internal=bool(item.get("internal", False)),
        )
        cleaned_choices = []
        for choice in choices:
            try:
                cleaned = _coerce(field, choice)
                if isinstance(cleaned, str):
                    text_check(cleaned, field=f"a choice of {name}", max_length=STRING_MAX)
                cleaned_choices.append(cleaned)
            except ValueError as exc:
                errors[name] = f"choice {str(choice)[:40]!r}: {exc}"
            except InvalidInput as exc:
                errors[name] = exc.message
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
            if field.type == "string":
                # Text typed by a client: plain text only (core.text); tab and line breaks
                # are allowed in an attribute such as a note.
                text_check(value, field=name, max_length=STRING_MAX, multiline=True)
        except ValueError as exc:
            errors[name] = str(exc)
            continue
        except InvalidInput as exc:
            errors[name] = exc.message
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


PYTHON_TYPES = {"string": {str}, "integer": {int}, "number": {int, float}, "boolean": {bool}}


def properties_validate_columns(
    fields: list[Field], columns: dict[str, list[Any]], *, count: int
) -> tuple[list[dict[str, Any]], dict[int, str]]:
    """The rules of :func:`properties_validate`, applied a column at a time (imports).

    ``columns`` maps field names to ``count`` values each. Returns one cleaned properties
    dict per row (None values left out) and, for rows that break the schema, the reasons.
    Columns whose values already have the field's Python type are checked in bulk; only
    the others go value by value.
    """
    by_name = {f.name: f for f in fields}
    unknown = sorted(set(columns) - set(by_name))
    if unknown:
        raise InvalidInput(
            f"The layer has no field(s) {', '.join(unknown)}.", code="invalid_mapping"
        )
    reasons: dict[int, list[str]] = {}
    cleaned: dict[str, list[Any]] = {}
    for field in fields:
        values = columns.get(field.name)
        if values is None:
            if field.required:
                for index in range(count):
                    reasons.setdefault(index, []).append(f"{field.name}: required")
            continue
        kinds = {type(v) for v in values} - {type(None)}
        fast = kinds <= PYTHON_TYPES.get(field.type, set())
        if fast and field.type == "string":
            fast = max((len(v) for v in values if v is not None), default=0) <= STRING_MAX
        if fast and float in kinds:
            fast = all(math.isfinite(v) for v in values if v is not None)
        if not fast:
            coerced = []
            for index, value in enumerate(values):
                if value is None:
                    coerced.append(None)
                    continue
                try:
                    coerced.append(_coerce(field, value))
                except ValueError as exc:
                    coerced.append(None)
                    reasons.setdefault(index, []).append(f"{field.name}: {exc}")
            values = coerced
        if field.choices:
            allowed = set(field.choices)
            for index, value in enumerate(values):
                if value is not None and value not in allowed:
                    reasons.setdefault(index, []).append(
                        f"{field.name}: {value!r} is not one of the allowed values"
                    )
        if field.required:
            for index, value in enumerate(values):
                if value is None and not any(
                    r.startswith(f"{field.name}:") for r in reasons.get(index, [])
                ):
                    reasons.setdefault(index, []).append(f"{field.name}: required")
        cleaned[field.name] = values
    names = list(cleaned)
    rows = (
        [
            {name: value for name, value in zip(names, row, strict=True) if value is not None}
            for row in zip(*(cleaned[n] for n in names), strict=True)
        ]
        if names
        else [{} for _ in range(count)]
    )
    return rows, {index: "; ".join(texts) for index, texts in reasons.items()}
