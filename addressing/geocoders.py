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
from django.db import connection

from addressing import matching, sql
from addressing.postcodes import Postcode, digits_ascii, postcode_find, postcode_parse
from addressing.selectors import building_by_postcode, zone_by_code
from core.engines import engine_from_setting
from core.errors import InvalidInput, NotFound
from core.text import text_check

MAX_QUERY_LENGTH = 200
MAX_LIMIT = 20
# A name whose words are less than this much in the query is not offered.
MIN_NAME_SCORE = 0.3
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
class Scored:
    """A name found for a query (a street, area or place; None for a town, whose id is
    ``pk``) with how its words align with the query's."""

    candidate: sql.NameCandidate | None
    alignment: matching.Alignment
    pk: int | None = None


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


def query_check(*, query: str) -> str:
    """``query`` when it is something to search for; InvalidInput (400) when it is empty,
    longer than MAX_QUERY_LENGTH or not plain text.

    Control characters (NUL, escape sequences) are refused: no name holds one, and PostgreSQL
    cannot even compare text with a NUL. Markup is refused too rather than searched for: the
    register's names go through core.text.text_check when they are stored, so a query with a
    tag can never match, and refusing keeps tags out of the answers (which repeat the query)
    and out of the batch results. "<5" is plain text and searched."""
    if query is None or not query.strip():
        raise InvalidInput(
            "The query is empty: write an address, a place or a postcode.", code="empty_query"
        )
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidInput(
            f"The query is {len(query):,} characters long; the longest accepted is "
            f"{MAX_QUERY_LENGTH}.",
            code="query_too_long",
        )
    return text_check(query, field="The query", max_length=MAX_QUERY_LENGTH)


def query_parse(*, query: str) -> ParsedQuery:
    """Split a query into a postcode, a house number and the words left to match by name.
    Arabic-Indic digits are read as 0-9. Empty, over-long and not plain-text queries are
    refused (query_check)."""
    query_check(query=query)
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
    """The live register: names found through trigram indexes (pg_trgm), then compared word
    by word with the query, typos and transliterations allowed (addressing.matching)."""

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
        words, version = sql.query_words(text=parsed.text)
        if not words:
            return []
        vocabulary = matching.vocabularies.get(
            database=connection.settings_dict["NAME"], version=version, load=_vocabulary_load
        )
        fixes = matching.corrections(query=words, vocabulary=vocabulary)
        candidates = sql.name_candidates(
            words=[*words, *(c.word for c in fixes)],
            sources=[*range(len(words)), *(c.source for c in fixes)],
            weights=[1.0] * len(words) + [c.similarity for c in fixes],
        )
        scored = [
            Scored(c, matching.best_alignment(names=c.names, query=words)) for c in candidates
        ]
        scored = [s for s in scored if s.alignment.score >= MIN_NAME_SCORE]
        towns = sorted(
            (
                Scored(None, matching.best_alignment(names=town.names, query=words), town.id)
                for town in vocabulary.towns
            ),
            key=lambda s: -s.alignment.score,
        )
        town = towns[0] if towns and towns[0].alignment.score >= 0.5 else None
        areas = sorted(
            (s for s in scored if s.candidate.kind == "area" and s.alignment.score >= 0.5),
            key=lambda s: -s.alignment.score,
        )
        area = areas[0] if areas else None

        def judged(score: float, municipality_id: int | None, match: Scored, *others) -> float:
            """The match's score, raised when the town named in the query is the feature's
            and lowered when it is another, times how much of the query the match and the
            town or area explain (each query word by the best of them)."""
            explained = dict(match.alignment.explained)
            names_town = town is not None and bool(
                set(town.alignment.explained) - set(match.alignment.explained)
            )
            if names_town and municipality_id is not None:
                score = score + 0.05 if municipality_id == town.pk else score * 0.6
            for other in others:
                if other is not None:
                    for index, similarity in other.alignment.explained.items():
                        explained[index] = max(similarity, explained.get(index, 0.0))
            share = sum(explained.values()) / len(words)
            return round(min(1.0, score) * (0.5 + 0.5 * share), 3)

        named_types = street_types_named(parsed.text)

        def typed(match: Scored) -> float:
            """The street's score, nudged by the kind of street the query names, if any."""
            score = match.alignment.score
            if not named_types or match.candidate.street_type is None:
                return score
            return score + 0.04 if match.candidate.street_type in named_types else score * 0.9

        def said(match: Scored) -> str:
            """The query words a name explains, in the query's order."""
            return " ".join(words[i] for i in sorted(match.alignment.explained))

        found: list[Candidate] = []
        streets = sorted(
            (s for s in scored if s.candidate.kind == "street"), key=lambda s: -typed(s)
        )[:8]
        if parsed.number is not None and streets:
            rows = sql.buildings_on_streets(
                streets=[s.candidate.id for s in streets],
                number=parsed.number,
                suffix=parsed.suffix,
                zone=parsed.postcode.zone if parsed.postcode else None,
            )
            by_street = {s.candidate.id: s for s in streets}
            for row in rows:
                match = by_street[row.street_id]
                exact = row.number == parsed.number
                score = typed(match) * (1.0 if exact else 0.7)
                if exact and row.suffix != parsed.suffix:
                    score *= 0.9
                in_area = area if area is not None and row.area_id == area.candidate.id else None
                confidence = judged(score, row.municipality_id, match, town, in_area)
                matched = {"street": said(match), "number": f"{row.number}{row.suffix}"}
                if not exact:
                    matched["number_asked"] = f"{parsed.number}{parsed.suffix}"
                found.append(_address_candidate(row, confidence, matched))
        # Streets (when no number was given) and places: scored first, and only the best
        # few are read in full.
        named = [
            ("street", s, judged(typed(s), s.candidate.municipality_id, s, town))
            for s in (streets if parsed.number is None else [])
        ] + [
            ("place", s, judged(s.alignment.score, s.candidate.municipality_id, s, town))
            for s in scored
            if s.candidate.kind == "place"
        ]
        named.sort(key=lambda item: -item[2])
        for kind, match, confidence in named[:limit]:
            found.append(
                _feature_candidate(kind, match.candidate.id, confidence, {kind: said(match)})
            )
        if not found:
            for match in areas or ([town] if town else []):
                kind = match.candidate.kind if match.candidate else "town"
                pk = match.candidate.id if match.candidate else match.pk
                found.append(
                    _feature_candidate(
                        kind, pk, judged(match.alignment.score, None, match), {kind: said(match)}
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


def _vocabulary_load(version: int) -> matching.Vocabulary:
    words, towns = sql.vocabulary_read()
    return matching.Vocabulary.build(
        version=version,
        words=words,
        towns=[matching.Town(pk, (name_ar or "", name_en or "")) for pk, name_ar, name_en in towns],
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
