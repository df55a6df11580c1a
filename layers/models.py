"""The layer registry. Features are stored in WGS 84 (EPSG:4326) with a generated Web Mercator
(EPSG:3857) copy that vector tiles read without reprojecting on every request."""

from django.conf import settings
from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GinIndex, GistIndex
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel


class GeometryType(models.TextChoices):
    POINT = "Point", _("Point")
    MULTIPOINT = "MultiPoint", _("Points")
    LINESTRING = "LineString", _("Line")
    MULTILINESTRING = "MultiLineString", _("Lines")
    POLYGON = "Polygon", _("Polygon")
    MULTIPOLYGON = "MultiPolygon", _("Polygons")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal (staff only)")


class Layer(TimeStampedModel):
    """A planner-defined layer: its identity, attribute schema, default style and audience."""

    slug = models.SlugField(max_length=60, unique=True)
    title_en = models.CharField(max_length=200)
    title_ar = models.CharField(max_length=200, blank=True)
    description_en = models.TextField(blank=True)
    description_ar = models.TextField(blank=True)
    geometry_type = models.CharField(max_length=20, choices=GeometryType.choices)
    schema = models.JSONField(default=list, blank=True, help_text=_("Attribute fields"))
    style = models.JSONField(default=dict, blank=True, help_text=_("Default map style"))
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    source = models.CharField(max_length=300, blank=True, help_text=_("Where the data comes from"))
    attribution = models.CharField(max_length=300, blank=True)
    licence = models.CharField(max_length=100, blank=True)
    is_synthetic = models.BooleanField(
        default=False, help_text=_("Generated data, labelled as such wherever it is shown")
    )
    data_version = models.PositiveIntegerField(
        default=1, help_text=_("Increases with every change to the layer's features")
    )
    feature_count = models.PositiveIntegerField(
        default=0, help_text=_("Kept by the services with every feature written or removed")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class Feature(TimeStampedModel):
    """One feature of a layer: geometry plus attributes checked against the layer's schema."""

    # The table is partitioned by layer (migration 0006): the primary key is (layer_id, id),
    # which also orders a layer's pages.
    layer = models.ForeignKey(
        Layer, on_delete=models.CASCADE, related_name="features", db_index=False
    )
    # Spatial queries use the indexed EPSG:3857 copy; a second index would only slow imports.
    geom = models.GeometryField(srid=4326, spatial_index=False)
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.GeometryField(srid=3857),
        db_persist=True,
    )
    properties = models.JSONField(default=dict, blank=True)
    version = models.PositiveIntegerField(default=1)
    # Features are written in bulk (imports): no index that no query needs.
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )

    class Meta:
        indexes = [
            GistIndex(fields=["geom_3857"], name="feature_geom3857_gist"),
            # Attribute filters ask "properties @> {...}"; jsonb_path_ops answers exactly that
            # and costs less to keep up to date than the default operator class.
            GinIndex(
                fields=["properties"], name="feature_properties_gin", opclasses=["jsonb_path_ops"]
            ),
        ]

    def __str__(self) -> str:
        return f"{self.layer_id}/{self.pk}"


class RasterKind(models.TextChoices):
    ELEVATION = "elevation", _("Elevation model")
    IMAGERY = "imagery", _("Imagery (orthophoto)")
    OTHER = "other", _("Other")


class Raster(TimeStampedModel):
    """A raster layer, stored as a Cloud Optimized GeoTIFF in its own CRS under MEDIA_ROOT.
    ``extent`` is its footprint in WGS 84 (EPSG:4326)."""

    slug = models.SlugField(max_length=60, unique=True)
    title_en = models.CharField(max_length=200)
    title_ar = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=RasterKind.choices)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    file = models.CharField(max_length=300, help_text=_("COG path, relative to MEDIA_ROOT"))
    crs = models.PositiveIntegerField(help_text=_("EPSG code of the stored raster"))
    extent = models.PolygonField(srid=4326)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bands = models.PositiveSmallIntegerField()
    dtype = models.CharField(max_length=20)
    nodata = models.FloatField(null=True, blank=True)
    resolution = models.FloatField(help_text=_("Pixel size, in the raster CRS's units"))
    value_min = models.FloatField(null=True, blank=True)
    value_max = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=300, blank=True)
    attribution = models.CharField(max_length=300, blank=True)
    is_synthetic = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.slug


class AccessLevel(models.IntegerChoices):
    """What a role may do with a layer; each level includes the ones below it."""

    VIEW = 1, _("View")
    EDIT = 2, _("Edit features")
    ADMINISTER = 3, _("Administer (schema, style, visibility)")


class LayerPermission(models.Model):
    """``group`` (a role) may do ``level`` with ``layer``. A layer without any such row follows
    the defaults (see layers.selectors.layer_access); once it has one, only the roles listed
    (and administrators) reach it beyond what its visibility gives everyone."""

    layer = models.ForeignKey(Layer, on_delete=models.CASCADE, related_name="permissions")
    group = models.ForeignKey("auth.Group", on_delete=models.CASCADE, related_name="+")
    level = models.PositiveSmallIntegerField(choices=AccessLevel.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["layer", "group"], name="layer_permission_once")
        ]

    def __str__(self) -> str:
        return f"{self.group} may {self.get_level_display().lower()} {self.layer}"
