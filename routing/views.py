"""The closures page: planners and dispatchers draw a temporary street closure on the map and
lift it. The page holds no logic: its script works through the closures API."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import ensure_csrf_cookie

from core.errors import PermissionDenied
from core.roles import Role, user_has_role
from public_map.basemap import basemap_page_config


@login_required
@ensure_csrf_cookie
def closures_page(request: HttpRequest) -> HttpResponse:
    if not user_has_role(request.user, Role.PLANNER, Role.DISPATCHER, Role.ADMINISTRATOR):
        raise PermissionDenied(
            "Closures are entered by planners and dispatchers.", code="closures_staff_only"
        )
    config = basemap_page_config() | {
        "api": {
            "closures": reverse("routing:closures"),
            "lift": reverse("routing:closure-lift", kwargs={"pk": 0}),
        },
        "messages": {
            "reason_missing": _("Say why the street is closed (in Arabic or English)."),
            "closure_times": _("A closure ends after it starts."),
            "too_few": _("Draw at least two points along the street."),
            "bad_points": _("Type the points as lon,lat; lon,lat (degrees)."),
            "points": _("%(count)s points"),
            "until_lifted": _("until lifted"),
            "server": _("Something went wrong on our side; the error has been logged."),
        },
    }
    return render(request, "routing/closures.html", {"config": config})
