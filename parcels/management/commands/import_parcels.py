import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from boundaries.models import Locality, Municipality
from core.errors import DomainError
from parcels.imports import BASIN_CODES, ParcelFieldMap, ParcelImportReport, parcels_import

SHOWN_PROBLEMS = 50


class Command(BaseCommand):
    help = (
        "Import the parcels of a GeoPackage, zipped Shapefile or GeoJSON file into a locality "
        "of the cadastral register: every feature is checked first, and either all parcels "
        "are registered in one transaction or none is (the report says why)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--locality", required=True, help="locality id or name")
        parser.add_argument(
            "--municipality", help="slug; needed only when several municipalities serve it"
        )
        parser.add_argument("--reason", default="", help="why (required unless --dry-run)")
        parser.add_argument("--user", help="username recorded as having made the import")
        parser.add_argument(
            "--basin-field",
            help="field holding the basin (default: 'section' in French cadastre files, "
            "otherwise 'basin')",
        )
        parser.add_argument(
            "--basin-codes",
            choices=BASIN_CODES,
            help="how the basin field reads: a number, or a French section code read in base "
            "36 (default: 'section' for a field named section, otherwise 'number')",
        )
        parser.add_argument("--number-field", help="field holding the parcel number")
        parser.add_argument("--land-use-field", help="field holding the land-use class")
        parser.add_argument("--area-field", help="field holding the registered area (m²)")
        parser.add_argument("--crs", type=int, help="EPSG code, for a file that does not say")
        parser.add_argument(
            "--repair", action="store_true", help="make invalid boundaries valid (GEOS)"
        )
        parser.add_argument("--synthetic", action="store_true", help="mark parcels synthetic")
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        parser.add_argument("--json", action="store_true", help="print the report as JSON")

    def handle(self, *args, **o) -> None:
        locality = _locality(o["locality"])
        municipality = _municipality(locality, o["municipality"])
        user = None
        if o["user"]:
            user = get_user_model().objects.filter(username=o["user"]).first()
            if user is None:
                raise CommandError(f"No user {o['user']!r}.")
        try:
            report = parcels_import(
                path=o["path"],
                locality=locality,
                municipality=municipality,
                user=user,
                reason=o["reason"],
                mapping=_mapping(o),
                dry_run=o["dry_run"],
                source_crs=o["crs"],
                repair=o["repair"],
                is_synthetic=o["synthetic"],
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        if o["json"]:
            self.stdout.write(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(render_report(report))
        if report.refused:
            raise CommandError(report.summary)


def _locality(value: str) -> Locality:
    text = value.strip()
    if text.isdigit():
        found = list(Locality.objects.filter(pk=int(text)))
    else:
        found = list(Locality.objects.filter(Q(name_en__iexact=text) | Q(name_ar=text))[:2])
    if not found:
        raise CommandError(f"No locality {value!r}.")
    if len(found) > 1:
        raise CommandError(f"Several localities are called {value!r}; give its id.")
    return found[0]


def _municipality(locality: Locality, slug: str | None) -> Municipality:
    if slug:
        found = Municipality.objects.filter(slug=slug).first()
        if found is None:
            raise CommandError(f"No municipality {slug!r}.")
        return found
    serving = list(locality.municipalities.all()[:2])
    if len(serving) != 1:
        raise CommandError(
            f"{'Several municipalities serve' if serving else 'No municipality serves'} "
            f"{locality}; name one with --municipality."
        )
    return serving[0]


def _mapping(o) -> ParcelFieldMap | None:
    named = [o["basin_field"], o["number_field"], o["land_use_field"], o["area_field"]]
    if not any(named) and not o["basin_codes"]:
        return None  # the defaults for the file's fields (see ParcelFieldMap.for_fields)
    basin = o["basin_field"] or "basin"
    return ParcelFieldMap(
        basin=basin,
        number=o["number_field"] or "number",
        land_use=o["land_use_field"],
        registered_area=o["area_field"],
        basin_codes=o["basin_codes"] or ("section" if basin == "section" else "number"),
    )


def render_report(report: ParcelImportReport) -> str:
    lines = [
        f"{report.source} (layer {report.source_layer}, {report.source_crs}): "
        f"{report.features} features for {report.locality}.",
        "  fields: "
        + ", ".join(
            f"{target} <- {source}"
            for target, source in ParcelFieldMap(**report.mapping).fields().items()
        )
        + f" (basin codes: {report.mapping['basin_codes']})",
    ]
    if report.basins:
        lines.append(
            "  basins: " + ", ".join(f"{code} → {basin}" for code, basin in report.basins.items())
        )
    if report.counts:
        lines.append(
            "  problems: " + ", ".join(f"{code} {n}" for code, n in sorted(report.counts.items()))
        )
        for problem in report.problems[:SHOWN_PROBLEMS]:
            lines.append(f"    [{problem['code']}] {problem['message']}")
        hidden = sum(report.counts.values()) - min(len(report.problems), SHOWN_PROBLEMS)
        if hidden > 0:
            lines.append(f"    ... and {hidden} more (--json lists up to 1,000)")
    lines += [f"  note: {note}" for note in report.notes]
    lines.append(f"  time: checked in {report.check_seconds} s, {report.seconds} s in all")
    lines.append(report.summary)
    return "\n".join(lines)
