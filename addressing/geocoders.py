"""Geocoding: from what a person writes to a place on the map, and back.

The engine is chosen by the ``GEOCODER`` setting; ``postgres`` (the default) reads the live
register, so an address edited a moment ago is found by the next query (no index to rebuild:
the folded names are generated columns, see addressing.search). Coordinates are WGS 84
(EPSG:4326) longitude/latitude; distances are metres on the ellipsoid.
"""

from __future__ import annotations

import abc
import contextlib
import json
import re
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any

from django.contrib.gis.geos import Point

from addressing import sql
from addressing.postcodes import Postcode, digits_ascii, postcode_find, postcode_parse
from addressing.selectors import building_by_postcode, zone_by_code
from core.engines import engine_from_setting
from core.errors import InvalidInput, NotFound

MAX_QUERY_LENGTH = 200
MAX_LIMIT = 20
# A house number: 1 to 4 digits, maybe a letter (12A), maybe introduced by a word for "number".
_NUMBER = re.compile(
    r"(?:(?<=\s)|^)(?:no\.?\s*|n°\s*|#\s*|رقم\s*|مبنى\s*|بناية\s*|عمارة\s*)?"
    r"([0-9]{1,4})([A-Za-z]|[ا-ي])?(?=\s|$|,|،)",
    re.IGNORECASE,
)


# Words that say what kind of street is meant; the folded names leave them out, so they only
# decide between streets of the same name ("Al-Karama Street" and "Al-Karama Road").
STREET_TYPE_WORDS = {
    **dict.fromkeys(("street", "st", "str", "شارع", "ش"), "street"),
    **dict.fromkeys(("road", "rd", "طريق"), "road"),
    **dict.fromkeys(("lane", "ln", "زقاق"), "lane"),
    **dict.fromkeys(("square", "sq", "circle", "roundabout", "دوار", "ميدان"), "square"),
    **dict.fromkeys(("stairs", "steps", "درج"), "stairs"),
}


def street_types_named(text: str) -> set[str]:
    """The kinds of street the words of ``text`` name (street, road, lane, ...)."""
    words = re.sub(r"[^\w\s]", " ", text.casefold()).split()
    return {STREET_TYPE_WORDS[w] for w in words if w in STREET_TYPE_WORDS}


@dataclass(frozen=True)
class Candidate:
    """One answer: what was found (``kind``: address, street, place, area, zone, town), where,
    how sure the engine is (``confidence`` 0-1) and which parts of the query it matched."""

    kind: str
    id: int
    label_ar: str
    label_en: str
    lon: float
    lat: float
    confidence: float
    postcode: str | None = None
    matched: dict[str, Any] = field(default_factory=dict)
    synthetic: bool = False
    geometry: dict | None = None  # the polygon of a zone or area, as GeoJSON


@dataclass(frozen=True)
class SearchResult:
    query: str
    candidates: list[Candidate]
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # what is left to match against names
    number: int | None
    suffix: str
    postcode: Postcode | None
    notes: list[str]
    # Other readings when the query holds several numbers (a street may have one in its
    # name: "Street 3"): the same query with another of the numbers as the house number.
    others: tuple[ParsedQuery, ...] = ()


def query_parse(*, query: str) -> ParsedQuery:
    """Split a query into a postcode, a house number and the words left to match by name.
    Arabic-Indic digits are read as 0-9. Empty and over-long queries are refused."""
    if query is None or not query.strip():
        raise InvalidInput("The query is empty: write an address, a place or a postcode.")
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"The query is {len(query)} characters long; the longest accepted is "
            f"{MAX_QUERY_LENGTH}.",
            code="query_too_long",
        )
    notes = []
    text = digits_ascii(query)
    if text != query:
        notes.append("Arabic-Indic digits read as 0-9")
    postcode, text = postcode_find(text=text)
    if postcode is None and re.search(r"(?<![0-9A-Za-z])[Pp][ -]?[0-9]", text):
        notes.append(
            "A P followed by digits is not a full postcode (P and 7 digits) and was ignored"
        )
        text = re.sub(r"(?<![0-9A-Za-z])[Pp][ -]?[0-9]+", " ", text)
    readings = [
        _reading(text, match, postcode, notes) for match in list(_NUMBER.finditer(text))[:3]
    ] or [_reading(text, None, postcode, notes)]
    return replace(readings[0], others=tuple(readings[1:]))


def _reading(text: str, match, postcode: Postcode | None, notes: list[str]) -> ParsedQuery:
    number, suffix = None, ""
    if match:
        number, suffix = int(match.group(1)), (match.group(2) or "").upper()
        text = text[: match.start()] + " " + text[match.end() :]
    text = re.sub(r"\s+", " ", text.replace(",", " ").replace("،", " ")).strip()
    return ParsedQuery(text=text, number=number, suffix=suffix, postcode=postcode, notes=notes)


class Geocoder(abc.ABC):
    """What every geocoding engine offers."""

    @abc.abstractmethod
    def search(self, *, query: str, limit: int = 5) -> SearchResult:
        """Ranked candidates for free text in Arabic, English or both."""

    @abc.abstractmethod
    def autocomplete(self, *, query: str, limit: int = 8) -> list[Candidate]:
        """Suggestions for a search box, from what has been typed so far."""

    @abc.abstractmethod
    def reverse(self, *, point: Point, radius_m: float = 100.0) -> Candidate:
        """The nearest delivery point within ``radius_m`` metres (NotFound beyond)."""

    @abc.abstractmethod
    def postcode(self, *, code: str) -> Candidate:
        """A full postcode's building entrance, or a zone's polygon."""


class PostgresGeocoder(Geocoder):
    """Trigram similarity (pg_trgm) over the folded names of the live register."""

    def search(self, *, query: str, limit: int = 5) -> SearchResult:
        parsed = query_parse(query=query)
        limit = max(1, min(limit, MAX_LIMIT))
        notes = list(parsed.notes)
        found: list[Candidate] = []
        if parsed.postcode is not None:
            try:
                found.append(self.postcode(code=str(parsed.postcode)))
            except NotFound as exc:
                notes.append(exc.message)
        if parsed.text:
            for reading in (parsed, *parsed.others):
                found += self._by_name(reading, limit=limit)
        elif parsed.number is not None and parsed.postcode is None:
            notes.append(f"A number alone ({parsed.number}) is not an address: add the street.")
        if not found:
            notes.append("Nothing in the register matches this query.")
        found.sort(key=lambda c: -c.confidence)
        return SearchResult(query=query, candidates=_unique(found)[:limit], notes=notes)

    def _by_name(self, parsed: ParsedQuery, *, limit: int) -> list[Candidate]:
        words = sql.text_normalize(text=parsed.text).split()
        if not words:
            return []
        phrases = _phrases(words)
        matches = sql.name_matches(phrases=phrases, words=sorted(set(words)))
        towns = [m for m in matches if m.kind == "town" and m.score >= 0.5]
        areas = [m for m in matches if m.kind == "area" and m.score >= 0.5]
        town = towns[0] if towns else None
        area = areas[0] if areas else None

        def judged(score: float, municipality_id: int | None, match, *others) -> float:
            """The match's score, raised when the town named in the query is the feature's
            and lowered when it is another, times the share of the query's words that the
            match and the town or area explain (each word counted once)."""
            covered = set(match.phrase.split())
            for other in others:
                if other is not None and not covered & set(other.phrase.split()):
                    covered |= set(other.phrase.split())
            names_town = town is not None and town.phrase != match.phrase
            if names_town and municipality_id is not None:
                score = score + 0.05 if municipality_id == town.id else score * 0.6
            share = len(covered & set(words)) / len(set(words))
            return round(min(1.0, score) * (0.6 + 0.4 * share), 3)

        named_types = street_types_named(parsed.text)

        def typed(match: sql.NameMatch) -> float:
            """The street's score, nudged by the kind of street the query names, if any."""
            if not named_types or match.street_type is None:
                return match.score
            return match.score + 0.04 if match.street_type in named_types else match.score * 0.9

        found: list[Candidate] = []
        streets = sorted((m for m in matches if m.kind == "street"), key=lambda m: -typed(m))[:8]
        if parsed.number is not None and streets:
            rows = sql.buildings_on_streets(
                streets=[m.id for m in streets],
                number=parsed.number,
                suffix=parsed.suffix,
                zone=parsed.postcode.zone if parsed.postcode else None,
            )
            by_street = {m.id: m for m in streets}
            for row in rows:
                match = by_street[row.street_id]
                exact = row.number == parsed.number
                score = typed(match) * (1.0 if exact else 0.7)
                if exact and row.suffix != parsed.suffix:
                    score *= 0.9
                in_area = area if area is not None and row.area_id == area.id else None
                confidence = judged(score, row.municipality_id, match, town, in_area)
                matched = {"street": match.phrase, "number": f"{row.number}{row.suffix}"}
                if not exact:
                    matched["number_asked"] = f"{parsed.number}{parsed.suffix}"
                found.append(_address_candidate(row, confidence, matched))
        # Streets (when no number was given) and places: scored first, and only the best
        # few are read in full.
        named = [
            ("street", m, judged(typed(m), m.municipality_id, m, town))
            for m in (streets if parsed.number is None else [])
        ] + [
            ("place", m, judged(m.score, m.municipality_id, m, town))
            for m in matches
            if m.kind == "place"
        ]
        named.sort(key=lambda item: -item[2])
        for kind, match, confidence in named[:limit]:
            found.append(_feature_candidate(kind, match.id, confidence, {kind: match.phrase}))
        if not found:
            for match in areas or towns:
                found.append(
                    _feature_candidate(
                        match.kind,
                        match.id,
                        judged(match.score, None, match),
                        {match.kind: match.phrase},
                    )
                )
        return found

    def autocomplete(self, *, query: str, limit: int = 8) -> list[Candidate]:
        parsed = query_parse(query=query)
        limit = max(1, min(limit, MAX_LIMIT))
        typed = digits_ascii(query).strip().replace(" ", "").upper()
        if re.fullmatch(r"P[0-9]{1,6}", typed):
            # A postcode being typed: the zone once its three digits are there, then the
            # delivery points that start so, in postcode (walking) order.
            found = []
            if len(typed) == 4:
                # Not every zone exists yet; the delivery points below still may.
                with contextlib.suppress(NotFound):
                    found.append(self.postcode(code=typed))
            rows = sql.postcode_prefix(prefix=typed, limit=limit)
            found += [_address_candidate(row, 1.0, {"postcode": typed}) for row in rows]
            return found[:limit]
        if parsed.postcode is not None and not parsed.text:
            return [self.postcode(code=str(parsed.postcode))]
        if len(parsed.text) < 2:
            return []
        if parsed.number is not None:
            # "12 Irs": the addresses with that number on the streets the words begin.
            return self.search(query=query, limit=limit).candidates
        suggestions = []
        for kind, pk, score in sql.autocomplete_matches(text=parsed.text, limit=limit):
            confidence = round(min(1.0, score / 2), 3)
            suggestions.append(_feature_candidate(kind, pk, confidence, {kind: parsed.text}))
        return suggestions[:limit]

    def reverse(self, *, point: Point, radius_m: float = 100.0) -> Candidate:
        if not (0 < radius_m <= 5000):
            raise InvalidInput("The radius is in metres, from 1 to 5000.")
        if not (-180 <= point.x <= 180 and -90 <= point.y <= 90):
            raise InvalidInput("Longitude runs from -180 to 180 and latitude from -90 to 90.")
        found = sql.nearest_address(lon=point.x, lat=point.y, radius_m=radius_m)
        if found is None:
            raise NotFound(
                f"No address within {radius_m:g} m of {point.y:.6f}, {point.x:.6f}.",
                code="no_address_nearby",
            )
        row, distance = found
        return _address_candidate(row, 1.0, {"distance_m": round(distance, 1)})

    def postcode(self, *, code: str) -> Candidate:
        parsed = postcode_parse(text=code)
        if parsed.is_zone:
            zone = zone_by_code(code=parsed)
            return _feature_candidate("zone", zone.pk, 1.0, {"postcode": str(parsed)})
        building = building_by_postcode(postcode=parsed)
        row = sql.address_row(building_id=building.pk)
        return _address_candidate(row, 1.0, {"postcode": str(parsed)})


def _phrases(words: list[str]) -> list[str]:
    """Every run of one to MAX_PHRASE_WORDS consecutive words."""
    return sorted(
        {
            " ".join(words[start:end])
            for start in range(len(words))
            for end in range(start + 1, min(start + sql.MAX_PHRASE_WORDS, len(words)) + 1)
        }
    )


def _address_candidate(row: sql.AddressRow, confidence: float, matched: dict) -> Candidate:
    number = f"{row.number}{row.suffix}"
    area_en = f", {row.area_en}" if row.area_en else ""
    area_ar = f"، {row.area_ar}" if row.area_ar else ""
    postcode = f" {row.postcode}" if row.postcode else ""
    return Candidate(
        kind="address",
        id=row.id,
        label_en=f"{number} {row.street_en}{area_en}, {row.town_en}{postcode}",
        label_ar=f"{row.street_ar}، مبنى {number}{area_ar}، {row.town_ar}{postcode}",
        lon=row.lon,
        lat=row.lat,
        confidence=confidence,
        postcode=row.postcode,
        matched=matched,
        synthetic=row.synthetic,
    )


def _feature_candidate(kind: str, pk: int, confidence: float, matched: dict) -> Candidate:
    name_ar, name_en, lon, lat, synthetic, outline = sql.feature_summary(kind=kind, pk=pk)
    return Candidate(
        kind=kind,
        id=pk,
        label_ar=name_ar,
        label_en=name_en,
        lon=lon,
        lat=lat,
        confidence=confidence,
        matched=matched,
        synthetic=synthetic,
        geometry=json.loads(outline) if outline else None,
    )


def _unique(candidates: list[Candidate]) -> list[Candidate]:
    seen, kept = set(), []
    for candidate in candidates:
        key = (candidate.kind, candidate.id)
        if key not in seen:
            seen.add(key)
            kept.append(candidate)
    return kept


ENGINES = {"postgres": PostgresGeocoder}


@cache
def geocoder() -> Geocoder:
    """The engine the ``GEOCODER`` setting names."""
    return engine_from_setting("GEOCODER", ENGINES)
