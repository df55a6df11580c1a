"""The cadastral register over HTTP.

Reading a parcel (identifier, area, zoning, lineage) is public. Parties, rights, the reasons of
transactions and source documents are read only by cadastre officers and administrators
(parcels.access), and only they run transactions. Geometries are GeoJSON in WGS 84 (EPSG:4326);
areas are geodesic square metres.
"""

from __future__ import annotations

from datetime import datetime
from fractions import Fraction

from django.contrib.gis.geos import GEOSGeometry, Point
from django.http import FileResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from boundaries.models import Locality
from core.api import PlainTextField
from core.errors import InvalidInput, NotFound
from core.geometry import geometry_check_size, geometry_from_geojson
from core.parsers import JSONBodyParser
from core.services import personal_data_read_record
from core.text import text_check
from core.uploads import upload_check_size
from jobs.api import JobSerializer, job_accepted_response
from jobs.services import job_enqueue
from parcels.access import user_edits_register, user_reads_rights
from parcels.audit import topology_audit_scope_check
from parcels.models import (
    Parcel,
    ParcelTransaction,
    Party,
    RightKind,
    SourceDocument,
    SourceDocumentKind,
)
from parcels.selectors import (
    parcel_at_point,
    parcel_by_identifier,
    parcel_lineage,
    parcel_rights_read,
    parcel_summary,
    parcel_view,
    right_summary,
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
from parcels.tasks import topology_audit_job


def _at(request: Request) -> datetime | None:
    value = request.query_params.get("at")
    if not value:
        return None
    try:
        # None when ``value`` is not shaped like a date; ValueError when it is, but names no
        # date that exists (February 30th, hour 25, an offset of 99 hours, year 0).
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInput(
            "'at' must be a date and time (ISO 8601, e.g. 2026-01-31T12:00:00Z), "
            f"not {value[:40]!r}.",
            code="invalid_date",
        )
    if timezone.is_naive(parsed):
        # A date and time without an offset is the platform's local time.
        parsed = timezone.make_aware(parsed)
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
        return Response(
            parcel_view(_parcel(pk), user=request.user, via=request.path, at=_at(request))
        )


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
            text = text_check(params["identifier"], field="identifier", max_length=100)
            parcel = parcel_by_identifier(text=text, at=at)
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
        return Response(parcel_view(parcel, user=request.user, via=request.path, at=at))


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
    reason = PlainTextField(
        max_length=2000, multiline=True, allow_blank=True, required=False, default=""
    )
    documents = serializers.ListField(
        child=serializers.IntegerField(), required=False, max_length=50
    )


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        field, error = _first_error(serializer.errors)
        message = str(error)
        if field and not message.startswith(field.rsplit(".", 1)[-1]):
            message = f"{field}: {message}"
        raise InvalidInput(
            message,
            code="invalid_request",
            details={"field": field, "code": getattr(error, "code", "invalid")},
        )
    return serializer.validated_data


def _first_error(errors, path: str = "") -> tuple[str, object]:
    """The first error of a serializer's nested errors and where it is, as ``rights[0].share``
    (a list's errors are keyed by index, a nested serializer's by field)."""
    if isinstance(errors, dict):
        key, value = next(iter(errors.items()))
        if isinstance(key, int):
            where = f"{path}[{key}]"
        elif key == "non_field_errors":
            where = path
        else:
            where = f"{path}.{key}" if path else str(key)
        return _first_error(value, where)
    if isinstance(errors, list):
        for index, item in enumerate(errors):
            if isinstance(item, dict | list):
                if item:
                    return _first_error(item, f"{path}[{index}]")
            else:
                return path, item
    return path, errors


def _documents(ids: list[int]) -> list[SourceDocument]:
    found = list(SourceDocument.objects.filter(pk__in=ids))
    missing = set(ids) - {d.pk for d in found}
    if missing:
        raise InvalidInput(f"Unknown documents: {sorted(missing)}.", code="document_unknown")
    return found


def _geometry(value, *, kind: str, name: str) -> GEOSGeometry:
    """A GeoJSON geometry of type ``kind`` in EPSG:4326."""
    geom = geometry_from_geojson(value)
    geometry_check_size(geometry=geom)
    if geom.geom_type != kind:
        raise InvalidInput(
            f"{name} must be a {kind}, not a {geom.geom_type}.", code="geometry_type"
        )
    return geom


VERSION_MESSAGE = "A version is a whole number: the version the parcel showed when it was read."


def _whole_number(value) -> int | None:
    """``value`` as a version when it is one: a JSON integer or a string of ASCII digits.
    ``true``, ``1.5``, ``"1.0"`` or ``"١"`` are not rounded into a version that might be
    current; they are refused."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


@extend_schema_field(OpenApiTypes.INT)
class VersionField(serializers.Field):
    default_error_messages = {"invalid": VERSION_MESSAGE}

    def to_internal_value(self, data) -> int:
        value = _whole_number(data)
        if value is None:
            self.fail("invalid")
        return value

    def to_representation(self, value) -> int:
        return value


def _version(request: Request, data) -> int | None:
    """The version the client read: ``If-Match: "<version>"`` or ``version`` in the body."""
    header = request.headers.get("If-Match", "").strip()
    if header:
        value = header.removeprefix("W/").strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
    else:
        value = data.get("version") if isinstance(data, dict) else None
    if value is None or value == "":
        return None
    version = _whole_number(value)
    if version is None:
        raise InvalidInput(VERSION_MESSAGE, code="invalid_version")
    return version


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
    parser_classes = [JSONBodyParser]

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
    versions = serializers.ListField(child=VersionField(), required=False)


class ParcelMergeApi(APIView):
    permission_classes = [EditsRegister]
    parser_classes = [JSONBodyParser]

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
        child=VersionField(), min_length=2, max_length=2, required=False
    )


class ParcelAdjustApi(APIView):
    permission_classes = [EditsRegister]
    parser_classes = [JSONBodyParser]

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
    parser_classes = [JSONBodyParser]

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
    kind = serializers.ChoiceField(choices=RightKind.values)
    # Numerator and denominator in ASCII digits, at most nine each (they are stored as 32-bit
    # integers): "1/3". The service refuses a share of 0 or above 1.
    share = serializers.RegexField(
        r"\A[0-9]{1,9}/[0-9]{1,9}\Z",
        required=False,
        allow_null=True,
        error_messages={"invalid": "A share is a fraction such as 1/3 (whole numbers)."},
    )
    description = PlainTextField(max_length=300, required=False, allow_blank=True)


class RightsSerializer(TransactionSerializer):
    rights = RightSerializer(many=True)


class ParcelRightsApi(APIView):
    """The rights in force on a parcel (GET, optionally ``at`` a date), and their replacement
    (PUT): cadastre officers and administrators only."""

    permission_classes = [ReadsRights]
    parser_classes = [JSONBodyParser]

    @extend_schema(responses={200: dict}, parameters=[AT])
    def get(self, request: Request, pk: int) -> Response:
        rights = parcel_rights_read(
            parcel=_parcel(pk), user=request.user, via=request.path, at=_at(request)
        )
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
        return Response(parcel_view(parcel, user=request.user, via=request.path))


class DocumentSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=SourceDocumentKind.values)
    reference = PlainTextField(max_length=120)
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
        try:
            stream = document.file.open("rb")
        except FileNotFoundError:
            raise NotFound(
                f"The file of document {pk} ({document.reference}) is missing from storage.",
                code="document_file_missing",
            ) from None
        personal_data_read_record(
            kind="parcel_document", object_ids=[document.pk], user=request.user, via=request.path
        )
        return FileResponse(stream, as_attachment=True)


# -- topology audits (a background job) ------------------------------------------------------


class AuditSerializer(serializers.Serializer):
    locality = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    basin = serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=2_000_000_000
    )


class TopologyAuditApi(APIView):
    """Start a topology audit of the register (or a locality, or one of its basins); the job's
    result is the report: overlaps, gaps and slivers, with points to go and look at."""

    permission_classes = [EditsRegister]
    parser_classes = [JSONBodyParser]

    @extend_schema(request=AuditSerializer, responses={202: JobSerializer})
    def post(self, request: Request) -> Response:
        data = _valid(AuditSerializer, request.data)
        locality = None
        if data.get("locality") is not None:
            locality = Locality.objects.filter(pk=data["locality"]).first()
            if locality is None:
                raise InvalidInput("There is no such locality.", code="unknown_locality")
        topology_audit_scope_check(locality=locality, basin=data.get("basin"))
        params = {"locality": locality.pk if locality else None, "basin": data.get("basin")}
        job = job_enqueue(task=topology_audit_job, params=params, user=request.user)
        return job_accepted_response(job=job, request=request)
