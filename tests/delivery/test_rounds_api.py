"""The staff side of delivery over HTTP: the board, planning as a job, moves, the courier's
round, proofs sent twice, the run sheet and who may see what."""

import uuid

import pytest
from django.utils import timezone

from core.roles import Role
from delivery.models import ProofOfDelivery, Round
from delivery.services import round_plan
from jobs.models import Job
from tests.conftest import ARTIFACTS, wait_for_job
from tests.factories import UserFactory, courier_make, home_order_make


@pytest.fixture
def planned(grid, tomorrow):
    office, buildings = grid
    couriers = [courier_make(office=office, username=f"api{i}", capacity=4) for i in range(2)]
    for i in range(6):
        home_order_make(building=buildings[i * 3], office=office, day=tomorrow)
    round_plan(office=office, day=tomorrow)
    return office, couriers


def test_the_board_is_for_dispatchers_and_shows_rounds_and_couriers(client, planned, tomorrow):
    office, couriers = planned
    url = f"/api/v1/delivery/board?office={office.pk}&day={tomorrow}"
    assert client.get(url).status_code in (401, 403)
    client.force_login(couriers[0].user)
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(role=Role.DISPATCHER))
    board = client.get(url).json()
    assert len(board["couriers"]) == 2
    assert sum(len(r["stops"]) for r in board["rounds"]) == 6
    assert board["counts"] == {"scheduled": 6}
    assert all(r["geometry"]["type"] == "LineString" for r in board["rounds"])
    bad = client.get(f"/api/v1/delivery/board?office={office.pk}&day=tomorrow")
    assert (bad.status_code, bad.json()["error"]["code"]) == (400, "invalid_date")


def test_moving_an_order_answers_the_new_round_or_a_conflict(client, planned):
    client.force_login(UserFactory(role=Role.DISPATCHER))
    one, two = sorted(Round.objects.all(), key=lambda r: r.stops.count())
    order = two.stops.first().order_id
    if one.stops.count() >= one.courier.capacity:
        pytest.skip("the plan filled both rounds")  # 6 orders, 4 places each: never both full
    url = f"/api/v1/delivery/rounds/{one.pk}/stops"
    stale = client.post(url, {"order": order, "version": one.version + 5}, "application/json")
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "round_stale")
    moved = client.post(url, {"order": order, "version": one.version}, "application/json")
    assert moved.status_code == 200
    assert order in [s["order"] for s in moved.json()["stops"]]


def test_the_courier_reads_starts_and_records_the_round_once(client, planned, tomorrow):
    _office, couriers = planned
    courier = next(c for c in couriers if Round.objects.filter(courier=c).exists())
    client.force_login(courier.user)
    mine = client.get(f"/api/v1/delivery/courier/round?day={tomorrow}").json()["round"]
    assert mine["status"] == "planned"
    assert mine["stops"][0]["contact_phone"].startswith("+970")
    started = client.post(f"/api/v1/delivery/rounds/{mine['id']}/start")
    assert started.json()["status"] == "started"
    stop = started.json()["stops"][0]
    record = {
        "client_id": str(uuid.uuid4()),
        "order": stop["order"],
        "outcome": "delivered",
        "recipient_name": "Recipient at the door",
        "recorded_at": timezone.now().isoformat(),
        "lon": stop["lon"],
        "lat": stop["lat"],
        "accuracy_m": "12",
    }
    first = client.post("/api/v1/delivery/proofs", record)
    replay = client.post("/api/v1/delivery/proofs", record)
    other = client.post(
        "/api/v1/delivery/proofs", record | {"client_id": str(uuid.uuid4()), "outcome": "failed"}
    )
    assert (first.status_code, replay.status_code, other.status_code) == (201, 200, 409)
    assert other.json()["error"]["code"] == "proof_exists"
    assert ProofOfDelivery.objects.count() == 1
    position = client.post(
        f"/api/v1/delivery/rounds/{mine['id']}/position",
        {"lon": stop["lon"], "lat": stop["lat"]},
        "application/json",
    )
    assert position.json() == {"orders_told": len(mine["stops"]) - 1}


def test_another_courier_neither_reads_nor_starts_a_round(client, planned):
    round_ = Round.objects.first()
    stranger = courier_make(office=round_.office, username="stranger", day=False)
    client.force_login(stranger.user)
    assert client.get(f"/api/v1/delivery/rounds/{round_.pk}").status_code == 404
    assert client.post(f"/api/v1/delivery/rounds/{round_.pk}/start").status_code == 403
    assert client.get(f"/en/delivery/rounds/{round_.pk}/sheet.pdf").status_code == 404


def test_the_run_sheet_is_a_pdf_in_the_pages_language(client, planned):
    round_ = Round.objects.first()
    client.force_login(round_.courier.user)
    for lang in ("en", "ar"):
        response = client.get(f"/{lang}/delivery/rounds/{round_.pk}/sheet.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / f"delivery-run-sheet-{lang}.pdf").write_bytes(response.content)


def test_the_staff_pages_open_for_their_roles_only(client, planned):
    _office, couriers = planned
    client.force_login(couriers[0].user)
    assert client.get("/en/delivery/courier/").status_code == 200
    assert client.get("/en/delivery/dispatch/").status_code == 403
    assert client.get("/en/delivery/courier/worker.js")["Content-Type"].startswith(
        "text/javascript"
    )
    client.force_login(UserFactory(role=Role.DISPATCHER))
    assert client.get("/en/delivery/dispatch/").status_code == 200
    assert client.get("/en/delivery/courier/").status_code == 403


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_planning_runs_as_a_job_on_the_worker(celery_worker, client, grid, tomorrow):
    office, buildings = grid
    courier_make(office=office, username="worker-courier", capacity=10)
    for i in range(5):
        home_order_make(building=buildings[i * 2], office=office, day=tomorrow)
    client.force_login(UserFactory(role=Role.DISPATCHER))
    response = client.post(
        "/api/v1/delivery/plans", {"office": office.pk, "day": str(tomorrow)}, "application/json"
    )
    assert response.status_code == 202
    job = wait_for_job(response.json()["id"])
    assert job.state == Job.State.SUCCEEDED, job.error
    assert job.result["rounds"] == 1
    assert job.result["unserved"] == 0
    assert Round.objects.get().stops.count() == 5
