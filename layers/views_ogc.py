"""OGC API - Features, Part 1 (Core) and Part 2 (CRS by reference), for every collection the
caller may see. JSON/GeoJSON by default, HTML with ``f=html`` or a browser's Accept header."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.http import require_GET

from core.collections import Collection, registry
from core.crs import CRS84, crs_parse, crs_uri, supported_uris
from core.errors import InvalidInput
from core.selectors import collection_extent
from layers.ogc import parse_items_query
from layers.openapi import ogc_openapi_document
from layers.selectors import collection_item, collection_items

GEOJSON = "application/geo+json"
JSON = "application/json"
HTML = "text/html"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs",
    # Part 4 (editing): the layers' collections take POST, PUT, PATCH and DELETE with ETags.
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
]


def wants_html(request: HttpRequest) -> bool:
    chosen = request.GET.get("f")
    if chosen is not None:
        if chosen not in ("json", "html"):
            raise InvalidInput(f"f={chosen[:40]!r}: use json or html.", code="invalid_parameter")
        return chosen == "html"
    accept = request.headers.get("Accept", "")
    return HTML in accept and "json" not in accept


def absolute(request: HttpRequest, name: str, **kwargs) -> str:
    return request.build_absolute_uri(reverse(f"ogcapi:{name}", kwargs=kwargs))


def with_params(url: str, params: dict) -> str:
    return f"{url}?{urlencode(params)}" if params else url


def links_for(request: HttpRequest, url: str, *, json_type: str, title: str) -> list[dict]:
    params = {k: v for k, v in request.GET.items() if k != "f"}
    return [
        {
            "href": with_params(url, {**params, "f": "json"}),
            "rel": "self",
            "type": json_type,
            "title": title,
        },
        {
            "href": with_params(url, {**params, "f": "html"}),
            "rel": "alternate",
            "type": HTML,
            "title": f"{title} (HTML)",
        },
    ]


def lang() -> str:
    return "ar" if (get_language() or "").startswith("ar") else "en"


def collection_document(request: HttpRequest, collection: Collection) -> dict:
    url = absolute(request, "collection", collection_id=collection.id)
    items = absolute(request, "items", collection_id=collection.id)
    extent = collection_extent(collection=collection, user=request.user)
    title = collection.title.get(lang()) or collection.title["en"]
    description = collection.description.get(lang()) or collection.description.get("en", "")
    if collection.is_synthetic:
        description = f"[Synthetic data] {description}".strip()
    document = {
        "id": collection.id,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": supported_uris(),
        "storageCrs": crs_uri(CRS84),
        "links": [
            {"href": with_params(url, {"f": "json"}), "rel": "self", "type": JSON, "title": title},
            {
                "href": with_params(url, {"f": "html"}),
                "rel": "alternate",
                "type": HTML,
                "title": title,
            },
            {
                "href": with_params(items, {"f": "json"}),
                "rel": "items",
                "type": GEOJSON,
                "title": f"{title}: items",
            },
            {
                "href": with_params(items, {"f": "html"}),
                "rel": "items",
                "type": HTML,
                "title": f"{title}: items (HTML)",
            },
            {
                "href": request.build_absolute_uri(f"/tiles/{collection.id}.json"),
                "rel": "tiles",
                "type": JSON,
                "title": "TileJSON",
            },
        ],
    }
    if collection.attribution:
        document["attribution"] = " · ".join(a["text"] for a in collection.attribution)
    if extent:
        document["extent"] = {"spatial": {"bbox": [list(extent)], "crs": crs_uri(CRS84)}}
    return document


def respond(request, document: dict, template: str, *, content_type: str = JSON, headers=None):
    if wants_html(request):
        response = render(request, template, {"doc": document, "doc_json": document})
    else:
        response = JsonResponse(
            document, content_type=content_type, json_dumps_params={"ensure_ascii": False}
        )
    for key, value in (headers or {}).items():
        response[key] = value
    return response


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    url = absolute(request, "landing")
    document = {
        "title": "Ramallah Municipal GIS: OGC API - Features",
        "description": "Every public layer and boundary of the platform, by open standard.",
        "links": [
            *links_for(request, url, json_type=JSON, title="This document"),
            {
                "href": absolute(request, "openapi"),
                "rel": "service-desc",
                "type": OPENAPI,
                "title": "The API definition",
            },
            {
                "href": request.build_absolute_uri("/api/docs/"),
                "rel": "service-doc",
                "type": HTML,
                "title": "The platform's API documentation",
            },
            {
                "href": absolute(request, "conformance"),
                "rel": "conformance",
                "type": JSON,
                "title": "Conformance classes",
            },
            {
                "href": absolute(request, "collections"),
                "rel": "data",
                "type": JSON,
                "title": "Collections",
            },
        ],
    }
    return respond(request, document, "ogcapi/landing.html")


@require_GET
def conformance(request: HttpRequest) -> HttpResponse:
    return respond(request, {"conformsTo": CONFORMANCE}, "ogcapi/conformance.html")


@require_GET
def openapi(request: HttpRequest) -> HttpResponse:
    chosen = request.GET.get("f", "json")
    if chosen != "json":  # the definition is JSON only (the platform's own docs are HTML)
        raise InvalidInput(
            f"f={chosen[:40]!r}: the API definition is json.", code="invalid_parameter"
        )
    document = ogc_openapi_document(base_url=absolute(request, "landing").rstrip("/"))
    return JsonResponse(document, content_type=OPENAPI)


@require_GET
def collections(request: HttpRequest) -> HttpResponse:
    url = absolute(request, "collections")
    document = {
        "links": links_for(request, url, json_type=JSON, title="Collections"),
        "crs": supported_uris(),
        "collections": [
            collection_document(request, c) for c in registry.visible(user=request.user)
        ],
    }
    return respond(request, document, "ogcapi/collections.html")


@require_GET
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    found = registry.get(collection_id, user=request.user)
    return respond(request, collection_document(request, found), "ogcapi/collection.html")


def _content_crs(code: int) -> dict[str, str]:
    return {"Content-Crs": f"<{crs_uri(code)}>"}


@require_GET
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    found = registry.get(collection_id, user=request.user)
    names = {f.name for f in found.fields(user=request.user)}
    query = parse_items_query(request.GET, property_names=names)
    page = collection_items(collection=found, user=request.user, query=query)
    url = absolute(request, "items", collection_id=found.id)
    links = links_for(request, url, json_type=GEOJSON, title="This page")
    params = {k: v for k, v in request.GET.items() if k != "f"}
    params["limit"] = str(query.limit)
    if query.offset + query.limit < page.number_matched:
        links.append(
            {
                "href": with_params(url, {**params, "offset": query.offset + query.limit}),
                "rel": "next",
                "type": GEOJSON,
                "title": "Next page",
            }
        )
    if query.offset > 0:
        links.append(
            {
                "href": with_params(url, {**params, "offset": max(0, query.offset - query.limit)}),
                "rel": "prev",
                "type": GEOJSON,
                "title": "Previous page",
            }
        )
    links.append(
        {
            "href": absolute(request, "collection", collection_id=found.id),
            "rel": "collection",
            "type": JSON,
            "title": "The collection",
        }
    )
    stamp = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    if wants_html(request):
        document = {
            "title": found.title.get(lang()) or found.title["en"],
            "collection": found.id,
            "features": json.loads(page.features_json),
            "numberMatched": page.number_matched,
            "numberReturned": page.number_returned,
            "links": links,
            "fields": [f.name for f in found.fields(user=request.user)],
            "attribution": " · ".join(a["text"] for a in found.attribution),
            "synthetic": found.is_synthetic,
        }
        return respond(request, document, "ogcapi/items.html", headers=_content_crs(query.crs))
    # The features arrive as JSON text from PostgreSQL and are spliced in unchanged.
    head = json.dumps(
        {
            "type": "FeatureCollection",
            "timeStamp": stamp,
            "numberMatched": page.number_matched,
            "numberReturned": page.number_returned,
            "links": links,
        },
        ensure_ascii=False,
    )
    body = f'{head[:-1]}, "features": {page.features_json}}}'
    response = HttpResponse(body, content_type=GEOJSON)
    for key, value in _content_crs(query.crs).items():
        response[key] = value
    return response


@require_GET
def item(request: HttpRequest, collection_id: str, feature_id: str) -> HttpResponse:
    found = registry.get(collection_id, user=request.user)
    unknown = set(request.GET) - {"f", "crs"}
    if unknown:
        raise InvalidInput(
            f"Unknown query parameter(s): {', '.join(sorted(unknown))}.", code="unknown_parameter"
        )
    code = crs_parse(request.GET["crs"]) if "crs" in request.GET else CRS84
    # The version (the ETag) is read before the feature, never after: read after, it could
    # be that of a save committed in between, and an edit of this (older) body sent with it
    # would pass If-Match and silently undo that save. Read before, it is at worst older than
    # the body, and such an edit is refused (412).
    version = found.feature_version(feature_id=feature_id)
    feature = json.loads(
        collection_item(collection=found, user=request.user, feature_id=feature_id, crs=code)
    )
    url = absolute(request, "item", collection_id=found.id, feature_id=feature_id)
    feature["links"] = [
        *links_for(request, url, json_type=GEOJSON, title="This feature"),
        {
            "href": absolute(request, "collection", collection_id=found.id),
            "rel": "collection",
            "type": JSON,
            "title": "The collection",
        },
    ]
    headers = _content_crs(code)
    if version is not None:
        headers["ETag"] = f'"{version}"'  # what an edit sends back in If-Match (Part 4)
    return respond(request, feature, "ogcapi/item.html", content_type=GEOJSON, headers=headers)
