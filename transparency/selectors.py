"""Reads of the transparency page: every collection as the public sees it, with where its data
comes from, under which licence, when it last changed and how to reuse it; and the public
figures of the services (deliveries on time, service requests resolved).

Only what the public may read leaves this module: collections are those an anonymous visitor
sees, and the figures are counts, never rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, F, Max, Q
from django.urls import reverse

from core.collections import Collection, registry
from core.models import ChangeRecord
from delivery.models import Outcome, ProofOfDelivery
from servicerequests.models import OpenStatus, ServiceRequest, WorkflowStatus

EXPORT_FORMATS = ("gpkg", "geojson", "csv", "shp")
# The page's dates and figures may be this many seconds old: computing them scans every
# collection's table, which a page read by anyone must not do on every request.
CACHE_SECONDS = 300


def _cache_key(name: str) -> str:
    # Named after the database too: test runs side by side share one Redis.
    return f"transparency:{name}:v1:{settings.DATABASES['default']['NAME']}"


def transparency_cache_forget() -> None:
    """Drop the cached dates and figures (the next page computes them again)."""
    cache.delete_many([_cache_key("changes"), _cache_key("figures")])


@dataclass(frozen=True)
class Licence:
    """Who to credit and under which licence (``url`` may be empty)."""

    text: str
    licence: str
    url: str


@dataclass(frozen=True)
class CollectionSheet:
    """One public collection as the transparency page describes it."""

    id: str
    title: str
    description: str
    synthetic: bool
    sources: list[Licence]
    feature_count: int | None
    last_change: datetime | None
    has_history: bool
    downloads: dict[str, str] = field(default_factory=dict)  # format -> URL
    tilejson_url: str = ""
    ogc_url: str = ""


@dataclass(frozen=True)
class ServiceFigures:
    """Counts of the public services, over all records the platform holds."""

    proofs_recorded: int  # home deliveries with the courier's proof (delivered or not)
    delivered: int  # of which delivered
    delivered_on_time: int  # of which recorded within the citizen's window
    deliveries_synthetic: int  # proofs of synthetic demo orders among proofs_recorded
    requests_total: int
    requests_closed: int
    requests_resolved: int  # closed with the problem resolved (not rejected)


def _sources(collection: Collection) -> list[Licence]:
    """The collection's attributions; a layer's own source and licence when it states them."""
    found = [
        Licence(
            text=a.get("text", ""),
            licence=a.get("licence", ""),
            url=a.get("url") or a.get("href", ""),
        )
        for a in collection.attribution
    ]
    layer = getattr(collection, "layer", None)
    if layer is not None and layer.source and not any(s.text == layer.source for s in found):
        found.insert(0, Licence(text=layer.source, licence=layer.licence, url=""))
    return found


def _editable(collection: Collection) -> bool:
    """Whether features are edited through the collection interface, which records every write
    as a ChangeRecord (so each feature has a history)."""
    return type(collection).create is not Collection.create and not collection.edits_by_transactions


def _last_changes(collections: list[Collection]) -> dict[str, tuple[datetime | None, bool]]:
    """For each collection id: the time of its last change (the later of its last recorded
    write and its rows' last update) and whether writes to it are recorded. Cached briefly."""
    cached = cache.get(_cache_key("changes"))
    if cached is not None and all(c.id in cached for c in collections):
        return cached
    recorded = dict(
        ChangeRecord.objects.filter(collection__in=[c.id for c in collections])
        .values("collection")
        .annotate(last=Max("at"))
        .values_list("collection", "last")
    )
    anonymous = AnonymousUser()
    result: dict[str, tuple[datetime | None, bool]] = {}
    for collection in collections:
        queryset = collection.queryset(user=anonymous)
        try:
            queryset.model._meta.get_field("updated_at")
        except FieldDoesNotExist:
            updated = None
        else:
            updated = queryset.aggregate(last=Max("updated_at"))["last"]
        times = [t for t in (recorded.get(collection.id), updated) if t is not None]
        result[collection.id] = (
            max(times) if times else None,
            collection.id in recorded or _editable(collection),
        )
    cache.set(_cache_key("changes"), result, CACHE_SECONDS)
    return result


def transparency_collections(*, language: str) -> list[CollectionSheet]:
    """Every collection the public sees, in the registry's order, described in ``language``
    ("ar" or "en") with its sources and licences, last change, downloads in open formats,
    TileJSON and OGC API page."""
    lang = "ar" if language == "ar" else "en"
    collections = registry.visible(user=AnonymousUser())
    changes = _last_changes(collections)
    sheets = []
    for c in collections:
        last_change, has_history = changes[c.id]
        export = reverse("export", args=[c.id])
        sheets.append(
            CollectionSheet(
                id=c.id,
                title=c.title.get(lang) or c.title["en"],
                description=c.description.get(lang) or c.description.get("en", ""),
                synthetic=bool(c.is_synthetic),
                sources=_sources(c),
                feature_count=c.feature_count,
                last_change=last_change,
                has_history=has_history,
                downloads={fmt: f"{export}?format={fmt}" for fmt in EXPORT_FORMATS},
                tilejson_url=reverse("layers:tilejson", args=[c.id]),
                ogc_url=reverse("ogcapi:collection", args=[c.id]) + "?f=html",
            )
        )
    return sheets


def service_figures() -> ServiceFigures:
    """The delivery and service-request counts of the transparency page. A home delivery is on
    time when the courier's proof says delivered and was recorded (the phone's clock) within
    the citizen's window, ends included: the rule of notebooks/delivery_performance.ipynb.
    Cached for CACHE_SECONDS."""
    cached = cache.get(_cache_key("figures"))
    if cached is not None:
        return cached
    delivered = Q(outcome=Outcome.DELIVERED)
    proofs = ProofOfDelivery.objects.aggregate(
        recorded=Count("pk"),
        delivered=Count("pk", filter=delivered),
        on_time=Count(
            "pk",
            filter=delivered
            & Q(recorded_at__gte=F("stop__order__window_start"))
            & Q(recorded_at__lte=F("stop__order__window_end")),
        ),
        synthetic=Count("pk", filter=Q(stop__order__is_synthetic=True)),
    )
    requests = ServiceRequest.objects.aggregate(
        total=Count("pk"),
        closed=Count("pk", filter=Q(status=OpenStatus.CLOSED)),
        resolved=Count("pk", filter=Q(workflow_status=WorkflowStatus.RESOLVED)),
    )
    figures = ServiceFigures(
        proofs_recorded=proofs["recorded"],
        delivered=proofs["delivered"],
        delivered_on_time=proofs["on_time"],
        deliveries_synthetic=proofs["synthetic"],
        requests_total=requests["total"],
        requests_closed=requests["closed"],
        requests_resolved=requests["resolved"],
    )
    cache.set(_cache_key("figures"), figures, CACHE_SECONDS)
    return figures
