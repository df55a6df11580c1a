import csv

import pytest
from django.contrib.gis.geos import Polygon

from addressing.batch import geocode_batch
from addressing.services import building_numbering_apply, postal_zone_create, postcodes_assign
from core.errors import InvalidInput
from core.roles import Role
from jobs.models import Job
from tests.conftest import DATA, wait_for_job
from tests.factories import (
    TOWN_BOX,
    UserFactory,
    buildings_beside,
    street_along,
    town_create,
)

FILES = DATA / "addressing"


def read(path) -> list[dict]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture
def numbered(irsal, zone):
    buildings_beside(street=irsal, fractions_left=(0.2, 0.4, 0.6))
    building_numbering_apply(street=irsal)
    postcodes_assign(zone=zone)
    return irsal


def test_every_row_comes_back_with_a_status(numbered, tmp_path):
    target = tmp_path / "out.csv"
    report = geocode_batch(source=FILES / "batch.csv", target=target)
    rows = read(target)
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert [r["geocode_status"] for r in rows] == [
        "matched",
        "matched",
        "empty",
        "not_found",
        "not_found",
    ]
    assert rows[0]["geocode_label_en"].startswith("5 Al-Irsal Street")
    assert rows[1]["geocode_postcode"].startswith("P600")
    assert rows[0]["phone"] == "059"  # the file's own columns are kept
    assert "add the street" in rows[4]["geocode_note"]
    assert report.statuses == {"matched": 2, "empty": 1, "not_found": 2}
    assert report.column == "address"


def test_a_windows_1256_file_is_read_and_the_report_says_so(numbered, tmp_path):
    target = tmp_path / "out.csv"
    report = geocode_batch(source=FILES / "batch_cp1256.csv", target=target)
    assert report.encoding == "windows-1256"
    assert "not UTF-8" in report.notes[0]
    assert read(target)[0]["geocode_status"] == "matched"


@pytest.mark.parametrize(
    ("name", "column", "message"),
    [
        ("batch_no_address_column.csv", None, "Which column holds the addresses?"),
        ("batch.csv", "street", "The file has no column 'street'"),
        ("places_truncated.geojson", "address", "The file has no column 'address'"),
    ],
)
def test_files_without_the_addresses_are_refused(db, tmp_path, name, column, message):
    with pytest.raises(InvalidInput, match=message):
        geocode_batch(source=FILES / name, target=tmp_path / "out.csv", column=column)
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_dispatcher_uploads_a_csv_and_downloads_the_result(celery_worker, api_client):
    town = town_create()
    zone = postal_zone_create(
        code="600", governorate=town.governorate, geom=Polygon.from_bbox(TOWN_BOX)
    )
    street = street_along(
        town=town, code="RAM-0001", name_ar="شارع الإرسال", name_en="Al-Irsal Street"
    )
    buildings_beside(street=street, fractions_left=(0.2, 0.4, 0.6))
    building_numbering_apply(street=street)
    postcodes_assign(zone=zone)
    api_client.force_authenticate(UserFactory(role=Role.DISPATCHER))
    with (FILES / "batch.csv").open("rb") as fh:
        response = api_client.post("/api/v1/geocode/batch", {"file": fh}, format="multipart")
    assert response.status_code == 202
    job = wait_for_job(response.json()["id"])
    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.result["statuses"]["matched"] == 2
    download = api_client.get(f"/api/v1/geocode/batch/{job.pk}/result")
    assert download.status_code == 200
    text = b"".join(download.streaming_content).decode("utf-8-sig")
    assert "geocode_status" in text.splitlines()[0]


def test_citizens_cannot_start_batches(api_client, db):
    response = api_client.post("/api/v1/geocode/batch", {}, format="multipart")
    assert response.status_code in (401, 403)
