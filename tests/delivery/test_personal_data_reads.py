"""Every time the staff are shown a delivery order's personal data (the recipient's name, phone
or address) the read is logged (core.PersonalDataRead), order by order: the dispatchers' board,
a round, the courier's round, the run sheet, the text-message outbox, the admin. The citizen
reads the log of their own order on the tracking page, through their token only: when, which
role of which office, and through which page; never the reader's name."""

import pytest

from core.models import PersonalDataRead
from core.roles import Role
from delivery.models import DeliveryNotice
from tests.factories import UserFactory

API = "/api/v1/delivery"


def _reads(kind="delivery_order"):
    return list(
        PersonalDataRead.objects.filter(kind=kind).order_by("id").values_list("object_id", "via")
    )


@pytest.fixture
def dispatcher(db):
    return UserFactory(role=Role.DISPATCHER, username="dispatcher-rana")


def _round_orders(delivered):
    return [
        str(pk)
        for pk in delivered.round.stops.order_by("sequence").values_list("order_id", flat=True)
    ]


def test_a_dispatcher_reading_the_board_records_a_read_per_order_shown(
    client, delivered, dispatcher, tomorrow
):
    client.force_login(dispatcher)
    board = client.get(f"{API}/board", {"office": delivered.office.pk, "day": str(tomorrow)})
    assert board.status_code == 200
    shown = {s["order"] for r in board.json()["rounds"] for s in r["stops"]}
    shown |= {o["order"] for o in board.json()["waiting"]}
    reads = PersonalDataRead.objects.filter(kind="delivery_order")
    assert sorted(int(r.object_id) for r in reads) == sorted(shown)
    assert len(shown) == 3
    assert {(r.via, r.user_id, r.username) for r in reads} == {
        (f"{API}/board", dispatcher.pk, "dispatcher-rana")
    }


def test_the_round_the_courier_round_the_run_sheet_and_the_outbox_record_reads(
    client, delivered, dispatcher, tomorrow
):
    orders = _round_orders(delivered)
    client.force_login(dispatcher)
    assert client.get(f"{API}/rounds/{delivered.round.pk}").status_code == 200
    assert client.get(f"/en/delivery/rounds/{delivered.round.pk}/sheet.pdf").status_code == 200
    assert client.get(f"{API}/notices").status_code == 200
    client.force_login(delivered.courier.user)
    assert client.get(f"{API}/courier/round", {"day": str(tomorrow)}).status_code == 200
    noticed = {
        str(pk)
        for pk in DeliveryNotice.objects.filter(sent_at__isnull=True).values_list(
            "order_id", flat=True
        )
    }
    assert noticed  # the round under way told its citizens
    by_via: dict[str, list[str]] = {}
    for object_id, via in _reads():
        by_via.setdefault(via, []).append(object_id)
    assert by_via == {
        f"{API}/rounds/{delivered.round.pk}": orders,
        f"/en/delivery/rounds/{delivered.round.pk}/sheet.pdf": orders,
        f"{API}/notices": by_via[f"{API}/notices"],
        f"{API}/courier/round": orders,
    }
    assert sorted(by_via[f"{API}/notices"]) == sorted(noticed)  # once per order


def test_the_admin_pages_of_an_order_and_its_document_record_a_read(client, delivered):
    client.force_login(UserFactory(role=Role.ADMINISTRATOR))
    order = delivered.delivered
    assert client.get(f"/en/admin/delivery/deliveryorder/{order.pk}/change/").status_code == 200
    document = f"/en/admin/delivery/documentrequest/{order.document_id}/change/"
    assert client.get(document).status_code == 200
    assert _reads() == [
        (str(order.pk), f"/en/admin/delivery/deliveryorder/{order.pk}/change/"),
        (str(order.pk), document),
    ]


def test_refused_reads_and_reads_of_no_personal_data_record_nothing(client, delivered, tomorrow):
    client.force_login(delivered.courier.user)
    board = client.get(f"{API}/board", {"office": delivered.office.pk, "day": str(tomorrow)})
    assert board.status_code == 403
    client.force_login(UserFactory(role=Role.PLANNER))
    assert client.get(f"{API}/rounds/{delivered.round.pk}").status_code == 404
    client.logout()
    # The citizen reading their own order is no staff read.
    assert client.get(f"{API}/track/{delivered.delivered.tracking_token}").status_code == 200
    assert not PersonalDataRead.objects.exists()


def test_the_citizen_sees_who_read_their_order_by_role_office_and_page_newest_first(
    client, delivered, dispatcher, tomorrow
):
    order = delivered.delivered
    client.force_login(dispatcher)
    client.get(f"{API}/board", {"office": delivered.office.pk, "day": str(tomorrow)})
    client.force_login(delivered.courier.user)
    client.get(f"{API}/courier/round", {"day": str(tomorrow)})
    client.logout()

    reads = client.get(f"{API}/track/{order.tracking_token}", HTTP_ACCEPT_LANGUAGE="en").json()[
        "reads"
    ]

    assert [(r["via"], r["role"], r["count"]) for r in reads] == [
        ("courier_round", "courier", 1),
        ("board", "dispatcher", 1),
    ]
    assert reads[0]["at"] >= reads[1]["at"]
    assert reads[1]["role_label"] == "Dispatcher"
    assert reads[1]["via_label"] == "The dispatchers' board"
    assert reads[0]["office"]["name_en"] == delivered.office.name_en
    assert reads[1]["office"]["id"] == delivered.office.pk
    # The reader's name and account never reach the citizen.
    text = str(reads)
    for secret in ("dispatcher-rana", "rated-courier", str(dispatcher.pk)):
        assert secret not in text


def test_the_board_refreshing_itself_is_one_sitting_counted_not_a_list_of_reads(
    client, delivered, dispatcher, tomorrow
):
    client.force_login(dispatcher)
    for _refresh in range(4):
        client.get(f"{API}/board", {"office": delivered.office.pk, "day": str(tomorrow)})
    client.logout()
    reads = client.get(f"{API}/track/{delivered.out.tracking_token}").json()["reads"]
    assert [(r["via"], r["count"]) for r in reads] == [("board", 4)]
    assert reads[0]["first_at"] <= reads[0]["at"]
    assert PersonalDataRead.objects.filter(object_id=str(delivered.out.pk)).count() == 4


def test_another_citizens_token_never_sees_these_reads(client, delivered, dispatcher, grid):
    from tests.factories import home_order_make

    office, buildings = grid
    stranger = home_order_make(building=buildings[30], office=office)
    client.force_login(dispatcher)
    client.get(f"{API}/rounds/{delivered.round.pk}")
    assert PersonalDataRead.objects.filter(object_id=str(delivered.delivered.pk)).exists()
    client.logout()
    own = client.get(f"{API}/track/{delivered.delivered.tracking_token}").json()["reads"]
    theirs = client.get(f"{API}/track/{stranger.tracking_token}").json()["reads"]
    assert len(own) == 1
    assert theirs == []
    assert not PersonalDataRead.objects.filter(object_id=str(stranger.pk)).exists()


def test_the_tracking_page_lists_the_reads_in_arabic(client, delivered, dispatcher):
    client.force_login(dispatcher)
    client.get(f"{API}/rounds/{delivered.round.pk}")
    client.logout()
    page = client.get(f"/ar/delivery/track/{delivered.delivered.tracking_token}/")
    reads = page.context["config"]["order"]["reads"]
    assert reads[0]["via"] == "round"
    assert reads[0]["role"] == "dispatcher"
    assert 'id="reads"' in page.content.decode()


def test_the_citizen_sees_the_role_the_reader_held_when_reading_not_their_role_today(
    client, delivered, dispatcher, tomorrow
):
    client.force_login(dispatcher)
    client.get(f"{API}/board", {"office": delivered.office.pk, "day": str(tomorrow)})
    client.logout()
    # Later the dispatcher becomes an administrator: the read stays a dispatcher's.
    dispatcher.groups.clear()
    dispatcher.is_superuser = True
    dispatcher.save()
    read = PersonalDataRead.objects.filter(object_id=str(delivered.out.pk)).get()
    assert read.roles == "dispatcher"
    reads = client.get(f"{API}/track/{delivered.out.tracking_token}").json()["reads"]
    assert [r["role"] for r in reads] == ["dispatcher"]
