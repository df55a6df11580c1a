"""Editing features over HTTP, for every collection that can be edited: OGC API - Features
Part 4 (create, replace, update, delete) on the same URLs as reading, and each feature's
history (versions, comparison, the feature as of a date, restore).

No lost updates: a feature's ETag is its version; PUT, PATCH and DELETE must send it back in
``If-Match`` (428 without it, 412 when someone saved first, with nothing written). Bodies are
GeoJSON features in CRS84 (longitude, latitude). Sessions (the editor) are checked for CSRF;
tokens and Basic authentication (QGIS, scripts) are not.
"""

from __future__ import annotations

import datetime as dt
import json

from django.contrib.gis.geos import GEOSGeometry
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.collections import Collection, registry
from core.errors import InvalidInput, NotFound, PermissionDenied, PreconditionRequired
from core.geometry import geometry_from_geojson
from core.parsers import JSONBodyParser
from core.roles import user_sees_internal
from core.selectors import feature_as_of, feature_history, feature_version, snapshots_compare
from layers import views_ogc
from layers.selectors import collection_item

GEOJSON = "application/geo+json"


class GeoJSONParser(JSONBodyParser):
    media_type = GEOJSON


# Versions and feature ids are positive whole numbers that fit the database's integers.
MAX_NUMBER = 2**31 - 1


def version_number(value, *, name: str = "version", code: str = "invalid_version") -> int:
    """``value`` (a JSON number or text) as a version number (or, with ``name`` and
    ``code``, another whole number such as a feature id), or InvalidInput naming it."""
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else None
    if text is None or not (text.isascii() and text.isdigit() and len(text) <= 20):
        shown = f", not {str(value)[:40]!r}" if isinstance(value, str) else ""
        raise InvalidInput(f"{name} is a whole number such as 3{shown}.", code=code)
    number = int(text)
    if not 1 <= number <= MAX_NUMBER:
        raise InvalidInput(f"{name} {number} does not exist.", code=code)
    return number


def _body(request: Request) -> dict:
    """The JSON body, which must be an object."""
    if not isinstance(request.data, dict):
        raise InvalidInput("The body must be a JSON object.", code="invalid_body")
    return request.data


def _etag(version: int) -> str:
    return f'"{version}"'


def if_match(request: Request) -> int:
    """The version the client edited, from ``If-Match: "<version>"``."""
    header = request.headers.get("If-Match", "").strip()
    if not header:
        raise PreconditionRequired(
            "Send the version you edited in If-Match (the ETag you read), so that a change "
            "saved meanwhile by someone else is not overwritten."
        )
    value = header.removeprefix("W/").strip('"')
    if not (
        value.isascii() and value.isdigit() and len(value) <= 20 and 1 <= int(value) <= MAX_NUMBER
    ):
        raise InvalidInput(
            f'If-Match must be the feature\'s ETag (a version such as "3"), not {header[:40]!r}.',
            code="invalid_etag",
        )
    return int(value)


def _feature_body(data, *, geometry_required: bool) -> tuple[GEOSGeometry | None, dict | None]:
    if not isinstance(data, dict) or data.get("type") != "Feature":
        raise InvalidInput("The body must be a GeoJSON Feature.", code="not_a_feature")
    geometry = data.get("geometry")
    geom = None
    if geometry is not None:
        geom = geometry_from_geojson(geometry)
    elif geometry_required:
        raise InvalidInput("A feature needs a geometry.", code="geometry_missing")
    properties = data.get("properties")
    if properties is not None and not isinstance(properties, dict):
        raise InvalidInput("properties must be an object.", code="invalid_properties")
    return geom, properties


def _feature_response(
    request: Request, collection: Collection, feature_id: str, version: int, status: int
) -> Response:
    body = json.loads(
        collection_item(collection=collection, user=request.user, feature_id=feature_id)
    )
    response = Response(body, status=status, content_type=GEOJSON)
    response["ETag"] = _etag(version)
    response["Location"] = request.build_absolute_uri(
        reverse("ogcapi:item", kwargs={"collection_id": collection.id, "feature_id": feature_id})
    )
    return response


class ItemsWriteApi(APIView):
    """POST /ogcapi/collections/{id}/items: a new feature (201, Location, ETag)."""

    parser_classes = [GeoJSONParser, JSONBodyParser]
    permission_classes = [AllowAny]  # the collection decides (may_edit), with a clear message

    @extend_schema(request=dict, responses={201: dict})
    def post(self, request: Request, collection_id: str) -> Response:
        collection = _collection_to_edit(request, collection_id)
        geometry, properties = _feature_body(request.data, geometry_required=True)
        feature_id, version = collection.create(
            user=request.user, geometry=geometry, properties=properties or {}
        )
        return _feature_response(request, collection, feature_id, version, 201)


class ItemWriteApi(APIView):
    """PUT (replace), PATCH (change some) and DELETE of one feature, each with If-Match."""

    parser_classes = [GeoJSONParser, JSONBodyParser]
    permission_classes = [AllowAny]

    @extend_schema(request=dict, responses={200: dict})
    def put(self, request: Request, collection_id: str, feature_id: str) -> Response:
        return self._update(request, collection_id, feature_id, replace=True)

    @extend_schema(request=dict, responses={200: dict})
    def patch(self, request: Request, collection_id: str, feature_id: str) -> Response:
        return self._update(request, collection_id, feature_id, replace=False)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, collection_id: str, feature_id: str) -> Response:
        collection = _collection_to_edit(request, collection_id)
        collection.delete(user=request.user, feature_id=feature_id, version=if_match(request))
        return Response(status=204)

    def _update(self, request, collection_id: str, feature_id: str, *, replace: bool):
        collection = _collection_to_edit(request, collection_id)
        version = if_match(request)
        geometry, properties = _feature_body(request.data, geometry_required=replace)
        new_version = collection.update(
            user=request.user,
            feature_id=feature_id,
            version=version,
            geometry=geometry,
            properties=(properties or {}) if replace else properties,
            replace=replace,
        )
        return _feature_response(request, collection, feature_id, new_version, 200)


_items_write = ItemsWriteApi.as_view()
_item_write = ItemWriteApi.as_view()


@csrf_exempt  # reading needs no token; DRF checks CSRF itself for session-authenticated writes
def items_endpoint(request: HttpRequest, collection_id: str) -> HttpResponse:
    if request.method == "POST":
        return _items_write(request, collection_id=collection_id)
    return views_ogc.items(request, collection_id=collection_id)


@csrf_exempt
def item_endpoint(request: HttpRequest, collection_id: str, feature_id: str) -> HttpResponse:
    if request.method in ("PUT", "PATCH", "DELETE"):
        return _item_write(request, collection_id=collection_id, feature_id=feature_id)
    return views_ogc.item(request, collection_id=collection_id, feature_id=feature_id)


def _collection_to_edit(request: Request, collection_id: str) -> Collection:
    """The collection, once ``request.user`` is known to be allowed to edit it (before the
    body, the version or the feature is looked at)."""
    collection = registry.get(collection_id, user=request.user)
    collection.edit_check(user=request.user)
    return collection


# -- history ---------------------------------------------------------------------------------


def _history_collection(request: Request, collection_id: str, feature_id: str) -> Collection:
    """History names who edited what: for staff who may see the collection."""
    collection = registry.get(collection_id, user=request.user)
    if not user_sees_internal(request.user):
        raise PermissionDenied("A feature's history is for signed-in staff.", code="history_staff")
    # Feature ids are numbers or short codes; text the database cannot hold (NUL) is no id.
    if len(feature_id) > 100 or not feature_id.isprintable():
        raise NotFound(f"There is no feature {feature_id[:40]!r}.", code="feature_not_found")
    return collection


def _visible(collection: Collection, request: Request, snapshot: dict | None) -> dict | None:
    """A snapshot without the properties this user may not see."""
    if snapshot is None:
        return None
    names = {f.name for f in collection.fields(user=request.user)}
    properties = {k: v for k, v in (snapshot.get("properties") or {}).items() if k in names}
    return {"geometry": snapshot.get("geometry"), "properties": properties}


class FeatureHistoryApi(APIView):
    """Every change of a feature, oldest first: version, action, who, when, before and after."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request, collection_id: str, feature_id: str) -> Response:
        collection = _history_collection(request, collection_id, feature_id)
        records = feature_history(collection=collection.id, feature_id=feature_id)
        if not records:
            raise NotFound(f"{collection.id} has no history for feature {feature_id}.")
        return Response(
            {
                "collection": collection.id,
                "feature": feature_id,
                "versions": [
                    {
                        "version": r.version,
                        "action": r.action,
                        "user": r.username or None,
                        "at": r.at,
                        "before": _visible(collection, request, r.before),
                        "after": _visible(collection, request, r.after),
                    }
                    for r in records
                ],
            }
        )


class FeatureVersionApi(APIView):
    """The feature as one version left it; ``?compare=<other version>`` adds what differs."""

    @extend_schema(
        responses={200: dict}, parameters=[OpenApiParameter("compare", int, required=False)]
    )
    def get(self, request: Request, collection_id: str, feature_id: str, version: int) -> Response:
        collection = _history_collection(request, collection_id, feature_id)
        version = version_number(version)
        snapshot = feature_version(collection=collection.id, feature_id=feature_id, version=version)
        body = {"version": version, "feature": _visible(collection, request, snapshot)}
        other = request.query_params.get("compare")
        if other is not None:
            other_version = version_number(other, name="compare")
            other_snapshot = feature_version(
                collection=collection.id, feature_id=feature_id, version=other_version
            )
            difference = snapshots_compare(
                _visible(collection, request, snapshot),
                _visible(collection, request, other_snapshot),
            )
            body["compared_with"] = other_version
            body["difference"] = {
                "geometry_changed": difference.geometry_changed,
                "properties": {k: list(v) for k, v in difference.properties.items()},
            }
        return Response(body)


class FeatureAsOfApi(APIView):
    """The feature as it stood at a date (``?at=`` ISO 8601)."""

    @extend_schema(responses={200: dict}, parameters=[OpenApiParameter("at", str)])
    def get(self, request: Request, collection_id: str, feature_id: str) -> Response:
        collection = _history_collection(request, collection_id, feature_id)
        text = request.query_params.get("at", "")
        try:
            at = parse_datetime(text)
        except ValueError:  # well formed, but no such moment (30 February, hour 25)
            at = None
        if at is None:
            raise InvalidInput(
                f"at must be a date and time (ISO 8601), not {text[:40]!r}.", code="invalid_date"
            )
        if at.tzinfo is None:
            at = at.replace(tzinfo=dt.UTC)
        version, snapshot = feature_as_of(collection=collection.id, feature_id=feature_id, at=at)
        return Response(
            {"at": at, "version": version, "feature": _visible(collection, request, snapshot)}
        )


class FeatureRestoreApi(APIView):
    """Bring back an earlier version: the restore is itself a new version (If-Match)."""

    parser_classes = [JSONBodyParser]

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request, collection_id: str, feature_id: str) -> Response:
        collection = _history_collection(request, collection_id, feature_id)
        collection.edit_check(user=request.user)
        wanted = _body(request).get("version")
        if wanted is None:
            raise InvalidInput('Give the version to restore: {"version": 3}.')
        wanted = version_number(wanted)
        new_version = collection.restore(
            user=request.user, feature_id=feature_id, version=if_match(request), to_version=wanted
        )
        return _feature_response(request, collection, feature_id, new_version, 200)


# -- splitting and merging ---------------------------------------------------------------------


class FeatureSplitApi(APIView):
    """Cut a line or polygon feature with a line (GeoJSON, CRS84): {"cut_line": {...}} and
    If-Match. Answers the pieces; the first keeps the feature's id."""

    parser_classes = [JSONBodyParser]

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request, collection_id: str, feature_id: str) -> Response:
        collection = _collection_to_edit(request, collection_id)
        line = _feature_body(
            {"type": "Feature", "geometry": _body(request).get("cut_line")},
            geometry_required=True,
        )[0]
        ids = collection.split(
            user=request.user, feature_id=feature_id, version=if_match(request), cut_line=line
        )
        return Response({"features": [_feature_json(request, collection, i) for i in ids]})


class FeaturesMergeApi(APIView):
    """Merge features of a collection into the first: {"features": [ids], "versions": [..]}."""

    parser_classes = [JSONBodyParser]

    @extend_schema(request=dict, responses={200: dict})
    def post(self, request: Request, collection_id: str) -> Response:
        collection = _collection_to_edit(request, collection_id)
        data = _body(request)
        ids, versions = data.get("features"), data.get("versions")
        if not isinstance(ids, list) or not isinstance(versions, list) or len(ids) > 50:
            raise InvalidInput(
                "Give the features to merge (at most 50) and the version of each: "
                '{"features": [12, 13], "versions": [1, 4]}.',
                code="merge",
            )
        if len(set(map(str, ids))) != len(ids):
            raise InvalidInput("Each feature can be merged only once.", code="merge")
        versions = [version_number(v) for v in versions]
        feature_ids = [
            str(version_number(i, name="A feature id", code="invalid_feature_id")) for i in ids
        ]
        merged = collection.merge(user=request.user, feature_ids=feature_ids, versions=versions)
        return Response({"feature": _feature_json(request, collection, merged)})


def _feature_json(request: Request, collection: Collection, feature_id: str) -> dict:
    # The version first, as the item's GET reads it (layers.views_ogc.item): a version read
    # after the body could be that of a save committed in between, and pass an edit of this
    # older body.
    version = collection.feature_version(feature_id=feature_id)
    body = json.loads(
        collection_item(collection=collection, user=request.user, feature_id=feature_id)
    )
    body["version"] = version
    return body
