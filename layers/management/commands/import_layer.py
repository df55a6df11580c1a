import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from layers.importers import ReadOptions
from layers.management.progress import ProgressBar
from layers.models import Layer
from layers.services import NewLayer, layer_import


class Command(BaseCommand):
    help = (
        "Import a GeoPackage, zipped Shapefile, GeoJSON, CSV or OSM PBF file into a layer "
        "(all or nothing), with a progress bar and a report."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", type=Path)
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--layer", help="slug of an existing layer")
        target.add_argument("--new", metavar="SLUG", help="create a layer with this slug")
        parser.add_argument("--title-en", help="title of the new layer")
        parser.add_argument("--title-ar", default="")
        parser.add_argument("--public", action="store_true", help="the new layer is public")
        parser.add_argument("--source-layer", help="layer of a multi-layer file")
        parser.add_argument("--crs", type=int, help="EPSG code, for files that do not say")
        parser.add_argument("--x", dest="x_column")
        parser.add_argument("--y", dest="y_column")
        parser.add_argument("--wkt", dest="wkt_column")
        parser.add_argument("--mapping", help='JSON {"source column": "layer field"}')
        parser.add_argument("--repair", action="store_true", help="make invalid geometries valid")
        parser.add_argument(
            "--skip-invalid", action="store_true", help="import the good features, report others"
        )
        parser.add_argument("--dry-run", action="store_true", help="check, write nothing")

    def handle(self, *args, **o) -> None:
        bar = ProgressBar(self.stderr._out)
        try:
            layer = Layer.objects.filter(slug=o["layer"]).first() if o["layer"] else None
            if o["layer"] and layer is None:
                raise CommandError(f"There is no layer {o['layer']!r}.")
            report = layer_import(
                path=o["path"],
                user=None,
                layer=layer,
                new_layer=NewLayer(
                    slug=o["new"],
                    title_en=o["title_en"] or o["new"],
                    title_ar=o["title_ar"],
                    visibility="public" if o["public"] else "internal",
                )
                if o["new"]
                else None,
                options=ReadOptions(
                    layer=o["source_layer"],
                    crs=o["crs"],
                    x_column=o["x_column"],
                    y_column=o["y_column"],
                    wkt_column=o["wkt_column"],
                ),
                mapping=json.loads(o["mapping"]) if o["mapping"] else None,
                repair=o["repair"],
                on_error="skip" if o["skip_invalid"] else "fail",
                dry_run=o["dry_run"],
                progress=bar,
            )
        except DomainError as exc:
            bar.close()
            problems = (exc.details or {}).get("problems", [])
            for problem in problems[:20]:
                self.stderr.write(f"  feature {problem['feature']}: {problem['message']}")
            raise CommandError(exc.message) from None
        except json.JSONDecodeError as exc:
            raise CommandError(f"--mapping is not JSON: {exc}") from None
        bar.close()
        self.stdout.write(render_report(report))


def render_report(report) -> str:
    lines = [
        f"{'Checked' if report.dry_run else 'Imported'} {report.imported} of {report.read} "
        f"features into {report.layer}{' (new layer)' if report.created_layer else ''} "
        f"from {report.source} ({report.source_crs}) in {report.seconds} s.",
    ]
    if report.repaired:
        lines.append(f"  {report.repaired} invalid geometries repaired")
    if report.skipped:
        lines.append(f"  {report.skipped} skipped:")
        lines += [f"    feature {p['feature']}: {p['message']}" for p in report.problems[:20]]
    lines += [f"  note: {note}" for note in report.notes]
    return "\n".join(lines)
