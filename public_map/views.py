from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from boundaries.selectors import municipality_list


def home(request: HttpRequest) -> HttpResponse:
    """The platform's front page: what it is, the municipality on a map, where to go next."""
    context = {
        "municipalities_loaded": municipality_list().exists(),
        "municipalities_url": reverse("boundaries:municipalities"),
        "governorates_url": reverse("boundaries:governorates"),
    }
    return render(request, "public_map/home.html", context)
