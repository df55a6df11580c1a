"""Reading the cadastral register: by identifier, at a point, as of a date, and a parcel's
lineage. Geometries are WGS 84 (EPSG:4326); areas are geodesic, in m²."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime

from django.contrib.gis.geos import Point
from django.db.models import Q, QuerySet

from core.errors import InvalidInput, NotFound
from core.services import personal_data_read_record
from parcels.access import user_reads_rights
from parcels.models import Parcel, ParcelLineage, ParcelStatus, ParcelTransaction, Right

_IDENTIFIER = re.compile(
    r"^\s*(?P<locality>.*?)[\s,]*(?P<basin>\d{1,6})\s*/\s*(?P<number>\d{1,7})\s*$"
)


def parcel_identifier_like(*, text: str) -> bool:
    """Whether ``text`` reads as a parcel identifier (``Ramallah 12/345``, ``12/345``)."""
    return _IDENTIFIER.match(text or "") is not None


def parcels_as_of(*, at: datetime) -> QuerySet[Parcel]:
    """The parcels that were in force at ``at``: created at or before it, not yet retired."""
    return Parcel.objects.filter(valid_from__lte=at).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=at)
    )


def parcel_rights_at(*, parcel: Parcel, at: datetime | None = None) -> list[Right]:
    """The rights on ``parcel`` in force now (or at ``at``), with their parties. Personal
    data: callers check parcels.access first."""
    rights = Right.objects.filter(parcel=parcel).select_related("party").order_by("kind", "pk")
    if at is None:
        return list(rights.filter(valid_to__isnull=True))
    return list(
        rights.filter(valid_from__lte=at).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=at))
    )


def parcel_rights_read(
    *, parcel: Parcel, user, via: str, at: datetime | None = None
) -> list[Right]:
    """parcel_rights_at for a person who asked to see them: the read of the owners' personal
    data is logged (core.PersonalDataRead) with who read it and through which page or API."""
    rights = parcel_rights_at(parcel=parcel, at=at)
    personal_data_read_record(kind="parcel_rights", object_ids=[parcel.pk], user=user, via=via)
    return rights


def parcels_active() -> QuerySet[Parcel]:
    return Parcel.objects.filter(status=ParcelStatus.ACTIVE)


def parcel_by_identifier(*, text: str, at: datetime | None = None) -> Parcel:
    """The parcel cited as ``<locality> <basin>/<number>`` (``Ramallah 12/345``; the locality
    may be left out where only one holds that basin and number), active now or at ``at``."""
    found = _IDENTIFIER.match(text or "")
    if not found:
        raise InvalidInput(
            "A parcel is cited as locality, basin and number: 'Ramallah 12/345'.",
            code="parcel_identifier",
        )
    parcels = (parcels_active() if at is None else parcels_as_of(at=at)).filter(
        basin=int(found["basin"]), number=int(found["number"])
    )
    locality = found["locality"].strip()
    if locality:
        parcels = parcels.filter(
            Q(locality__name_en__iexact=locality) | Q(locality__name_ar=locality)
        )
    matches = list(parcels.select_related("locality")[:2])
    if not matches:
        raise NotFound(f"No parcel {text.strip()} in the register.", code="parcel_not_found")
    if len(matches) > 1:
        raise InvalidInput(
            f"Several localities have a parcel {found['basin']}/{found['number']}: name the "
            "locality too.",
            code="parcel_ambiguous",
        )
    return matches[0]


def parcel_at_point(*, point: Point, at: datetime | None = None) -> Parcel:
    """The parcel that contains ``point`` (EPSG:4326), now or at ``at``."""
    parcels = parcels_active() if at is None else parcels_as_of(at=at)
    parcel = parcels.filter(geom__intersects=point).select_related("locality").first()
    if parcel is None:
        raise NotFound(f"No parcel at {point.y:.6f}, {point.x:.6f}.", code="parcel_not_found")
    return parcel


@dataclass(frozen=True)
class LineageStep:
    """One edge of a parcel's lineage: ``parent`` became (part of) ``child`` through
    ``transaction``; ``generation`` counts from the parcel asked about (negative: ancestors)."""

    parent: Parcel
    child: Parcel
    transaction: ParcelTransaction
    generation: int


@dataclass(frozen=True)
class Lineage:
    parcel: Parcel
    ancestors: list[LineageStep]
    descendants: list[LineageStep]


def parcel_lineage(*, parcel: Parcel) -> Lineage:
    """Every ancestor and every descendant of ``parcel``, each with the transaction that made
    it, in one call (two breadth-first walks of the lineage table)."""
    return Lineage(
        parcel=parcel,
        ancestors=_walk(parcel, upward=True),
        descendants=_walk(parcel, upward=False),
    )


def _walk(parcel: Parcel, *, upward: bool) -> list[LineageStep]:
    steps: list[LineageStep] = []
    frontier, seen, generation = {parcel.pk}, {parcel.pk}, 0
    while frontier:
        generation += 1
        near = "child_id" if upward else "parent_id"
        edges = list(
            ParcelLineage.objects.filter(**{f"{near}__in": frontier})
            .select_related("parent__locality", "child__locality", "transaction")
            .order_by("pk")
        )
        frontier = set()
        for edge in edges:
            steps.append(
                LineageStep(
                    edge.parent,
                    edge.child,
                    edge.transaction,
                    -generation if upward else generation,
                )
            )
            far = edge.parent_id if upward else edge.child_id
            if far not in seen:
                seen.add(far)
                frontier.add(far)
    return steps


# -- what a reader is shown (the API, the public map and the exchange build on these) ----


def parcel_summary(parcel: Parcel) -> dict:
    """What anyone may read of a parcel (geometry as GeoJSON in EPSG:4326, areas in m²)."""
    return {
        "id": parcel.pk,
        "identifier": parcel.identifier,
        "locality": parcel.locality.name_en,
        "locality_ar": parcel.locality.name_ar,
        "basin": parcel.basin,
        "number": parcel.number,
        "area_m2": round(parcel.area_m2, 1),
        "registered_area_m2": (
            float(parcel.registered_area_m2) if parcel.registered_area_m2 is not None else None
        ),
        "land_use": parcel.land_use,
        "land_use_label": str(parcel.get_land_use_display()),
        "status": parcel.status,
        "valid_from": parcel.valid_from,
        "valid_to": parcel.valid_to,
        "version": parcel.version,
        "synthetic": parcel.is_synthetic,
        "geometry": json.loads(parcel.geom.geojson),
    }


def right_summary(right: Right) -> dict:
    party = right.party
    return {
        "party": {
            "id": party.pk,
            "kind": party.kind,
            "name_ar": party.name_ar,
            "name_en": party.name_en,
            "national_id": party.national_id,
        },
        "kind": right.kind,
        "share": f"{right.share_numerator}/{right.share_denominator}"
        if right.share_numerator
        else None,
        "description": right.description,
        "valid_from": right.valid_from,
        "valid_to": right.valid_to,
    }


def parcel_view(parcel: Parcel, *, user, via: str, at: datetime | None = None) -> dict:
    """A parcel as ``user`` may read it: rights only for cadastre officers and administrators
    (and then the read is logged)."""
    body = parcel_summary(parcel)
    if user_reads_rights(user):
        rights = parcel_rights_read(parcel=parcel, user=user, via=via, at=at)
        body["rights"] = [right_summary(r) for r in rights]
    return body
