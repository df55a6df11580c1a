"""Parsing the query parameters of OGC API - Features (Parts 1 and 2) into typed values.
Pure functions: every bad value becomes an InvalidInput (400) that names it."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
from django.contrib.gis.geos import Polygon

from core.crs import CRS84, KNOWN, crs_parse, srid_of, transformer
from core.errors import InvalidInput

DEFAULT_LIMIT = 10
MAX_LIMIT = 10_000
# Parameters of the standard; any other name must be a property of the collection.
STANDARD = {"f", "bbox", "bbox-crs", "crs", "limit", "offset", "datetime"}


@dataclass
class ItemsQuery:
    bbox: Polygon | None = None  # EPSG:4326
    interval: tuple[dt.datetime | None, dt.datetime | None] | None = None
    filters: dict[str, str] = field(default_factory=dict)
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    crs: int = CRS84


def _int(name: str, value: str, *, low: int, high: int) -> int:
    digits = value.removeprefix("-")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 20):
        raise InvalidInput(
            f"{name}={value[:40]!r} is not a whole number.", code="invalid_parameter"
        )
    number = int(value)
    if not low <= number <= high:
        raise InvalidInput(
            f"{name}={number} is out of range ({low} to {high}).", code="invalid_parameter"
        )
    return number


def parse_bbox(value: str, *, crs: int = CRS84) -> Polygon:
    """``minx,miny,maxx,maxy`` (or with heights) in ``crs``, as a polygon in EPSG:4326."""
    parts = value.split(",")
    if len(parts) not in (4, 6):
        raise InvalidInput("bbox takes 4 numbers (or 6 with heights).", code="invalid_bbox")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise InvalidInput(
            f"bbox={value!r} holds something that is not a number.", code="invalid_bbox"
        ) from None
    if len(numbers) == 6:
        numbers = [numbers[0], numbers[1], numbers[3], numbers[4]]
    if not all(math.isfinite(n) for n in numbers):
        raise InvalidInput("bbox numbers must be finite.", code="invalid_bbox")
    minx, miny, maxx, maxy = numbers
    if KNOWN[crs].lat_first:
        minx, miny, maxx, maxy = miny, minx, maxy, maxx
    if minx > maxx or miny > maxy:
        raise InvalidInput(
            "bbox corners are in the wrong order (min before max).", code="invalid_bbox"
        )
    if srid_of(crs) == 4326:
        if not (minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90):
            raise InvalidInput(
                "bbox lies outside longitude -180..180, latitude -90..90.", code="invalid_bbox"
            )
        box = Polygon.from_bbox((minx, miny, maxx, maxy))
        box.srid = 4326
        return box
    # Reprojected with pyproj (the edges densified, so the box keeps its shape), checked
    # before GEOS sees it: a box off the CRS's area gives infinities, not a polygon.
    steps = np.linspace(0.0, 1.0, 11)
    xs = np.concatenate([minx + (maxx - minx) * steps, np.full(11, maxx),
                         maxx - (maxx - minx) * steps, np.full(11, minx)])  # fmt: skip
    ys = np.concatenate([np.full(11, miny), miny + (maxy - miny) * steps,
                         np.full(11, maxy), maxy - (maxy - miny) * steps])  # fmt: skip
    lons, lats = transformer(crs, 4326).transform(xs, ys, errcheck=False)
    lons, lats = np.asarray(lons), np.asarray(lats)
    if not (
        np.isfinite(lons).all()
        and np.isfinite(lats).all()
        and lons.min() >= -180
        and lons.max() <= 180
        and lats.min() >= -90
        and lats.max() <= 90
    ):
        raise InvalidInput(f"bbox lies outside the area EPSG:{crs} covers.", code="invalid_bbox")
    ring = [*zip(lons.tolist(), lats.tolist(), strict=True), (float(lons[0]), float(lats[0]))]
    return Polygon(ring, srid=4326)


def _instant(text: str, *, end: bool) -> dt.datetime | None:
    if text in ("", ".."):
        return None
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min, dt.UTC)
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(
            f"datetime {text!r} is not an RFC 3339 date or date-time.", code="invalid_datetime"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def parse_datetime(value: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """An instant (a whole day for a date) or an interval ``start/end`` with ``..`` open."""
    if "/" in value:
        start_text, _, end_text = value.partition("/")
        start, end = _instant(start_text, end=False), _instant(end_text, end=True)
        if start is None and end is None:
            raise InvalidInput("datetime needs at least one end.", code="invalid_datetime")
        if start and end and start > end:
            raise InvalidInput("datetime interval ends before it starts.", code="invalid_datetime")
        return start, end
    return _instant(value, end=False), _instant(value, end=True)


def parse_items_query(params, *, property_names: set[str]) -> ItemsQuery:
    """Read the items parameters; an unknown parameter is a 400 (OGC API Features /req/core/
    query-param-unknown)."""
    query = ItemsQuery()
    unknown = set(params) - STANDARD - property_names
    if unknown:
        raise InvalidInput(
            f"Unknown query parameter(s): {', '.join(sorted(unknown))}.", code="unknown_parameter"
        )
    if "crs" in params:
        query.crs = crs_parse(params["crs"])
    bbox_crs = crs_parse(params["bbox-crs"]) if "bbox-crs" in params else CRS84
    if "bbox-crs" in params and "bbox" not in params:
        raise InvalidInput("bbox-crs is given without a bbox.", code="invalid_parameter")
    if "bbox" in params:
        query.bbox = parse_bbox(params["bbox"], crs=bbox_crs)
    if "datetime" in params:
        query.interval = parse_datetime(params["datetime"])
    if "limit" in params:
        query.limit = _int("limit", params["limit"], low=1, high=MAX_LIMIT)
    if "offset" in params:
        query.offset = _int("offset", params["offset"], low=0, high=10**9)
    query.filters = {name: params[name] for name in property_names if name in params}
    return query
