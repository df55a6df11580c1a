"""Staff pages of the layers app."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import PermissionDenied
from layers.models import Visibility
from layers.selectors import layer_list, layer_may_manage


@login_required
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a file into a new or existing layer and follow the import's progress."""
    if not layer_may_manage(user=request.user):
        raise PermissionDenied("Only planners and administrators import layers.")
    context = {"layers": layer_list(user=request.user), "visibilities": Visibility.choices}
    return render(request, "layers/import.html", context)
