from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from boundaries.selectors import municipality_current, municipality_list
from core.errors import NotFound
from core.roles import Role
from core.selectors import demo_accounts
from public_map.basemap import BASEMAP_MAX_DATA_ZOOM, basemap_attribution
from public_map.selectors import map_layers


def home(request: HttpRequest) -> HttpResponse:
    """The platform's front page: what it is, the municipality on a map, where to go next."""
    context = {
        "demo_accounts": [
            {"username": a.username, "role": a.role, "opens": _demo_role_opens(a.role)}
            for a in demo_accounts()
        ],
        "municipalities_loaded": municipality_list().exists(),
        "municipalities_url": reverse("boundaries:municipalities"),
        "governorates_url": reverse("boundaries:governorates"),
    }
    return render(request, "public_map/home.html", context)


def _demo_role_opens(role: Role) -> list[tuple[str, str]]:
    """The pages a demo account of ``role`` is for: (label, URL)."""
    editor = (_("Editor"), reverse("editor:editor"))
    pages = {
        Role.PLANNER: [editor, (_("Street closures"), reverse("routing_pages:closures"))],
        Role.CADASTRE_OFFICER: [editor, (_("Jobs (topology audits)"), reverse("editor:jobs"))],
        Role.ADDRESSING_OFFICER: [editor],
        Role.DISPATCHER: [
            (_("Delivery rounds"), reverse("delivery:dispatch")),
            (_("Service requests"), reverse("servicerequests:staff")),
        ],
        Role.COURIER: [(_("My round (on a phone)"), reverse("delivery:courier"))],
        Role.ADMINISTRATOR: [(_("Administration"), reverse("admin:index")), editor],
    }
    return pages[role]


def map_messages() -> dict[str, str]:
    """What the map says, in the page's language, keyed by the codes the API answers with."""
    return {
        "empty_query": _(
            "Type an address, a postcode (P6001234), a street, a place or a parcel "
            "(Ramallah 12/345)."
        ),
        "query_too_long": _("That is too long for a search: 200 characters at most."),
        "nothing_found": _("Nothing matches. Check the spelling, or try a street name."),
        "postcode_not_found": _(
            "No building has this postcode. A postcode is P and 7 digits, such as P6001234."
        ),
        "parcel_not_found": _("No parcel has this number in the register."),
        "no_address_here": _("No building here. Click on a building to see its postcode."),
        "no_parcel_here": _("No registered parcel here."),
        "network": _("The platform did not answer. Check your connection and try again."),
        "server": _("Something went wrong on our side; the error has been logged."),
        "copied": _("Copied."),
        "copy_failed": _("Select the text and copy it by hand."),
        "link_copied": _("Link copied."),
        "searching": _("Searching…"),
        "results": _("%(count)s suggestions; use the up and down arrows to choose."),
        "synthetic": _("Synthetic demo data (generated, not surveyed)"),
        "postcode": _("Postcode"),
        "address_ar": _("Address in Arabic"),
        "address_en": _("Address in English"),
        "copy_postcode": _("Copy postcode"),
        "copy_address": _("Copy address"),
        "share": _("Share a link"),
        "parcel": _("Parcel"),
        "area": _("Area (surveyed, on the ellipsoid)"),
        "registered_area": _("Registered area"),
        "zoning": _("Zoning"),
        "extract": _("Printable public extract"),
        "extract_pdf": _("Extract as PDF"),
        "deliver_here": _("Have a document delivered here"),
        "features": _("Features here"),
        "square_metres": _("m²"),
        "close": _("Close"),
        "kind_address": _("Address"),
        "kind_street": _("Street"),
        "kind_place": _("Place"),
        "kind_area": _("Neighbourhood"),
        "kind_zone": _("Postal zone"),
        "kind_town": _("Town"),
        "kind_parcel": _("Parcel"),
    }


def map_page(request: HttpRequest) -> HttpResponse:
    """The citizens' map: the platform's own basemap, every public layer, search, postcodes,
    parcels and the way to a document delivery. No login; nothing from another host."""
    try:
        bounds = municipality_current().geom.extent
    except NotFound:
        bounds = None
    online = settings.PUBLIC_MAP_ONLINE_BASEMAP_URL
    config = {
        "basemap": {
            "url": "/basemap/{z}/{x}/{y}.mvt",
            "maxDataZoom": BASEMAP_MAX_DATA_ZOOM,
            "attribution": basemap_attribution(),
        },
        "online": (
            {"url": online, "attribution": settings.PUBLIC_MAP_ONLINE_BASEMAP_ATTRIBUTION}
            if online
            else None
        ),
        "layers": map_layers(user=request.user, language=request.LANGUAGE_CODE),
        "tiles": "/tiles/{layer}/{z}/{x}/{y}.mvt",
        "bounds": bounds,
        "api": {
            "search": reverse("map-search"),
            "identify": reverse("map-identify"),
            "parcel": "/api/v1/parcels/",
        },
        "pages": {
            "extract": "/" + request.LANGUAGE_CODE + "/parcels/{id}/extract",
            "delivery": reverse("delivery:request"),
        },
        "messages": map_messages(),
    }
    return render(request, "public_map/map.html", {"config": config})
