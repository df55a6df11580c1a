"""The OpenAPI document describes every endpoint and validates without warnings."""

from io import StringIO

import yaml
from django.core.management import call_command


def test_openapi_schema_is_valid_and_lists_the_endpoints(db, tmp_path):
    target = tmp_path / "schema.yaml"
    call_command(
        "spectacular", "--validate", "--fail-on-warn", f"--file={target}", stdout=StringIO()
    )
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert {
        "/api/v1/jobs/",
        "/api/v1/jobs/{job_id}/",
        "/api/v1/jobs/{job_id}/cancel/",
        "/api/v1/boundaries/municipalities/",
        "/api/v1/boundaries/governorates/",
        "/api/v1/boundaries/reference-data/reload/",
        "/api/v1/layers/",
        "/api/v1/layers/{slug}/",
        "/api/v1/layers/imports/",
    } <= set(schema["paths"])


def test_api_documentation_page_is_served_without_other_hosts(client, db):
    html = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
