"""OpenStreetMap PBF: streets, buildings and points of interest, read with pyosmium.

An extract cut to a box holds ways whose nodes are missing from the file. Streets are split at
the missing nodes (each run of two or more known nodes stays a line) and buildings with a
missing node are dropped; both are counted in the layer's notes, never silently repaired.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import osmium
import shapely

from core.errors import InvalidInput
from core.osm import osm_way_runs
from layers.importers.base import Importer, ReadOptions, SourceField, SourceLayer

STREET_TAGS = ("name", "name:ar", "name:en", "highway", "oneway", "maxspeed", "lanes", "surface")
BUILDING_TAGS = (
    "name",
    "building",
    "addr:street",
    "addr:housenumber",
    "addr:postcode",
    "addr:city",
    "building:levels",
)
POI_KEYS = ("amenity", "shop", "tourism", "leisure", "office", "healthcare", "public_transport")
POI_TAGS = ("name", "name:ar", "name:en", *POI_KEYS, "opening_hours", "phone", "website")


def _field(tag: str) -> str:
    return tag.replace(":", "_")


class _Collector:
    def __init__(self, tags: tuple[str, ...]) -> None:
        self.tags = tags
        self.geometries: list = []
        self.ids: list[str] = []
        self.values: dict[str, list] = {_field(t): [] for t in tags}

    def add(self, geometry, osm_id: str, tags) -> None:
        self.geometries.append(geometry)
        self.ids.append(osm_id)
        for tag in self.tags:
            self.values[_field(tag)].append(tags.get(tag))

    def layer(self, name: str, notes: list[str]) -> SourceLayer:
        fields = [SourceField(name="osm_id", type="string")]
        fields += [SourceField(name=_field(t), type="string") for t in self.tags]
        return SourceLayer(
            name=name,
            geometries=np.array(self.geometries, dtype=object),
            crs=4326,
            fields=fields,
            columns={"osm_id": list(self.ids), **self.values},
            source_ids=list(self.ids),
            notes=notes,
        )


OSM_SOURCE_LAYERS = ("streets", "buildings", "pois")


class OSMImporter(Importer):
    name = "osm"
    extensions = (".osm.pbf", ".pbf")

    def check(self, path: Path, *, options: ReadOptions) -> None:
        # A PBF file opens with the length of its first block header and "OSMHeader".
        with path.open("rb") as handle:
            start = handle.read(64)
        if b"OSMHeader" not in start[4:20]:
            raise InvalidInput(
                f"{path.name} is not an OpenStreetMap PBF file.", code="unreadable_file"
            )
        if options.layer is not None and options.layer not in OSM_SOURCE_LAYERS:
            raise InvalidInput(
                f"An OpenStreetMap file gives the layers {', '.join(OSM_SOURCE_LAYERS)}, "
                f"not {options.layer[:100]!r}.",
                code="unknown_source_layer",
            )

    def read(self, path: Path, *, options: ReadOptions) -> list[SourceLayer]:
        streets, buildings, pois = (
            _Collector(STREET_TAGS),
            _Collector(BUILDING_TAGS),
            _Collector(POI_TAGS),
        )
        split_streets = dropped_streets = extra_parts = dropped_buildings = 0
        try:
            processor = osmium.FileProcessor(str(path)).with_locations()
            for obj in processor:
                if obj.is_node():
                    if any(k in obj.tags for k in POI_KEYS) and obj.location.valid():
                        point = shapely.Point(obj.location.lon, obj.location.lat)
                        pois.add(point, f"node/{obj.id}", obj.tags)
                    continue
                if not obj.is_way():
                    continue
                if "highway" in obj.tags:
                    runs = [r for r in osm_way_runs(obj.nodes) if len(r) >= 2]
                    complete = len(runs) == 1 and len(runs[0]) == len(obj.nodes)
                    if not runs:
                        dropped_streets += 1
                        continue
                    if not complete:
                        split_streets += 1
                        extra_parts += len(runs) - 1
                    line = shapely.MultiLineString(runs)
                    streets.add(line, f"way/{obj.id}", obj.tags)
                elif "building" in obj.tags and obj.is_closed():
                    runs = osm_way_runs(obj.nodes)
                    if len(runs) != 1 or len(runs[0]) != len(obj.nodes) or len(runs[0]) < 4:
                        dropped_buildings += 1
                        continue
                    buildings.add(shapely.Polygon(runs[0]), f"way/{obj.id}", obj.tags)
        except RuntimeError as exc:
            raise InvalidInput(
                f"{path.name} cannot be read as OpenStreetMap PBF: {exc}", code="unreadable_file"
            ) from None
        street_notes = []
        if split_streets:
            street_notes.append(
                f"{split_streets} street(s) cut by the extract's edge were split at the missing "
                f"nodes into {split_streets + extra_parts} parts (kept as one multi-line each)"
            )
        if dropped_streets:
            street_notes.append(
                f"{dropped_streets} street(s) with fewer than two known nodes dropped"
            )
        building_notes = (
            [f"{dropped_buildings} building(s) with nodes missing from the extract dropped"]
            if dropped_buildings
            else []
        )
        layers = [
            streets.layer("streets", street_notes),
            buildings.layer("buildings", building_notes),
            pois.layer("pois", []),
        ]
        if options.layer:
            layers = [layer for layer in layers if layer.name == options.layer]
            if not layers:
                raise InvalidInput(
                    f"OpenStreetMap files give the layers streets, buildings and pois, not "
                    f"{options.layer!r}.",
                    code="unknown_source_layer",
                )
        return layers
