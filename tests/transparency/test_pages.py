"""The transparency and privacy pages, in Arabic and English, without signing in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from delivery.models import Outcome, ProofOfDelivery
from layers.models import Layer
from servicerequests.models import OpenStatus, Service, ServiceRequest, WorkflowStatus
from tests.factories import layer_with_points

pytestmark = pytest.mark.django_db


def _requests(statuses) -> None:
    service = Service.objects.order_by("pk").first()
    for n, (status, workflow) in enumerate(statuses):
        ServiceRequest.objects.create(
            service_request_id=f"SR-PAGE{n:04d}",
            service=service,
            department=service.department,
            status=status,
            workflow_status=workflow,
            geom=Point(35.2, 31.905, srid=4326),
            requested_datetime=timezone.now(),
        )


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_transparency_page_lists_public_layers_with_source_licence_downloads_and_tiles(
    client, lang
):
    layer = layer_with_points(slug="streetlights", points=[(35.2, 31.905)])
    Layer.objects.filter(pk=layer.pk).update(
        source="Municipal survey 2026", licence="CC BY 4.0", is_synthetic=True
    )
    layer_with_points(slug="internal-pipes", visibility="internal")

    response = client.get(f"/{lang}/transparency/")

    assert response.status_code == 200
    html = response.content.decode()
    assert f'lang="{lang}"' in html
    assert 'id="collection-streetlights"' in html
    assert "internal-pipes" not in html  # the public's view of the registry
    assert "Municipal survey 2026" in html
    assert "CC BY 4.0" in html
    for fmt in ("gpkg", "geojson", "csv", "shp"):
        assert f"/api/v1/collections/streetlights/export?format={fmt}" in html
    assert "/tiles/streetlights.json" in html
    assert "/api/v1/collections/streetlights/items/{id}/history" in html
    assert "/ogcapi/" in html
    assert "OAPIF:" in html
    synthetic = "بيانات تجريبية" if lang == "ar" else "Synthetic demo data"
    assert synthetic in html


def test_transparency_page_credits_the_reference_data_and_says_when_there_is_no_history(
    client, reference_data
):
    html = client.get("/en/transparency/").content.decode()
    assert "CC BY 3.0 IGO" in html
    assert "OCHA" in html
    row = html.split('id="collection-governorates"')[1].split("</tr>")[0]
    assert "keeps no change history" in row


def test_transparency_page_counts_on_time_deliveries_and_resolved_requests(
    client, delivered, default_services
):
    # On time: delivered and recorded inside the window, ends included; the failed
    # delivery (not home) is recorded but not delivered.
    order = delivered.delivered
    ProofOfDelivery.objects.filter(stop__order=order).update(recorded_at=order.window_end)
    _requests(
        [
            (OpenStatus.CLOSED, WorkflowStatus.RESOLVED),
            (OpenStatus.CLOSED, WorkflowStatus.RESOLVED),
            (OpenStatus.CLOSED, WorkflowStatus.REJECTED),
            (OpenStatus.OPEN, WorkflowStatus.IN_PROGRESS),
        ]
    )
    html = client.get("/en/transparency/").content.decode()
    on_time = html.split('id="figure-on-time"')[1].split("</div>")[0]
    assert "<strong>1</strong>" in on_time
    assert "of 2 recorded deliveries (1 delivered)" in on_time
    resolved = html.split('id="figure-resolved"')[1].split("</div>")[0]
    assert "<strong>2</strong>" in resolved
    assert "of 4 requests reported (3 closed)" in resolved


def test_a_delivery_recorded_after_its_window_is_not_on_time(client, delivered):
    from transparency.selectors import service_figures

    order = delivered.delivered
    ProofOfDelivery.objects.filter(stop__order=order, outcome=Outcome.DELIVERED).update(
        recorded_at=order.window_end + timedelta(minutes=1)
    )
    figures = service_figures()
    assert (figures.delivered, figures.delivered_on_time) == (1, 0)


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_privacy_page_shows_the_retention_periods_in_force(client, settings, lang):
    settings.DELIVERY_CONTACT_RETENTION_DAYS = 45
    settings.SERVICE_REQUEST_CONTACT_RETENTION_DAYS = 120
    settings.PERSONAL_DATA_READ_RETENTION_DAYS = 365

    response = client.get(f"/{lang}/privacy/")

    assert response.status_code == 200
    html = response.content.decode()
    for row, days in (("delivery", 45), ("requests", 120), ("reads", 365)):
        cell = html.split(f'id="privacy-{row}"')[1].split("</tr>")[0]
        assert f'data-days="{days}"' in cell
        assert f"{days} " in cell
    for row in ("parcels", "staff", "changes"):
        assert f'id="privacy-{row}"' in html
    assert f'href="/{lang}/transparency/"' in html


def test_every_page_links_to_the_transparency_and_privacy_pages(client):
    html = client.get("/en/map/").content.decode()
    assert 'href="/en/transparency/"' in html
    assert 'href="/en/privacy/"' in html


def test_pages_take_no_writes(client):
    assert client.post("/en/transparency/").status_code == 405
    assert client.post("/en/privacy/").status_code == 405
