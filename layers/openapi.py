"""The OpenAPI 3.0 definition of the OGC API - Features endpoints (the ``service-desc``)."""

from __future__ import annotations

from core.crs import supported_uris
from layers.ogc import DEFAULT_LIMIT, MAX_LIMIT


def _param(name: str, schema: dict, description: str, *, where: str = "query", **extra) -> dict:
    return {"name": name, "in": where, "description": description, "schema": schema, **extra}


def ogc_openapi_document(*, base_url: str) -> dict:
    crs_schema = {"type": "string", "format": "uri", "enum": supported_uris()}
    collection_id = _param(
        "collectionId", {"type": "string"}, "A collection's id", where="path", required=True
    )
    f = _param("f", {"type": "string", "enum": ["json", "html"]}, "Response format")
    json_object = {"application/json": {"schema": {"type": "object"}}}
    geojson = {"application/geo+json": {"schema": {"type": "object"}}}
    html = {"text/html": {"schema": {"type": "string"}}}
    error = {
        "description": "A problem with the request, explained",
        "content": {"application/json": {"schema": {"type": "object"}}},
    }

    def ok(content: dict) -> dict:
        return {
            "200": {"description": "OK", "content": {**content, **html}},
            "400": error,
            "404": error,
        }

    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Ramallah Municipal GIS: OGC API - Features",
            "version": "1.0",
            "description": "OGC API - Features Part 1 (Core) and Part 2 (CRS by reference).",
            "license": {"name": "Data licences are given per collection"},
        },
        "servers": [{"url": base_url}],
        "paths": {
            "/": {
                "get": {
                    "operationId": "getLandingPage",
                    "summary": "Landing page",
                    "parameters": [f],
                    "responses": ok(json_object),
                }
            },
            "/conformance": {
                "get": {
                    "operationId": "getConformance",
                    "summary": "Conformance classes",
                    "parameters": [f],
                    "responses": ok(json_object),
                }
            },
            "/collections": {
                "get": {
                    "operationId": "getCollections",
                    "summary": "Collections",
                    "parameters": [f],
                    "responses": ok(json_object),
                }
            },
            "/collections/{collectionId}": {
                "get": {
                    "operationId": "describeCollection",
                    "summary": "One collection",
                    "parameters": [collection_id, f],
                    "responses": ok(json_object),
                }
            },
            "/collections/{collectionId}/items": {
                "get": {
                    "operationId": "getFeatures",
                    "summary": "Features of a collection; any property name filters by value",
                    "parameters": [
                        collection_id,
                        f,
                        _param(
                            "bbox",
                            {
                                "type": "array",
                                "minItems": 4,
                                "maxItems": 6,
                                "items": {"type": "number"},
                            },
                            "Bounding box (in bbox-crs, CRS84 by default)",
                            style="form",
                            explode=False,
                        ),
                        _param("bbox-crs", crs_schema, "CRS of bbox"),
                        _param("crs", crs_schema, "CRS of the response geometries"),
                        _param(
                            "limit",
                            {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": MAX_LIMIT,
                                "default": DEFAULT_LIMIT,
                            },
                            "Features per page",
                        ),
                        _param(
                            "offset",
                            {"type": "integer", "minimum": 0, "default": 0},
                            "Features to skip",
                        ),
                        _param(
                            "datetime",
                            {"type": "string"},
                            "Instant or interval (RFC 3339, '..' for open ends)",
                        ),
                    ],
                    "responses": ok(geojson),
                }
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {
                    "operationId": "getFeature",
                    "summary": "One feature",
                    "parameters": [
                        collection_id,
                        _param(
                            "featureId",
                            {"type": "string"},
                            "A feature's id",
                            where="path",
                            required=True,
                        ),
                        f,
                        _param("crs", crs_schema, "CRS of the response geometry"),
                    ],
                    "responses": ok(geojson),
                }
            },
        },
    }
