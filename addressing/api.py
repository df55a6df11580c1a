"""Geocoding, postcodes and building numbering over HTTP.

Searching and reading addresses is public (the citizens' map uses it); couriers' apps sign in
with a token (``Authorization: Token ...``, from ``POST /api/v1/auth/token/``). Numbering a
street is for addressing officers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import asdict

from django.contrib.gis.geos import Point
from django.http import FileResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from addressing.batch import batch_check
from addressing.geocoders import geocoder
from addressing.models import Building, BuildingStatus, Street
from addressing.selectors import address_view
from addressing.services import (
    address_add,
    building_numbering_apply,
    building_numbering_preview,
    building_retire,
)
from addressing.tasks import batch_result_path, geocode_batch_job
from boundaries.selectors import served_area_check
from core.api import CoordinateField, PlainTextField
from core.errors import InvalidInput, NotFound
from core.roles import Role, user_has_role
from core.text import text_check
from core.uploads import upload_check_size, upload_store
from jobs.api import JobSerializer, job_accepted_response
from jobs.selectors import job_get
from jobs.services import job_enqueue

BATCH_MAX_BYTES = 20 * 1024**2

CANDIDATE_KINDS = ("address", "street", "place", "area", "zone", "town")


class CandidateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(CANDIDATE_KINDS)
    id = serializers.IntegerField()
    label_ar = serializers.CharField()
    label_en = serializers.CharField()
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    confidence = serializers.FloatField(help_text="0 to 1")
    postcode = serializers.CharField(allow_null=True)
    matched = serializers.DictField(help_text="which parts of the query matched what")
    synthetic = serializers.BooleanField(help_text="generated demo data, not surveyed")
    geometry = serializers.DictField(allow_null=True, help_text="a zone's or area's outline")


class SearchSerializer(serializers.Serializer):
    query = serializers.CharField()
    notes = serializers.ListField(child=serializers.CharField())
    candidates = CandidateSerializer(many=True)


class QuerySerializer(serializers.Serializer):
    # Blank, long and not plain-text queries reach the geocoder, whose refusal says what a
    # query should be (addressing.geocoders.query_check).
    q = serializers.CharField(allow_blank=True, trim_whitespace=False)
    limit = serializers.IntegerField(min_value=1, max_value=20, default=5)


class ReverseQuerySerializer(serializers.Serializer):
    lon = serializers.FloatField(min_value=-180, max_value=180)
    lat = serializers.FloatField(min_value=-90, max_value=90)
    radius = serializers.FloatField(min_value=1, max_value=5000, default=100)


def _valid(
    serializer_class, data, *, only_known: bool = False, code: str = "invalid_query"
) -> dict:
    """The serializer's validated data, or InvalidInput naming the first field in error.
    ``only_known``: a body with fields the serializer does not take is refused, rather than
    read without them (a client that thinks it can ask for more should hear that it cannot)."""
    if only_known:
        if not isinstance(data, Mapping):
            raise InvalidInput(
                f"The body is a JSON object with the fields {_field_list(serializer_class)}.",
                code="invalid_body",
            )
        unknown = sorted(set(data) - set(serializer_class().fields))
        if unknown:
            shown = ", ".join(repr(name[:40]) for name in unknown[:5])
            raise InvalidInput(
                f"This request does not take {shown}; its fields are "
                f"{_field_list(serializer_class)}.",
                code="unknown_field",
                details={"unknown": [name[:40] for name in unknown[:20]]},
            )
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        field, errors = next(iter(serializer.errors.items()))
        raise InvalidInput(f"{field}: {' '.join(str(e) for e in errors)}", code=code)
    return serializer.validated_data


def _field_list(serializer_class) -> str:
    return ", ".join(serializer_class().fields)


QUERY_PARAMETERS = [
    OpenApiParameter("q", str, required=True, description="free text, Arabic or English"),
    OpenApiParameter("limit", int, description="1 to 20"),
]


class GeocodeSearchApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Find addresses, streets, places and postcodes from free text",
        parameters=QUERY_PARAMETERS,
        responses=SearchSerializer,
    )
    def get(self, request: Request) -> Response:
        params = _valid(QuerySerializer, request.query_params)
        result = geocoder().search(query=params["q"], limit=params["limit"])
        return Response(asdict(result))


class GeocodeAutocompleteApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Suggestions for a search box",
        parameters=QUERY_PARAMETERS,
        responses=CandidateSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        params = _valid(QuerySerializer, request.query_params)
        found = geocoder().autocomplete(query=params["q"], limit=params["limit"])
        return Response([asdict(c) for c in found])


class GeocodeReverseApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="The nearest address to a point",
        parameters=[
            OpenApiParameter("lon", float, required=True, description="WGS 84 longitude"),
            OpenApiParameter("lat", float, required=True, description="WGS 84 latitude"),
            OpenApiParameter("radius", float, description="metres, 1 to 5000 (default 100)"),
        ],
        responses=CandidateSerializer,
    )
    def get(self, request: Request) -> Response:
        params = _valid(ReverseQuerySerializer, request.query_params)
        point = Point(params["lon"], params["lat"], srid=4326)
        return Response(asdict(geocoder().reverse(point=point, radius_m=params["radius"])))


class PostcodeApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="A postcode's building (P + 7 digits) or a postal zone (P + 3 digits)",
        responses=CandidateSerializer,
    )
    def get(self, request: Request, code: str) -> Response:
        return Response(asdict(geocoder().postcode(code=code)))


class AddressSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    postcode = serializers.CharField(allow_null=True)
    lon = serializers.FloatField()
    lat = serializers.FloatField()
    synthetic = serializers.BooleanField()
    lines_ar = serializers.ListField(child=serializers.CharField())
    lines_en = serializers.ListField(child=serializers.CharField())


MAX_RECIPIENT_LENGTH = 100
# Arabic-Indic or Latin digits in the Arabic lines (Unicode CLDR numbering system names).
DIGIT_SYSTEMS = ("arab", "latn")


class AddressApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="A building's address, formatted in Arabic and English (UPU layout)",
        parameters=[
            OpenApiParameter("recipient", str, description="a name for the first line"),
            OpenApiParameter(
                "digits",
                str,
                enum=DIGIT_SYSTEMS,
                description="arab: Arabic-Indic digits in Arabic; latn (default): 0-9",
            ),
        ],
        responses=AddressSerializer,
    )
    def get(self, request: Request, pk: int) -> Response:
        building = (
            Building.objects.select_related("street__municipality", "area")
            .filter(pk=pk, status=BuildingStatus.ACTIVE)
            .first()
        )
        if building is None:
            raise NotFound(f"There is no address {pk}.", code="address_not_found")
        # The recipient is printed as the first line of a label: plain text of a name's length.
        recipient = text_check(
            request.query_params.get("recipient", ""),
            field="recipient",
            max_length=MAX_RECIPIENT_LENGTH,
        )
        digits = request.query_params.get("digits", "latn")
        if digits not in DIGIT_SYSTEMS:
            raise InvalidInput(
                f"digits is {' or '.join(DIGIT_SYSTEMS)}, not {digits[:40]!r}.",
                code="invalid_digits",
            )
        arabic_digits = digits == "arab"
        return Response(
            address_view(building=building, recipient=recipient, arabic_digits=arabic_digits)
        )


class IsAddressingOfficer(BasePermission):
    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, Role.ADDRESSING_OFFICER, Role.ADMINISTRATOR)


class NumberingRequestSerializer(serializers.Serializer):
    renumber = serializers.BooleanField(default=False)
    apply = serializers.BooleanField(default=False, help_text="false: a preview only")


class NumberChangeSerializer(serializers.Serializer):
    building_id = serializers.IntegerField()
    side = serializers.CharField()
    position = serializers.FloatField()
    old = serializers.CharField()
    new = serializers.CharField()
    changed = serializers.BooleanField()


class StreetNumberingApi(APIView):
    permission_classes = [IsAddressingOfficer]

    @extend_schema(
        summary="Preview or apply the numbering of a street's buildings",
        request=NumberingRequestSerializer,
        responses=NumberChangeSerializer(many=True),
    )
    def post(self, request: Request, pk: int) -> Response:
        params = _valid(
            NumberingRequestSerializer, request.data, only_known=True, code="invalid_body"
        )
        street = Street.objects.filter(pk=pk).first()
        if street is None:
            raise NotFound(f"There is no street {pk}.", code="street_not_found")
        if params["apply"]:
            plan = building_numbering_apply(
                street=street, renumber=params["renumber"], user=request.user
            )
        else:
            plan = building_numbering_preview(street=street, renumber=params["renumber"])
        return Response([{**asdict(c), "changed": c.changed} for c in plan])


class MayGeocodeInBatches(BasePermission):
    """Dispatchers, couriers, addressing officers and administrators (a token will do)."""

    def has_permission(self, request, view) -> bool:
        return user_has_role(
            request.user, Role.DISPATCHER, Role.COURIER, Role.ADDRESSING_OFFICER, Role.ADMINISTRATOR
        )


class BatchSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="CSV, UTF-8 (Windows-1256 is read too), a header row")
    column = PlainTextField(
        required=False, max_length=200, help_text="the column with the addresses"
    )


class GeocodeBatchApi(APIView):
    permission_classes = [MayGeocodeInBatches]
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        summary="Geocode a CSV of addresses in the background",
        request=BatchSerializer,
        responses={202: JobSerializer},
    )
    def post(self, request: Request) -> Response:
        upload_check_size(request, limit_bytes=BATCH_MAX_BYTES)
        data = _valid(BatchSerializer, request.data, code="invalid_body")
        upload = data["file"]
        if upload.size == 0:
            raise InvalidInput("The uploaded file is empty.", code="empty_file")
        # Read here, before anything is stored or queued: a file that is not a CSV of
        # addresses is refused with the reason now, not found out by a failed job later.
        batch_check(name=upload.name, raw=upload.read(), column=data.get("column"))
        upload.seek(0)
        params = {"upload": upload_store(upload), "column": data.get("column")}
        job = job_enqueue(task=geocode_batch_job, params=params, user=request.user)
        return job_accepted_response(job=job, request=request)


class GeocodeBatchResultApi(APIView):
    permission_classes = [MayGeocodeInBatches]

    @extend_schema(summary="The geocoded CSV of a finished batch job", responses={200: bytes})
    def get(self, request: Request, job_id: uuid.UUID) -> FileResponse:
        job = job_get(user=request.user, job_id=str(job_id))
        path = batch_result_path(job_id=str(job.pk))
        if job.kind != geocode_batch_job.name or not path.exists():
            raise NotFound("This job has no geocoded file (yet).", code="result_not_ready")
        return FileResponse(
            path.open("rb"),
            as_attachment=True,
            filename=f"geocoded-{job.pk}.csv",
            content_type="text/csv; charset=utf-8",
        )


class NewAddressSerializer(serializers.Serializer):
    lon = CoordinateField(min_value=-180, max_value=180)
    lat = CoordinateField(min_value=-90, max_value=90)


class AddressAddApi(APIView):
    """A new building entrance, numbered on its nearest street and given its postcode
    (addressing officers)."""

    permission_classes = [IsAddressingOfficer]

    @extend_schema(request=NewAddressSerializer, responses={201: dict})
    def post(self, request: Request) -> Response:
        params = _valid(NewAddressSerializer, request.data, only_known=True, code="invalid_body")
        entrance = Point(params["lon"], params["lat"], srid=4326)
        served_area_check(geometry=entrance)
        building = address_add(entrance=entrance, user=request.user)
        return Response(_address_summary(building), status=201)


class AddressRetireApi(APIView):
    """Retire a building: it leaves the map and the search; its postcode is never reissued."""

    permission_classes = [IsAddressingOfficer]

    @extend_schema(request=None, responses={200: dict})
    def post(self, request: Request, pk: int) -> Response:
        building = Building.objects.filter(pk=pk).select_related("street").first()
        if building is None:
            raise NotFound(f"There is no address {pk}.", code="address_not_found")
        return Response(_address_summary(building_retire(building=building, user=request.user)))


def _address_summary(building: Building) -> dict:
    return {
        "id": building.pk,
        "street": building.street.name_en,
        "street_ar": building.street.name_ar,
        "number": building.house_number,
        "postcode": building.postcode,
        "status": building.status,
    }
