"""The editor page. It holds no logic: the page's script edits through OGC API - Features Part 4
and the history API, which check permissions, validate and record every change."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie

from core.errors import PermissionDenied
from core.roles import user_sees_internal
from editor.selectors import editor_collections, editor_references


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
