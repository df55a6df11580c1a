"""Request body parsers for the API."""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class JSONBodyParser(JSONParser):
    """DRF's strict JSON parser (no NaN or Infinity), which also refuses JSON nested deeper
    than Python's parser can follow: without this, ``[[[[...`` ten thousand levels deep is a
    RecursionError and a server error instead of a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
