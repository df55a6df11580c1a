"""The Palestinian postcode: ``P`` and seven digits. The first three (``Pddd``) are the postal
zone (governorate digit, postal sector, postal area); the last four the delivery point, the
building. Parsing normalises what people really type (a lower-case p, spaces or dashes, Arabic-
Indic digits) and says what it changed; what cannot be read is refused with the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.errors import InvalidInput
from core.text import text_check

EXAMPLE = "P6001234"
# What a person may type for a postcode, spaces and dashes included; longer is not one.
MAX_POSTCODE_TEXT = 40
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
# A postcode inside free text: P, then 3 digits, then (optionally) 4 more, with the spaces
# or dashes people put between the groups.
_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])[Pp][ -]?([0-9]{3})(?:[ -]?([0-9]{4}))?(?![0-9])")


def digits_ascii(text: str) -> str:
    """``text`` with Arabic-Indic and Persian digits written as 0-9."""
    return text.translate(_DIGITS)


@dataclass(frozen=True)
class Postcode:
    """A full postcode (zone and delivery point) or a zone alone (``delivery_point`` None)."""

    zone: str
    delivery_point: int | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        if self.delivery_point is None:
            return f"P{self.zone}"
        return f"P{self.zone}{self.delivery_point:04d}"

    @property
    def is_zone(self) -> bool:
        return self.delivery_point is None


def postcode_format(*, zone: str, delivery_point: int) -> str:
    """The postcode of delivery point ``delivery_point`` (1-9999) in zone ``zone``."""
    if not (len(zone) == 3 and zone.isdigit() and 1 <= delivery_point <= 9999):
        raise InvalidInput(f"P{zone} with delivery point {delivery_point} is not a postcode.")
    return f"P{zone}{delivery_point:04d}"


def postcode_parse(*, text: str) -> Postcode:
    """Read a postcode (``P6001234``) or a postal zone (``P600``) typed by a person.

    Accepted and normalised, each with a note: a lower-case ``p``, Arabic-Indic digits, spaces
    or dashes between the groups. Refused with the reason (InvalidInput, HTTP 400): anything
    else, such as ``P12`` or a code without its ``P``, and text that is not plain (control
    characters, markup) or longer than MAX_POSTCODE_TEXT characters."""
    original = text_check(text, field="The postcode", max_length=MAX_POSTCODE_TEXT)
    notes = []
    cleaned = digits_ascii(text.strip())
    if cleaned != text.strip():
        notes.append("Arabic-Indic digits read as 0-9")
    compact = re.sub(r"[\s-]+", "", cleaned)
    if compact != cleaned:
        notes.append("spaces and dashes removed")
    if compact[:1] == "p":
        notes.append("lower-case p read as P")
        compact = "P" + compact[1:]
    match = re.fullmatch(r"P([0-9]{3})([0-9]{4})?", compact)
    if match is None:
        raise InvalidInput(
            f"{original!r} is not a postcode: a postcode is P and 7 digits, the postal zone "
            f"(3 digits) then the delivery point (4 digits), as in {EXAMPLE}; a postal zone "
            f"alone is P and 3 digits, as in {EXAMPLE[:4]}.",
            code="invalid_postcode",
        )
    zone, point = match.group(1), match.group(2)
    if point is not None and int(point) == 0:
        raise InvalidInput(
            f"{original!r} is not a postcode: delivery points run from 0001 to 9999.",
            code="invalid_postcode",
        )
    return Postcode(zone=zone, delivery_point=int(point) if point else None, notes=tuple(notes))


def postcode_find(*, text: str) -> tuple[Postcode | None, str]:
    """The first postcode or zone written inside free text, and the text without it."""
    folded = digits_ascii(text)
    match = _IN_TEXT.search(folded)
    if match is None:
        return None, text
    zone, point = match.group(1), match.group(2)
    if point is not None and int(point) == 0:
        return None, text
    rest = (folded[: match.start()] + " " + folded[match.end() :]).strip()
    return Postcode(zone=zone, delivery_point=int(point) if point else None), rest
