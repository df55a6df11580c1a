"""``manage.py parcels_audit [--locality NAME|ID] [--basin N] [--json]``

Prints the topology audit of the active parcels (overlaps, gaps inside basins, slivers) and
exits with status 1 when it found anything, so that a scheduled run or a CI step can act on it;
0 means the register (or the scope asked for) is clean. ``--json`` prints the whole report as
JSON (areas in m², points as longitude, latitude in EPSG:4326) instead of the text summary.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from boundaries.models import Locality
from core.errors import DomainError
from parcels.audit import AuditReport, topology_audit

# The text report lists this many of each kind; --json gives them all.
SHOWN = 50


class Command(BaseCommand):
    help = (
        "Audit the register's active parcels: overlaps, gaps inside basins and slivers. "
        "Exits with status 1 when it finds any."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--locality", help="English or Arabic name, or id, of a locality")
        parser.add_argument("--basin", type=int, help="basin (block) number; needs --locality")
        parser.add_argument("--json", action="store_true", help="the whole report as JSON")

    def handle(self, *args, **options) -> None:
        locality = _locality(options["locality"]) if options["locality"] else None
        try:
            report = topology_audit(locality=locality, basin=options["basin"])
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_report(report))
        if not report.clean:
            # A finding is the answer the caller asked for, not an error: no traceback.
            raise SystemExit(1)


def _locality(text: str) -> Locality:
    text = text.strip()
    by_name = Q(name_en__iexact=text) | Q(name_ar=text) | Q(source_key__iexact=text)
    found = list(Locality.objects.filter(Q(pk=int(text)) if text.isdigit() else by_name)[:5])
    if not found:
        raise CommandError(f"There is no locality {text!r}.")
    if len(found) > 1:
        named = ", ".join(f"{loc.pk} ({loc.source_key})" for loc in found)
        raise CommandError(f"Several localities are called {text!r}: give the id of one: {named}.")
    return found[0]


def render_report(report: AuditReport) -> str:
    rules = report.rules
    lines = [
        f"Topology audit of {report.scope}: {report.parcels:,} active parcels in "
        f"{report.basins:,} basins, {report.seconds:.1f} s.",
        f"Rules: overlap tolerance {rules['overlap_tolerance_m2']:g} m²; sliver below "
        f"{rules['sliver_max_area_m2']:g} m² or compactness (4πA/P²) below "
        f"{rules['sliver_max_compactness']:g}.",
        "",
        f"Overlaps: {len(report.overlaps)}",
    ]
    lines += [
        f"  {o.first} and {o.second}: {o.area_m2:,.2f} m² at {_point(o.point)}"
        for o in report.overlaps[:SHOWN]
    ]
    lines.append(f"Gaps inside basins: {len(report.gaps)}")
    lines += [
        f"  {g.locality} basin {g.basin}: {g.area_m2:,.2f} m² at {_point(g.point)}"
        + (f", between {', '.join(g.bordering)}" if g.bordering else "")
        for g in report.gaps[:SHOWN]
    ]
    lines.append(f"Slivers: {len(report.slivers)}")
    for s in report.slivers[:SHOWN]:
        what = s.identifier if s.kind == "parcel" else f"gap in {s.locality} basin {s.basin}"
        why = " and ".join(w for w, yes in (("small", s.small), ("thin", s.thin)) if yes)
        lines.append(
            f"  {what}: {s.area_m2:,.2f} m², compactness {s.compactness:.3f} ({why}) "
            f"at {_point(s.point)}"
        )
    hidden = sum(max(0, len(x) - SHOWN) for x in (report.overlaps, report.gaps, report.slivers))
    if hidden:
        lines.append(f"({hidden} more not shown; --json lists them all)")
    lines.append("")
    lines.append("Clean." if report.clean else "Problems found.")
    return "\n".join(lines)


def _point(point: tuple[float, float]) -> str:
    lon, lat = point
    return f"{lat:.6f}, {lon:.6f}"
