"""Orders the e-services portal sends as a CSV file (tests/data/delivery/portal_orders.csv):
good rows stored, bad rows reported with their line and reason, nothing doubled."""

from pathlib import Path

import pytest
from django.utils import timezone

from core.errors import InvalidInput
from delivery.models import DeliveryOrder, DocumentRequest
from delivery.services import delivery_orders_import
from tests.factories import UserFactory

FILES = Path(__file__).resolve().parents[1] / "data" / "delivery"
EXPECTED_REJECTIONS = {
    5: "no_delivery_point",
    6: "window_empty",
    7: "window_empty",
    8: "duplicate_in_file",
    9: "invalid_phone",
    10: "office_unknown",
    11: "kind_invalid",
    12: "method_invalid",
    13: "invalid_date",
}


def _rows(report):
    return {r["line"]: r["code"] for r in report.rejected}


def test_good_rows_are_stored_and_each_bad_row_is_reported_with_its_line(grid):
    report = delivery_orders_import(data=(FILES / "portal_orders.csv").read_bytes())
    assert report.imported == ["ES-2030-000001", "ES-2030-000002", "ES-2030-000003"]
    assert _rows(report) == EXPECTED_REJECTIONS
    assert all(r["message"] for r in report.rejected)
    home = DeliveryOrder.objects.get(document__reference="ES-2030-000002")
    assert (home.postcode, home.contact_name, home.contact_phone) == (
        "P6000616",
        "Second Contact",
        "970599100002",
    )
    assert home.window_start.isoformat() == "2030-06-02T09:00:00+00:00"  # 12:00 at +03:00
    naive = DeliveryOrder.objects.get(document__reference="ES-2030-000001")
    assert timezone.localtime(naive.window_start).hour == 9  # no offset: Palestine's time
    assert DeliveryOrder.objects.get(document__reference="ES-2030-000003").method == "collection"
    assert DocumentRequest.objects.count() == 3  # nothing of a refused row


def test_the_same_file_sent_twice_changes_nothing(grid):
    data = (FILES / "portal_orders.csv").read_bytes()
    delivery_orders_import(data=data)
    before = sorted(DeliveryOrder.objects.values_list("pk", "tracking_token", "status"))
    again = delivery_orders_import(data=data)
    assert (again.imported, len(again.unchanged)) == ([], 3)
    assert sorted(DeliveryOrder.objects.values_list("pk", "tracking_token", "status")) == before


def test_a_dry_run_checks_every_row_and_writes_nothing(grid):
    report = delivery_orders_import(data=(FILES / "portal_orders.csv").read_bytes(), dry_run=True)
    assert len(report.imported) == 3
    assert _rows(report) == EXPECTED_REJECTIONS
    assert not DeliveryOrder.objects.exists()
    assert not DocumentRequest.objects.exists()


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("portal_orders_cp1256.csv", "invalid_encoding"),
        ("portal_orders_wrong_columns.csv", "columns_missing"),
    ],
)
def test_a_file_refused_as_a_whole_says_why_and_writes_nothing(grid, name, code):
    with pytest.raises(InvalidInput) as refused:
        delivery_orders_import(data=(FILES / name).read_bytes())
    assert refused.value.code == code
    assert not DocumentRequest.objects.exists()


def test_dispatchers_upload_the_portals_file_and_read_the_report(grid, client):
    from core.roles import Role

    with (FILES / "portal_orders.csv").open("rb") as fh:
        assert client.post("/api/v1/delivery/imports", {"file": fh}).status_code in (401, 403)
    client.force_login(UserFactory(role=Role.DISPATCHER))
    with (FILES / "portal_orders.csv").open("rb") as fh:
        response = client.post("/api/v1/delivery/imports", {"file": fh})
    assert response.status_code == 200
    assert response.json()["imported"] == 3
    assert len(response.json()["rejected"]) == 9
    with (FILES / "portal_orders_cp1256.csv").open("rb") as fh:
        refused = client.post("/api/v1/delivery/imports", {"file": fh})
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "invalid_encoding"
