"""Open311 GeoReport v2: each resource in JSON (``.json``) or XML (``.xml``), the
extension being DRF's ``format`` (which picks the renderer)."""

from django.urls import re_path

from servicerequests import open311

app_name = "open311"
FORMAT = r"\.(?P<format>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FORMAT, open311.DiscoveryApi.as_view(), name="discovery"),
    re_path(r"^services" + FORMAT, open311.ServicesApi.as_view(), name="services"),
    re_path(
        r"^services/(?P<service_code>[^/]+)" + FORMAT,
        open311.ServiceDefinitionApi.as_view(),
        name="service",
    ),
    re_path(r"^requests" + FORMAT, open311.RequestsApi.as_view(), name="requests"),
    re_path(
        r"^requests/(?P<service_request_id>[^/]+)" + FORMAT,
        open311.RequestApi.as_view(),
        name="request",
    ),
    # Unnamed: everything else answers Open311's 404 (JSON), never an HTML page.
    re_path(r"^.*$", open311.NotFoundApi.as_view()),
]
