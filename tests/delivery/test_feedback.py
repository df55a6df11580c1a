"""The citizen's rating of a delivery: given once through the tracking link after the courier's
proof of delivery, refused with the reason (and nothing stored) before that, a second time, out
of range or with markup; shown on the tracking page and, as stars, on the dispatchers' board."""

import pytest
from django.db import IntegrityError, transaction

from core.errors import Conflict, InvalidInput
from core.roles import Role
from delivery.models import DeliveryFeedback
from delivery.services import delivery_feedback_give
from tests.factories import UserFactory

API = "/api/v1/delivery"


def _rate(client, order, body):
    return client.post(
        f"{API}/track/{order.tracking_token}/feedback", body, content_type="application/json"
    )


def test_a_citizen_rates_a_delivered_document_through_the_tracking_link(client, delivered):
    order = delivered.delivered
    before = client.get(f"{API}/track/{order.tracking_token}").json()
    assert (before["feedback"], before["feedback_open"]) == (None, True)

    answer = _rate(client, order, {"rating": 4, "comment": "Quick and polite.\nThank you"})

    assert answer.status_code == 201
    assert answer["Cache-Control"] == "private, no-store"
    assert answer.json()["feedback"]["rating"] == 4
    stored = DeliveryFeedback.objects.get()
    assert (stored.order_id, stored.rating, stored.comment) == (
        order.pk,
        4,
        "Quick and polite.\nThank you",
    )
    after = client.get(f"{API}/track/{order.tracking_token}").json()
    assert after["feedback"]["comment"] == "Quick and polite.\nThank you"
    assert after["feedback_open"] is False


def test_a_rating_needs_no_comment(client, delivered):
    for body in ({"rating": 5}, {"rating": "5", "comment": None}):
        DeliveryFeedback.objects.all().delete()
        assert _rate(client, delivered.delivered, body).status_code == 201
    assert DeliveryFeedback.objects.get().comment == ""


def test_a_second_rating_is_refused_with_409_and_the_first_is_kept(client, delivered):
    assert _rate(client, delivered.delivered, {"rating": 2}).status_code == 201
    again = _rate(client, delivered.delivered, {"rating": 5, "comment": "Changed my mind"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "feedback_given")
    assert "already rated" in again.json()["error"]["message"]
    assert list(DeliveryFeedback.objects.values_list("rating", "comment")) == [(2, "")]


@pytest.mark.parametrize("which", ["out", "failed"])
def test_an_order_not_delivered_cannot_be_rated(client, delivered, which):
    order = getattr(delivered, which)
    assert client.get(f"{API}/track/{order.tracking_token}").json()["feedback_open"] is False
    answer = _rate(client, order, {"rating": 1, "comment": "Where is it?"})
    assert (answer.status_code, answer.json()["error"]["code"]) == (409, "not_delivered")
    assert "not been delivered" in answer.json()["error"]["message"]
    assert not DeliveryFeedback.objects.exists()


@pytest.mark.parametrize(
    ("rating", "code"),
    [
        (0, "rating_out_of_range"),
        (6, "rating_out_of_range"),
        (-1, "rating_out_of_range"),
        (2**64, "rating_out_of_range"),
        ("9" * 19, "rating_out_of_range"),
        (None, "rating_missing"),
        ("", "rating_missing"),
        (4.5, "invalid_number"),
        ("four", "invalid_number"),
        (True, "invalid_number"),
        ([4], "invalid_number"),
        ("٤", "invalid_number"),  # Arabic-Indic four: the form sends ASCII digits
    ],
)
def test_a_rating_outside_one_to_five_is_refused_and_nothing_is_stored(
    client, delivered, rating, code
):
    answer = _rate(client, delivered.delivered, {"rating": rating})
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, code)
    assert not DeliveryFeedback.objects.exists()


@pytest.mark.parametrize(
    ("comment", "code"),
    [
        ("Great <script>alert(1)</script>", "text_markup"),
        ("<b>bold</b> courier", "text_markup"),
        ("bell\x07", "text_control_character"),
        ("x" * 1001, "text_too_long"),
        (42, "invalid_text"),
        (["fine"], "invalid_text"),
    ],
)
def test_a_comment_with_markup_control_characters_or_too_long_is_refused(
    client, delivered, comment, code
):
    answer = _rate(client, delivered.delivered, {"rating": 3, "comment": comment})
    assert (answer.status_code, answer.json()["error"]["code"]) == (400, code)
    assert answer.json()["error"]["message"]
    assert not DeliveryFeedback.objects.exists()


def test_plain_text_that_only_looks_like_markup_is_a_comment(client, delivered):
    comment = "Arrived in < 5 min, rated 5 > 4 ⭐ وصلت بسرعة"
    assert _rate(client, delivered.delivered, {"rating": 5, "comment": comment}).status_code == 201
    assert DeliveryFeedback.objects.get().comment == comment


def test_an_unknown_tracking_token_is_404_and_stores_nothing(client, delivered):
    for token in ("A" * 32, "short", delivered.delivered.tracking_token[:-1] + "!"):
        answer = client.post(
            f"{API}/track/{token}/feedback", {"rating": 5}, content_type="application/json"
        )
        assert (answer.status_code, answer.json()["error"]["code"]) == (404, "tracking_not_found")
    assert not DeliveryFeedback.objects.exists()


def test_the_service_takes_keywords_and_the_database_keeps_one_rating_per_order(delivered):
    with pytest.raises(TypeError):
        delivery_feedback_give(delivered.delivered, 5)  # type: ignore[misc]
    delivery_feedback_give(order=delivered.delivered, rating=5, comment="  Fine  ")
    assert DeliveryFeedback.objects.get().comment == "Fine"
    with pytest.raises(Conflict):
        delivery_feedback_give(order=delivered.delivered, rating=1)
    with pytest.raises(InvalidInput):
        delivery_feedback_give(order=delivered.delivered, rating=7)
    # Below the service, the database refuses a second row and a rating out of range.
    with pytest.raises(IntegrityError), transaction.atomic():
        DeliveryFeedback.objects.create(order=delivered.delivered, rating=3)
    DeliveryFeedback.objects.all().delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        DeliveryFeedback.objects.create(order=delivered.delivered, rating=6)


def test_the_dispatchers_board_shows_each_delivered_stops_rating(client, delivered, tomorrow):
    delivery_feedback_give(order=delivered.delivered, rating=4)
    client.force_login(UserFactory(role=Role.DISPATCHER))
    board = client.get(f"{API}/board", {"office": delivered.office.pk, "day": str(tomorrow)})
    ratings = {s["order"]: s["rating"] for r in board.json()["rounds"] for s in r["stops"]}
    assert ratings == {delivered.delivered.pk: 4, delivered.failed.pk: None, delivered.out.pk: None}
    # The courier's own view of the round carries no ratings.
    client.force_login(delivered.courier.user)
    mine = client.get(f"{API}/courier/round", {"day": str(tomorrow)}).json()["round"]
    assert all("rating" not in stop for stop in mine["stops"])


def test_the_tracking_page_offers_the_form_once_delivered_and_shows_the_rating_after(
    client, delivered
):
    page = client.get(f"/en/delivery/track/{delivered.delivered.tracking_token}/")
    html = page.content.decode()
    assert 'id="feedback-form"' in html
    assert "Rate the delivery" in html
    assert "/feedback" in html  # the form's API, in the page's configuration
    delivery_feedback_give(order=delivered.delivered, rating=5)
    config = client.get(f"/en/delivery/track/{delivered.delivered.tracking_token}/").context[
        "config"
    ]
    assert config["order"]["feedback"]["rating"] == 5
    assert config["order"]["feedback_open"] is False
