"""Administrative boundaries as GeoJSON, and the reload job for administrators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from boundaries.selectors import governorate_feature_rows, municipality_feature_rows
from boundaries.sources import attributions_for
from boundaries.tasks import reference_data_load_job
from core.api import GeoJSONRenderer, feature_collection
from core.errors import InvalidInput
from core.roles import Role, user_has_role
from jobs.api import JobSerializer, job_accepted_response
from jobs.services import job_enqueue

GEOJSON = {(200, "application/geo+json"): {"type": "object"}}


class IsAdministrator(BasePermission):
    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, Role.ADMINISTRATOR)


class BoundaryCollectionApi(APIView):
    """A public GeoJSON FeatureCollection with the attribution its sources require."""

    permission_classes = [AllowAny]
    renderer_classes = [GeoJSONRenderer, JSONRenderer]
    rows: Callable[[], list[dict[str, Any]]]

    def get(self, request: Request) -> Response:
        rows = self.rows()
        attribution = attributions_for({row["source"] for row in rows})
        return Response(feature_collection(rows=rows, attribution=attribution))


@extend_schema_view(get=extend_schema(summary="Municipalities (GeoJSON)", responses=GEOJSON))
class MunicipalityCollectionApi(BoundaryCollectionApi):
    rows = staticmethod(municipality_feature_rows)


@extend_schema_view(get=extend_schema(summary="Governorates (GeoJSON)", responses=GEOJSON))
class GovernorateCollectionApi(BoundaryCollectionApi):
    rows = staticmethod(governorate_feature_rows)


class ReferenceDataReloadApi(APIView):
    """Reload the reference data the platform was installed with (REFERENCE_DATA_DIR). It
    takes no parameters: no client names a folder, a file or a CRS for it to read."""

    permission_classes = [IsAdministrator]

    @extend_schema(request=None, responses={202: JobSerializer}, summary="Reload reference data")
    def post(self, request: Request) -> Response:
        # Reading request.data refuses a body that does not parse (400) or is of a type no
        # parser takes (415); an empty body or an empty JSON object is the request.
        data = request.data
        if request.query_params or not (data is None or data == {}):
            raise InvalidInput(
                "The reload takes no parameters: it reads the reference data the platform was "
                "installed with. Send an empty body.",
                code="no_parameters",
            )
        job = job_enqueue(task=reference_data_load_job, params={}, user=request.user)
        return job_accepted_response(job=job, request=request)
