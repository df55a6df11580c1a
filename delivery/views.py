"""The citizen's delivery pages: the request (a form the page's script walks through with the
JSON API) and the tracking page of one order."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from boundaries.selectors import municipality_current
from core.errors import NotFound
from delivery.selectors import order_by_token, order_tracking_view
from public_map.basemap import BASEMAP_MAX_DATA_ZOOM, basemap_attribution


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


def _map_config(request: HttpRequest) -> dict:
    try:
        bounds = municipality_current().geom.extent
    except NotFound:
        bounds = None
    return {
        "basemap": {
            "url": "/basemap/{z}/{x}/{y}.mvt",
            "maxDataZoom": BASEMAP_MAX_DATA_ZOOM,
            "attribution": basemap_attribution(),
        },
        "bounds": bounds,
        "messages": delivery_messages(),
    }


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
        config = _map_config(request)
        config.update(
            {
                "order": order_tracking_view(order),
                "api": reverse("delivery_api:track", kwargs={"token": token}),
            }
        )
        response = render(request, "delivery/track.html", {"config": config})
    # The page names a person's document and address: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response
