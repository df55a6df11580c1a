"""Reads of the public map. The map composes apps that never import each other (the address
register, the cadastre, the layers): what a click or a search finds across them is put
together here, above them, and only what the public may read leaves this module.

Points are WGS 84 (EPSG:4326); distances are geodesic, in metres.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict
from typing import Any

from django.contrib.gis.geos import Point

from addressing.geocoders import geocoder, query_check
from addressing.postcodes import postcode_parse
from addressing.selectors import address_view, building_at_point
from core.collections import Collection, User, registry
from core.errors import InvalidInput, NotFound
from core.selectors import collection_features_near
from parcels.selectors import (
    parcel_at_point,
    parcel_by_identifier,
    parcel_identifier_like,
    parcel_summary,
)

# A click is a finger on a phone: it means anything within this many screen pixels.
CLICK_TOLERANCE_PX = 12
# Web Mercator metres per pixel at zoom 0 on the equator (256-pixel tiles).
METRES_PER_PIXEL_Z0 = 156_543.03
DEFAULT_STYLES = {
    "Point": {"radius": 5, "weight": 1, "fillOpacity": 0.85},
    "Line": {"weight": 2.5},
    "Polygon": {"weight": 1.5, "fillOpacity": 0.25},
}
PALETTE = ("#1b7f79", "#c0392b", "#2c5aa0", "#8e44ad", "#b7770f", "#2e7d32", "#6d4c41")
MAX_IDENTIFY_LAYERS = 30
# A collection id: a slug (layers.models.Layer.slug) or a register's name ("postal-zones").
_COLLECTION_ID = re.compile(r"[A-Za-z0-9_-]{1,60}")


def _geometry_kind(geometry_type: str) -> str:
    return next((k for k in ("Point", "Line", "Polygon") if k in geometry_type), "Polygon")


def map_style(*, collection: Collection, index: int) -> dict[str, Any]:
    """The collection's own style, completed from defaults for its geometry type (a colour
    from the palette when it names none)."""
    colour = PALETTE[index % len(PALETTE)]
    style = {
        "color": colour,
        "fillColor": colour,
        **DEFAULT_STYLES[_geometry_kind(collection.geometry_type)],
    }
    style.update(collection.style)
    return style


def map_layers(*, user: User, language: str) -> list[dict[str, Any]]:
    """Every collection ``user`` may see, as the layer panel lists it: title and description
    in ``language``, geometry kind, style (its legend), the zoom it starts at, attribution
    and whether it is synthetic demo data."""
    lang = "ar" if language == "ar" else "en"
    return [
        {
            "id": c.id,
            "title": c.title.get(lang) or c.title["en"],
            "description": c.description.get(lang) or c.description.get("en", ""),
            "kind": _geometry_kind(c.geometry_type),
            "style": map_style(collection=c, index=i),
            "min_zoom": c.min_zoom,
            "attribution": list(c.attribution),
            "synthetic": c.is_synthetic,
        }
        for i, c in enumerate(registry.visible(user=user))
    ]


def click_radius_m(*, lat: float, zoom: float) -> float:
    """How far on the ground (metres) CLICK_TOLERANCE_PX reach at ``zoom`` and ``lat``,
    between 3 m and 500 m."""
    per_pixel = METRES_PER_PIXEL_Z0 * math.cos(math.radians(lat)) / 2**zoom
    return min(max(CLICK_TOLERANCE_PX * per_pixel, 3.0), 500.0)


def map_identify(
    *, point: Point, zoom: float, collection_ids: list[str], user: User
) -> dict[str, Any]:
    """What is at ``point`` for the public: the address of the building there (its postcode
    and lines in both languages), the parcel under it (area and zoning, never the owners) and
    the features of the listed collections within a finger's reach, with the attributes
    ``user`` may read."""
    if not (-180 <= point.x <= 180 and -90 <= point.y <= 90):
        raise InvalidInput(
            "Longitude runs from -180 to 180 and latitude from -90 to 90.",
            code="invalid_coordinates",
        )
    if not 0 <= zoom <= 22:
        raise InvalidInput("The zoom runs from 0 to 22.", code="invalid_zoom")
    if len(collection_ids) > MAX_IDENTIFY_LAYERS:
        raise InvalidInput(
            f"Ask about {MAX_IDENTIFY_LAYERS} layers at most.", code="too_many_layers"
        )
    for collection_id in collection_ids:
        if not _COLLECTION_ID.fullmatch(collection_id):
            raise InvalidInput(
                f"{collection_id[:40]!r} is not a layer id: layer ids are letters, digits, "
                "'-' and '_' (at most 60), separated by commas.",
                code="invalid_layer",
            )
    radius = click_radius_m(lat=point.y, zoom=zoom)
    building = building_at_point(point=point, within_m=radius)
    try:
        parcel = parcel_summary(parcel_at_point(point=point))
    except NotFound:
        parcel = None
    features = []
    for collection_id in collection_ids:
        collection = registry.get(collection_id, user=user)
        visible = {f.name: f.title for f in collection.fields(user=user)}
        for found in collection_features_near(
            collection=collection, user=user, point=point, within_m=radius, limit=3
        ):
            features.append({"collection": collection.id, **found, "titles": visible})
    return {
        "address": address_view(building=building) if building is not None else None,
        "parcel": parcel,
        "features": features,
        "radius_m": round(radius, 1),
    }


def map_search(*, query: str, limit: int = 8) -> dict[str, Any]:
    """Suggestions for the public map's search box: addresses, postcodes, streets, places and
    areas from the geocoder, and a parcel when the query reads as a parcel identifier.
    ``problem`` names why nothing could be suggested (a code the page words in its
    language). A query that is over-long or not plain text is refused (InvalidInput, whose
    code the page words too: see addressing.geocoders.query_check)."""
    text = query.strip()
    if not text:
        return {"suggestions": [], "problem": "empty_query"}
    query_check(query=text)
    suggestions: list[dict[str, Any]] = []
    if parcel_identifier_like(text=text):
        try:
            parcel = parcel_by_identifier(text=text)
        except (NotFound, InvalidInput):
            pass  # no such parcel: the geocoder may still read the text as an address
        else:
            centre = parcel.geom.point_on_surface
            suggestions.append(
                {
                    "kind": "parcel",
                    "id": parcel.pk,
                    "label_en": parcel.identifier,
                    "label_ar": f"{parcel.locality.name_ar} {parcel.basin}/{parcel.number}",
                    "lon": centre.x,
                    "lat": centre.y,
                    "postcode": None,
                    "synthetic": parcel.is_synthetic,
                }
            )
    try:
        candidates = geocoder().autocomplete(query=text, limit=limit)
    except (InvalidInput, NotFound):  # worded below, in the map's language, from the query
        candidates = []
    for candidate in candidates:
        row = asdict(candidate)
        row.pop("matched", None)
        suggestions.append(row)
    suggestions = suggestions[:limit]
    if suggestions:
        return {"suggestions": suggestions, "problem": None}
    return {"suggestions": [], "problem": _why_nothing(text)}


def _why_nothing(text: str) -> str:
    try:
        postcode_parse(text=text)
    except InvalidInput:
        return "parcel_not_found" if parcel_identifier_like(text=text) else "nothing_found"
    return "postcode_not_found"
