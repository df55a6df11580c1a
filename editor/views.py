"""The editor page. It holds no logic: the page's script edits through OGC API - Features Part 4
and the history API, which check permissions, validate and record every change."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import ensure_csrf_cookie

from core.errors import PermissionDenied
from core.roles import user_sees_internal
from editor.selectors import editor_collections, editor_references, job_start_choices


@login_required
@ensure_csrf_cookie
def editor(request: HttpRequest) -> HttpResponse:
    if not user_sees_internal(request.user):
        raise PermissionDenied("The editor is for municipal staff.", code="editor_staff_only")
    config = {
        "collections": editor_collections(user=request.user),
        "items": reverse("ogcapi:items", kwargs={"collection_id": "COLLECTION"}),
        "history": "/api/v1/collections/COLLECTION/items/FEATURE/",
        "references": editor_references(user=request.user),
        "parcels": "/api/v1/parcels/",
        "streets": "/api/v1/streets/",
        "addresses": "/api/v1/addresses",
    }
    return render(request, "editor/editor.html", {"config": config})


# What the jobs page calls each kind of job (jobs.Job.kind).
JOB_KINDS = {
    "layers.layer_import": _("Layer import"),
    "layers.raster_create": _("Raster import"),
    "layers.collection_export": _("Export"),
    "layers.tiles_seed": _("Tile seeding"),
    "addressing.geocode_batch": _("Batch geocoding"),
    "delivery.round_plan": _("Round planning"),
    "parcels.topology_audit": _("Topology audit"),
    "boundaries.reference_data_load": _("Reference data load"),
}


@login_required
@ensure_csrf_cookie
def jobs(request: HttpRequest) -> HttpResponse:
    """Start long tasks and follow the jobs one started (administrators: everyone's)."""
    if not user_sees_internal(request.user):
        raise PermissionDenied("The jobs page is for municipal staff.", code="editor_staff_only")
    config = {
        "jobs": reverse("jobs:list"),
        "kinds": {kind: str(label) for kind, label in JOB_KINDS.items()},
        "export": "/api/v1/collections/COLLECTION/exports",
        "seed": "/api/v1/collections/COLLECTION/tile-seeding",
        "audit": reverse("parcels:audits"),
    }
    choices = job_start_choices(user=request.user)
    return render(request, "editor/jobs.html", {"config": config, "choices": choices})
