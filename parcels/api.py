"""The cadastral register over HTTP.

Reading a parcel (identifier, area, zoning, lineage) is public. Parties, rights, the reasons of
transactions and source documents are read only by cadastre officers and administrators
(parcels.access), and only they run transactions. Geometries are GeoJSON in WGS 84 (EPSG:4326);
areas are geodesic square metres.
"""

from __future__ import annotations

import json
from datetime import datetime
from fractions import Fraction

from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point
from django.http import FileResponse
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import InvalidInput, NotFound
from core.uploads import upload_check_size
from parcels.access import user_edits_register, user_reads_rights
from parcels.models import Parcel, ParcelTransaction, Party, Right, SourceDocument
from parcels.selectors import (
    parcel_at_point,
    parcel_by_identifier,
    parcel_lineage,
    parcel_rights_at,
)
from parcels.services import (
    DOCUMENT_MAX_BYTES,
    RightSpec,
    parcel_boundary_adjust,
    parcel_merge,
    parcel_retire,
    parcel_rights_set,
    parcel_split,
    source_document_upload,
)


def parcel_summary(parcel: Parcel) -> dict:
    """What anyone may read of a parcel."""
    return {
        "id": parcel.pk,
        "identifier": parcel.identifier,
        "locality": parcel.locality.name_en,
        "locality_ar": parcel.locality.name_ar,
        "basin": parcel.basin,
        "number": parcel.number,
        "area_m2": round(parcel.area_m2, 1),
        "registered_area_m2": (
            float(parcel.registered_area_m2) if parcel.registered_area_m2 is not None else None
        ),
        "land_use": parcel.land_use,
        "land_use_label": str(parcel.get_land_use_display()),
        "status": parcel.status,
        "valid_from": parcel.valid_from,
        "valid_to": parcel.valid_to,
        "version": parcel.version,
        "synthetic": parcel.is_synthetic,
        "geometry": json.loads(parcel.geom.geojson),
    }


def right_summary(right: Right) -> dict:
    party = right.party
    return {
        "party": {
            "id": party.pk,
            "kind": party.kind,
            "name_ar": party.name_ar,
            "name_en": party.name_en,
            "national_id": party.national_id,
        },
        "kind": right.kind,
        "share": f"{right.share_numerator}/{right.share_denominator}"
        if right.share_numerator
        else None,
        "description": right.description,
        "valid_from": right.valid_from,
        "valid_to": right.valid_to,
    }


def parcel_view(parcel: Parcel, *, user, at: datetime | None = None) -> dict:
    """A parcel as ``user`` may read it: rights only for cadastre officers and administrators."""
    body = parcel_summary(parcel)
    if user_reads_rights(user):
        body["rights"] = [right_summary(r) for r in parcel_rights_at(parcel=parcel, at=at)]
    return body


def _at(request: Request) -> datetime | None:
    value = request.query_params.get("at")
    if not value:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        raise InvalidInput(
            f"'at' must be a date and time (ISO 8601, e.g. 2026-01-31T12:00:00Z), not {value!r}.",
            code="invalid_date",
        )
    return parsed


def _parcel(pk: int) -> Parcel:
    parcel = Parcel.objects.select_related("locality").filter(pk=pk).first()
    if parcel is None:
        raise NotFound(f"There is no parcel {pk}.", code="parcel_not_found")
    return parcel


AT = OpenApiParameter("at", str, description="the register as of this date (ISO 8601)")


class ParcelApi(APIView):
    """One parcel, current or retired."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict}, parameters=[AT])
    def get(self, request: Request, pk: int) -> Response:
        return Response(parcel_view(_parcel(pk), user=request.user, at=_at(request)))


class ParcelLookupApi(APIView):
    """A parcel by identifier (``Ramallah 12/345``) or by a point (lon, lat), now or at ``at``."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: dict},
        parameters=[
            OpenApiParameter("identifier", str, description="locality basin/number"),
            OpenApiParameter("lon", float),
            OpenApiParameter("lat", float),
            AT,
        ],
    )
    def get(self, request: Request) -> Response:
        at = _at(request)
        params = request.query_params
        if params.get("identifier"):
            parcel = parcel_by_identifier(text=params["identifier"][:100], at=at)
        elif params.get("lon") and params.get("lat"):
            try:
                lon, lat = float(params["lon"]), float(params["lat"])
            except ValueError as exc:
                raise InvalidInput("lon and lat are numbers (degrees).") from exc
            if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                raise InvalidInput("Longitude runs from -180 to 180 and latitude from -90 to 90.")
            parcel = parcel_at_point(point=Point(lon, lat, srid=4326), at=at)
        else:
            raise InvalidInput(
                "Give an identifier ('Ramallah 12/345') or a point (lon and lat).",
                code="lookup_missing",
            )
        return Response(parcel_view(parcel, user=request.user, at=at))


class ParcelLineageApi(APIView):
    """Every ancestor and descendant of a parcel, with the transactions that made them. The
    reasons and documents of the transactions are for cadastre officers only."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, pk: int) -> Response:
        lineage = parcel_lineage(parcel=_parcel(pk))
        private = user_reads_rights(request.user)

        def step(s) -> dict:
            record = s.transaction
            body = {
                "parent": s.parent.identifier,
                "parent_id": s.parent.pk,
                "child": s.child.identifier,
                "child_id": s.child.pk,
                "generation": s.generation,
                "transaction": {
                    "id": record.pk,
                    "kind": record.kind,
                    "performed_at": record.performed_at,
                },
            }
            if private:
                body["transaction"] |= transaction_private(record)
            return body

        return Response(
            {
                "parcel": parcel_summary(lineage.parcel),
                "ancestors": [step(s) for s in lineage.ancestors],
                "descendants": [step(s) for s in lineage.descendants],
            }
        )


def transaction_private(record: ParcelTransaction) -> dict:
    return {
        "reason": record.reason,
        "performed_by": record.performed_by.get_username() if record.performed_by else None,
        "documents": [
            {"id": d.pk, "kind": d.kind, "reference": d.reference} for d in record.documents.all()
        ],
    }


# -- transactions (cadastre officers) ---------------------------------------------------------


class EditsRegister(BasePermission):
    message = "Only cadastre officers and administrators change the register."

    def has_permission(self, request, view) -> bool:
        return user_edits_register(request.user)


class ReadsRights(BasePermission):
    message = "Only cadastre officers and administrators read the register's documents."

    def has_permission(self, request, view) -> bool:
        return user_reads_rights(request.user)


class TransactionSerializer(serializers.Serializer):
    # A missing reason reaches the service, whose refusal says why a reason is needed.
    reason = serializers.CharField(max_length=2000, allow_blank=True, required=False, default="")
    documents = serializers.ListField(child=serializers.IntegerField(), required=False)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        field, errors = next(iter(serializer.errors.items()))
        detail = errors if isinstance(errors, list) else [errors]
        raise InvalidInput(f"{field}: {' '.join(str(e) for e in detail)}", code="invalid_request")
    return serializer.validated_data


def _documents(ids: list[int]) -> list[SourceDocument]:
    found = list(SourceDocument.objects.filter(pk__in=ids))
    missing = set(ids) - {d.pk for d in found}
    if missing:
        raise InvalidInput(f"Unknown documents: {sorted(missing)}.", code="document_unknown")
    return found


def _geometry(value, *, kind: str, name: str) -> GEOSGeometry:
    """A GeoJSON geometry of type ``kind`` in EPSG:4326."""
    try:
        geom = GEOSGeometry(json.dumps(value), srid=4326)
    except (GEOSException, ValueError, TypeError) as exc:
        raise InvalidInput(f"{name} is not a GeoJSON geometry.", code="invalid_geometry") from exc
    if geom.geom_type != kind:
        raise InvalidInput(
            f"{name} must be a {kind}, not a {geom.geom_type}.", code="geometry_type"
        )
    return geom


def _version(request: Request, data: dict) -> int | None:
    """The version the client read: ``If-Match: "<version>"`` or ``version`` in the body."""
    header = request.headers.get("If-Match", "").strip().strip('"').removeprefix("W/").strip('"')
    value = header or data.get("version")
    if value in (None, ""):
        return None
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise InvalidInput("The version is a whole number.", code="invalid_version") from exc


def _transaction_response(result, status: int = 201) -> Response:
    return Response(
        {
            "transaction": {
                "id": result.record.pk,
                "kind": result.record.kind,
                "performed_at": result.record.performed_at,
            },
            "children": [parcel_summary(c) for c in result.children],
        },
        status=status,
    )


class SplitSerializer(TransactionSerializer):
    cut_lines = serializers.ListField(child=serializers.JSONField(), min_length=1, max_length=20)


class ParcelSplitApi(APIView):
    permission_classes = [EditsRegister]
    parser_classes = [JSONParser]

    @extend_schema(request=SplitSerializer, responses={201: dict})
    def post(self, request: Request, pk: int) -> Response:
        data = _valid(SplitSerializer, request.data)
        lines = [
            _geometry(line, kind="LineString", name=f"cut line {i}")
            for i, line in enumerate(data["cut_lines"], start=1)
        ]
        result = parcel_split(
            parcel=_parcel(pk),
            cut_lines=lines,
            user=request.user,
            reason=data["reason"],
            documents=_documents(data.get("documents", [])),
            version=_version(request, request.data),
        )
        return _transaction_response(result)


class MergeSerializer(TransactionSerializer):
    parcels = serializers.ListField(child=serializers.IntegerField(), min_length=2, max_length=50)
    versions = serializers.ListField(child=serializers.IntegerField(), required=False)


class ParcelMergeApi(APIView):
    permission_classes = [EditsRegister]
    parser_classes = [JSONParser]

    @extend_schema(request=MergeSerializer, responses={201: dict})
    def post(self, request: Request) -> Response:
        data = _valid(MergeSerializer, request.data)
        versions = data.get("versions")
        if versions is not None and len(versions) != len(data["parcels"]):
            raise InvalidInput("Give one version per parcel.", code="invalid_version")
        result = parcel_merge(
            parcels=[_parcel(pk) for pk in data["parcels"]],
            user=request.user,
            reason=data["reason"],
            documents=_documents(data.get("documents", [])),
            versions=versions,
        )
        return _transaction_response(result)


class AdjustSerializer(TransactionSerializer):
    neighbour = serializers.IntegerField()
    geometry = serializers.JSONField()
    versions = serializers.ListField(
        child=serializers.IntegerField(), min_length=2, max_length=2, required=False
    )


class ParcelAdjustApi(APIView):
    permission_classes = [EditsRegister]
    parser_classes = [JSONParser]

    @extend_schema(request=AdjustSerializer, responses={201: dict})
    def post(self, request: Request, pk: int) -> Response:
        data = _valid(AdjustSerializer, request.data)
        result = parcel_boundary_adjust(
            parcel=_parcel(pk),
            neighbour=_parcel(data["neighbour"]),
            geom=_geometry(data["geometry"], kind="Polygon", name="geometry"),
            user=request.user,
            reason=data["reason"],
            documents=_documents(data.get("documents", [])),
            versions=data.get("versions"),
        )
        return _transaction_response(result)


class ParcelRetireApi(APIView):
    permission_classes = [EditsRegister]
    parser_classes = [JSONParser]

    @extend_schema(request=TransactionSerializer, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        data = _valid(TransactionSerializer, request.data)
        record = parcel_retire(
            parcel=_parcel(pk),
            user=request.user,
            reason=data["reason"],
            documents=_documents(data.get("documents", [])),
            version=_version(request, request.data),
        )
        return Response({"transaction": {"id": record.pk, "kind": record.kind}})


class RightSerializer(serializers.Serializer):
    party = serializers.IntegerField()
    kind = serializers.CharField()
    share = serializers.RegexField(r"^\d{1,9}/\d{1,9}$", required=False, allow_null=True)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


class RightsSerializer(TransactionSerializer):
    rights = RightSerializer(many=True)


class ParcelRightsApi(APIView):
    """The rights in force on a parcel (GET, optionally ``at`` a date), and their replacement
    (PUT): cadastre officers and administrators only."""

    permission_classes = [ReadsRights]
    parser_classes = [JSONParser]

    @extend_schema(responses={200: dict}, parameters=[AT])
    def get(self, request: Request, pk: int) -> Response:
        rights = parcel_rights_at(parcel=_parcel(pk), at=_at(request))
        return Response({"rights": [right_summary(r) for r in rights]})

    @extend_schema(request=RightsSerializer, responses={200: dict})
    def put(self, request: Request, pk: int) -> Response:
        data = _valid(RightsSerializer, request.data)
        parties = {
            p.pk: p for p in Party.objects.filter(pk__in=[r["party"] for r in data["rights"]])
        }
        specs = []
        for item in data["rights"]:
            if item["party"] not in parties:
                raise InvalidInput(f"Unknown party {item['party']}.", code="party_unknown")
            share = item.get("share")
            if share is not None and int(share.split("/")[1]) == 0:
                raise InvalidInput("A share cannot have 0 as its denominator.", code="right_share")
            specs.append(
                RightSpec(
                    party=parties[item["party"]],
                    kind=item["kind"],
                    share=Fraction(share) if share else None,
                    description=item.get("description", ""),
                )
            )
        parcel = _parcel(pk)
        parcel_rights_set(
            parcel=parcel,
            rights=specs,
            user=request.user,
            reason=data["reason"],
            documents=_documents(data.get("documents", [])),
            version=_version(request, request.data),
        )
        parcel.refresh_from_db()
        return Response(parcel_view(parcel, user=request.user))


class DocumentSerializer(serializers.Serializer):
    kind = serializers.CharField()
    reference = serializers.CharField(max_length=120)
    file = serializers.FileField()


class SourceDocumentApi(APIView):
    """Upload a survey plan, deed or other document (cadastre officers)."""

    permission_classes = [EditsRegister]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(request=DocumentSerializer, responses={201: dict})
    def post(self, request: Request) -> Response:
        upload_check_size(request, limit_bytes=DOCUMENT_MAX_BYTES)
        data = _valid(DocumentSerializer, request.data)
        document = source_document_upload(
            kind=data["kind"], reference=data["reference"], upload=data["file"], user=request.user
        )
        return Response(
            {"id": document.pk, "kind": document.kind, "sha256": document.sha256}, status=201
        )


class SourceDocumentFileApi(APIView):
    """A document's file: personal data, served only to cadastre officers and administrators
    (never as a public media URL)."""

    permission_classes = [ReadsRights]

    @extend_schema(responses={200: bytes})
    def get(self, request: Request, pk: int) -> FileResponse:
        document = SourceDocument.objects.filter(pk=pk).first()
        if document is None:
            raise NotFound(f"There is no document {pk}.", code="document_not_found")
        return FileResponse(document.file.open("rb"), as_attachment=True)
