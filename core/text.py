"""Free text that clients send (names, titles, reasons, notes), checked in one place.

The register's text travels far beyond the platform's own escaped HTML: into Shapefiles and
GeoPackages that QGIS renders as HTML map tips, into PDFs, CSV exports and other ministries'
systems. So text that carries markup or control characters is refused at the door with a
precise message, rather than stored and trusted to be escaped everywhere it goes.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from core.errors import InvalidInput

# A tag, a comment or a processing instruction: "<" directly followed by a letter, "/", "!"
# or "?". "a < b" and "<5 m" stay plain text.
_MARKUP = re.compile(r"<[A-Za-z!/?]")
# C0 and C1 control characters (NUL, ESC, BEL...); tab and line breaks only where text may
# span lines.
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

DEFAULT_MAX_LENGTH = 2000


def text_check(
    value: str, *, field: str, max_length: int = DEFAULT_MAX_LENGTH, multiline: bool = False
) -> str:
    """``value`` unchanged when it is plain text of at most ``max_length`` characters;
    InvalidInput (400) naming ``field`` otherwise."""
    if len(value) > max_length:
        raise InvalidInput(
            _("%(field)s is %(length)s characters long; at most %(limit)s are allowed.")
            % {"field": field, "length": f"{len(value):,}", "limit": f"{max_length:,}"},
            code="text_too_long",
            details={"field": field, "max_length": max_length},
        )
    control = (_CONTROL_MULTILINE if multiline else _CONTROL_ONE_LINE).search(value)
    if control:
        raise InvalidInput(
            _("%(field)s contains the control character U+%(code)04X; send plain text.")
            % {"field": field, "code": ord(control.group())},
            code="text_control_character",
            details={"field": field},
        )
    if _MARKUP.search(value):
        raise InvalidInput(
            _("%(field)s contains markup (%(tag)s…); send plain text without tags.")
            % {"field": field, "tag": _MARKUP.search(value).group()},
            code="text_markup",
            details={"field": field},
        )
    return value
