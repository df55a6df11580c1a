"""How the parcel import test files were made (run once from the repository root with the
project's virtual environment; the outputs are committed). Every file is cut from real French
cadastral parcels (DGFiP / Etalab, Licence Ouverte 2.0) in ../shared/data/cadastre-fr, then
reprojected or damaged on purpose as its name says. See README.md beside this script."""

import json
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
from shapely.geometry import MultiPolygon, Polygon

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
SOURCE = ROOT.parent / "shared/data/cadastre-fr/cadastre-75118-parcelles.json"
FIELDS = ["id", "section", "numero", "contenance", "geometry"]
# GeoPackages record when they were written; a fixed date makes the outputs byte-reproducible.
pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2022-01-01T00:00:00.000Z"})

# Paris 18e, sections AM and AN: 45 neighbouring parcels, none below 10 m² and no overlap
# between them, ordered by section and number so that feature positions are stable.
paris = gpd.read_file(SOURCE)
paris = paris[paris["section"].isin(["AM", "AN"])][FIELDS].copy()
paris["order"] = paris["numero"].astype(int)
paris = paris.sort_values(["section", "order"]).drop(columns="order").reset_index(drop=True)
paris = paris.set_crs(4326, allow_override=True)


def geojson(frame, name: str) -> None:
    path = HERE / name
    path.unlink(missing_ok=True)
    pyogrio.write_dataframe(frame, path, driver="GeoJSON", layer=path.stem)


def zip_write(path: Path, members: dict[str, bytes]) -> None:
    """A ZIP archive of ``members`` with a fixed date, so that it is byte-reproducible."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2022, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)


def shapefile_zip(frame, name: str) -> None:
    folder = HERE / f"_{name}"
    folder.mkdir(exist_ok=True)
    pyogrio.write_dataframe(frame, folder / f"{name}.shp", encoding="UTF-8")
    zip_write(HERE / f"{name}.zip", {p.name: p.read_bytes() for p in sorted(folder.iterdir())})
    for part in folder.iterdir():
        part.unlink()
    folder.rmdir()


# The clean parcels three ways: a GeoPackage in Lambert-93 (reprojected on import), a zipped
# Shapefile and a GeoJSON in WGS 84.
(HERE / "paris_2154.gpkg").unlink(missing_ok=True)
pyogrio.write_dataframe(paris.to_crs(2154), HERE / "paris_2154.gpkg", layer="parcelles")
shapefile_zip(paris, "paris_shp")
geojson(paris, "paris.geojson")

# The first parcel (AM 1) made self-intersecting: a bow-tie across its bounding box.
bowtie = paris.copy()
x0, y0, x1, y1 = bowtie.geometry.iloc[0].bounds
bowtie.loc[0, "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
geojson(bowtie, "paris_bowtie.geojson")

# Overlaps and duplicates: the third parcel grown by about 3 m over its neighbours, and the
# last parcel's number given again to the one before it (the same section and number twice).
overlaps = paris.copy()
grown = gpd.GeoSeries([overlaps.geometry.iloc[2]], crs=4326).to_crs(2154).buffer(3)
overlaps.loc[2, "geometry"] = grown.to_crs(4326).iloc[0]
overlaps.loc[len(overlaps) - 2, "numero"] = overlaps.loc[len(overlaps) - 1, "numero"]
geojson(overlaps, "paris_overlaps.geojson")

# Geometries a parcel cannot be: a MultiPolygon of two parcels (refused), a MultiPolygon of one
# part (taken), a sliver below the minimum area, and a line.
# The two parts are the first parcel and the one farthest from it: apart, so the MultiPolygon
# is valid (two parcels sharing an edge would make an invalid one).
shapes = paris.head(4).copy()
metric = paris.to_crs(2154).geometry
far = paris.geometry.iloc[metric.distance(metric.iloc[0]).argmax()]
shapes.loc[0, "geometry"] = MultiPolygon([shapes.geometry.iloc[0], far])
shapes.loc[1, "geometry"] = MultiPolygon([shapes.geometry.iloc[1]])
cx, cy = shapes.geometry.iloc[2].centroid.coords[0]
shapes.loc[2, "geometry"] = Polygon(
    [(cx, cy), (cx + 0.00002, cy), (cx + 0.00002, cy + 0.00002), (cx, cy + 0.00002)]
)  # about 1.5 m by 2.2 m
shapes.loc[3, "geometry"] = shapes.geometry.iloc[3].exterior
geojson(shapes, "paris_shapes.geojson")

# A wrong CRS: Lambert-93 coordinates in a file that says WGS 84; and a CRS that is not on the
# platform's allow-list (ETRS89 / LAEA Europe, EPSG:3035).
mislabelled = paris.to_crs(2154).set_crs(4326, allow_override=True)
(HERE / "paris_wrong_crs.gpkg").unlink(missing_ok=True)
pyogrio.write_dataframe(mislabelled, HERE / "paris_wrong_crs.gpkg", layer="parcelles")
(HERE / "paris_3035.gpkg").unlink(missing_ok=True)
pyogrio.write_dataframe(paris.to_crs(3035), HERE / "paris_3035.gpkg", layer="parcelles")

# Broken uploads: a GeoPackage and a GeoJSON cut short, and a zipped Shapefile whose .shp is
# cut in the middle of its records.
(HERE / "paris_truncated.gpkg").write_bytes((HERE / "paris_2154.gpkg").read_bytes()[:5000])
text = (HERE / "paris.geojson").read_text()
(HERE / "paris_truncated.geojson").write_text(text[: len(text) // 2])
with zipfile.ZipFile(HERE / "paris_shp.zip") as source:
    members = {m.filename: source.read(m) for m in source.infolist()}
zip_write(
    HERE / "paris_truncated_shp.zip",
    {
        name.replace("paris_shp", "paris_truncated_shp"): data[: len(data) // 2]
        if name.endswith(".shp")
        else data
        for name, data in members.items()
    },
)

# Attributes a parcel cannot have: a number that is not a number, and an unknown land use.
attributes = json.loads(text)
attributes["features"] = attributes["features"][:3]
attributes["features"][0]["properties"]["numero"] = "12bis"
for feature in attributes["features"]:
    feature["properties"]["usage"] = "residential_a"
attributes["features"][1]["properties"]["usage"] = "castle"
(HERE / "paris_bad_attributes.geojson").write_text(json.dumps(attributes))
