"""The delivery pages: the citizen's request (a form the page's script walks through with the
JSON API) and tracking page; the dispatcher's board, the courier's round and the run sheet.
The pages hold no logic: their scripts work through the JSON API."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from core.errors import NotFound, PermissionDenied
from core.roles import Role, user_has_role
from delivery.models import DeliveryOffice, FailureReason, Round
from delivery.selectors import courier_for, order_by_token, order_tracking_view
from delivery.services import delivery_order_reads_record
from delivery.sheets import round_sheet_pdf
from public_map.basemap import basemap_page_config


def delivery_messages() -> dict[str, str]:
    """What the delivery pages say, keyed by the codes the API answers with."""
    return {
        "reference_missing": _("Enter the reference the e-services portal gave you."),
        "invalid_phone": _("A phone number is 9 to 15 digits, such as 0599 123 456."),
        "document_not_found": _(
            "No document matches this reference and phone number. Check both against the "
            "portal's message."
        ),
        "already_requested": _(
            "This document's delivery is already arranged: open the tracking link you received."
        ),
        "address_not_found": _("This address is not in the register."),
        "no_delivery_point": _("There is no building there: click on a building."),
        "no_postcode": _("This building has no postcode yet, so it cannot receive deliveries."),
        "outside_service_area": _(
            "This address is outside the area our couriers serve: choose collection at an "
            "office instead."
        ),
        "window_missing": _("Choose a delivery window."),
        "window_invalid": _("That delivery window is no longer offered: choose another."),
        "window_full": _("That delivery window is full: choose another."),
        "office_missing": _("Choose an office to collect the document from."),
        "method_invalid": _("Choose home delivery or collection at an office."),
        "name_missing": _("Enter the name of the person who receives the document."),
        "empty_query": _("Type an address or a postcode."),
        "nothing_found": _("No address matches. Try the street name, or click the building."),
        "postcode_not_found": _("No building has this postcode."),
        "query_too_long": _("That is too long for a search: 200 characters at most."),
        "network": _("The platform did not answer. Check your connection and try again."),
        "server": _("Something went wrong on our side; the error has been logged."),
        "free": _("%(count)s places left"),
        "full": _("Full"),
        "metres": _("%(distance)s m away"),
        "kilometres": _("%(distance)s km away"),
        "closed": _("Closed"),
        "serving_office": _("Delivered from"),
        "postcode": _("Postcode"),
        "synthetic": _("Synthetic demo data (generated, not surveyed)"),
        "days": [
            _("Monday"),
            _("Tuesday"),
            _("Wednesday"),
            _("Thursday"),
            _("Friday"),
            _("Saturday"),
            _("Sunday"),
        ],
        "checking": _("Checking…"),
        "courier_distance": _("The courier is %(distance)s away"),
        "stops_before": _("%(count)s stops before yours"),
        "unit_m": _("m"),
        "unit_km": _("km"),
    }


def _track_messages() -> dict[str, Any]:
    """What the tracking page says besides the shared messages: the rating form's refusals,
    by the API's codes (prefixed: the request page's name field has refusals of the same
    codes, worded for a name), and the list of staff reads."""
    return delivery_messages() | {
        "feedback_rating_missing": _("Choose how many stars you give the delivery."),
        "feedback_rating_out_of_range": _("A rating is 1 to 5 stars."),
        "feedback_invalid_number": _("A rating is 1 to 5 stars."),
        "feedback_text_too_long": _("The comment is too long: 1,000 characters at most."),
        "feedback_text_markup": _("Write the comment as plain text, without tags such as <b>."),
        "feedback_text_control_character": _("The comment contains a character that is not text."),
        "feedback_not_delivered": _(
            "You can rate the delivery once the document has been delivered."
        ),
        "feedback_feedback_given": _("You have already rated this delivery."),
        "stars": _("%(rating)s of 5 stars"),
        "read_times": _("%(count)s times"),
        "sending": _("Sending…"),
    }


def _map_config(request: HttpRequest) -> dict:
    return basemap_page_config() | {"messages": delivery_messages()}


def request_page(request: HttpRequest) -> HttpResponse:
    """Ask for a document to be delivered home or kept for collection. ``?address=`` (an
    address id, from the public map) preselects the delivery point."""
    config = _map_config(request)
    address = request.GET.get("address", "")
    config.update(
        {
            "address": int(address) if address.isdigit() else None,
            "api": {
                "check": reverse("delivery_api:check"),
                "point": reverse("delivery_api:point"),
                "offices": reverse("delivery_api:offices"),
                "orders": reverse("delivery_api:orders"),
                "search": reverse("map-search"),
            },
        }
    )
    return render(request, "delivery/request.html", {"config": config})


def track_page(request: HttpRequest, token: str) -> HttpResponse:
    """One order's status, for whoever holds its tracking link."""
    try:
        order = order_by_token(token=token)
    except NotFound:
        response = render(request, "delivery/track_unknown.html", status=404)
    else:
        config = _map_config(request) | {"messages": _track_messages()}
        config.update(
            {
                "order": order_tracking_view(order),
                "api": reverse("delivery_api:track", kwargs={"token": token}),
                "feedback_api": reverse("delivery_api:track-feedback", kwargs={"token": token}),
            }
        )
        ratings = [(n, "★" * n) for n in range(1, 6)]
        response = render(request, "delivery/track.html", {"config": config, "ratings": ratings})
    # The page names a person's document and address: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


def _staff_messages() -> dict[str, Any]:
    """What the dispatcher's and courier's pages say, keyed by the codes the API answers
    with; the rest of the page's words are in its template."""
    return delivery_messages() | {
        "round_full": _("The round is full: the courier carries no more documents."),
        "round_started": _("This round is under way: its stops can no longer change."),
        "round_stale": _("Another dispatcher changed this round: the board was reloaded."),
        "order_not_movable": _("This delivery can no longer move to another round."),
        "proof_exists": _("This delivery was already recorded; the second record was not kept."),
        "recipient_missing": _("Enter the name of the person who received the document."),
        "reason_missing": _("Choose why the document could not be delivered."),
        "file_too_large": _("The photo is too large (5 MB at most)."),
        "invalid_image": _("The photo is not an image."),
        "not_in_your_round": _("This delivery is not in a round of yours that has started."),
        "broker_unavailable": _("The job queue cannot be reached: try again in a minute."),
        "late": _("%(minutes)s min late"),
        "minutes": _("%(minutes)s min"),
        "km": _("%(distance)s km"),
        "stops": _("%(count)s stops"),
        "used": _("%(used)s of %(capacity)s documents"),
        "capacity": _("carries %(capacity)s documents"),
        "planning": _("Planning…"),
        "planned": _("Planned in %(seconds)s s"),
        "failed": _("Planning failed"),
        "pending_sync": _("%(count)s records wait to be sent"),
        "all_synced": _("Every record is sent"),
        "offline": _("Offline: records are kept on this phone"),
        "online": _("Online"),
        "no_gps": _("No GPS position: the record is kept without one"),
        "saved": _("Saved"),
        "next_stop": _("Next stop"),
        "done": _("Round finished: every stop is recorded."),
        "arrive_in": _("%(distance)s · %(minutes)s min"),
        "move_to": _("Move to…"),
        "unserved": _("Not in a round"),
        "stars": _("%(rating)s of 5 stars"),
    }


def _role_page(request: HttpRequest, *roles: Role) -> None:
    if not user_has_role(request.user, *roles):
        raise PermissionDenied("This page is for the delivery office's staff.", code="staff_only")


@login_required
@ensure_csrf_cookie
def dispatch_page(request: HttpRequest) -> HttpResponse:
    """The dispatcher's board: plan a day's rounds, move orders, follow them."""
    _role_page(request, Role.DISPATCHER, Role.ADMINISTRATOR)
    config = _map_config(request)
    config.update(
        {
            "messages": _staff_messages(),
            "offices": [
                {"id": o.pk, "name_ar": o.name_ar, "name_en": o.name_en}
                for o in DeliveryOffice.objects.filter(delivers=True).order_by("pk")
            ],
            "today": timezone.localdate().isoformat(),
            "api": {
                "board": reverse("delivery_api:board"),
                "plans": reverse("delivery_api:plans"),
                "stops": reverse("delivery_api:round-stops", kwargs={"pk": 0}),
                "jobs": "/api/v1/jobs/",
                "sheet": reverse("delivery:sheet", kwargs={"pk": 0}),
            },
        }
    )
    return render(request, "delivery/dispatch.html", {"config": config})


@login_required
@ensure_csrf_cookie
def courier_page(request: HttpRequest) -> HttpResponse:
    """The courier's round on a phone: list, map, navigation and proof of delivery; works
    without a connection and sends its records when the connection is back."""
    courier = courier_for(user=request.user)
    config = _map_config(request)
    config.update(
        {
            "messages": _staff_messages(),
            "courier": {"id": courier.pk, "name": str(courier)},
            "today": timezone.localdate().isoformat(),
            "reasons": [{"code": c, "label": str(label)} for c, label in FailureReason.choices],
            "api": {
                "round": reverse("delivery_api:courier-round"),
                "start": reverse("delivery_api:round-start", kwargs={"pk": 0}),
                "position": reverse("delivery_api:round-position", kwargs={"pk": 0}),
                "proofs": reverse("delivery_api:proofs"),
                "route": reverse("routing:route"),
                "sheet": reverse("delivery:sheet", kwargs={"pk": 0}),
            },
            "worker": reverse("delivery:courier-worker"),
        }
    )
    response = render(request, "delivery/courier.html", {"config": config})
    response["Cache-Control"] = "private, no-cache"
    return response


def courier_worker(request: HttpRequest) -> HttpResponse:
    """The courier page's service worker, served under the page's path so that its scope
    covers the page: it keeps the page and its assets for a phone that reloads offline."""
    assets = [
        static(path)
        for path in (
            "core/site.css",
            "vendor/noto-sans/400.css",
            "vendor/noto-sans/700.css",
            "vendor/noto-sans-arabic/400.css",
            "vendor/noto-sans-arabic/700.css",
            "leaflet/leaflet.css",
            "leaflet/leaflet.js",
            "public_map/map.css",
            "delivery/delivery.css",
            "vendor/protomaps-leaflet/protomaps-leaflet.js",
            "public_map/basemap.js",
            "delivery/page.js",
            "delivery/courier.js",
        )
    ]
    response = render(
        request,
        "delivery/courier_worker.js",
        {"page": reverse("delivery:courier"), "assets": assets},
        content_type="text/javascript",
    )
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def round_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """A round's run sheet as a PDF, for its courier and the dispatchers."""
    found = Round.objects.select_related("courier__user", "office", "shift").filter(pk=pk).first()
    allowed = found is not None and (
        found.courier.user_id == request.user.pk
        or user_has_role(request.user, Role.DISPATCHER, Role.ADMINISTRATOR)
    )
    if not allowed:
        raise NotFound(f"There is no round {pk}.", code="round_not_found")
    pdf = round_sheet_pdf(round_=found, language=get_language() or "en")
    # The sheet prints every stop's recipient, phone and address.
    delivery_order_reads_record(
        order_ids=found.stops.values_list("order_id", flat=True),
        user=request.user,
        via=request.path,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="run-sheet-{found.day}-{pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
