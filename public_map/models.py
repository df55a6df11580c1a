"""What the public map keeps of its own: the city blocks its basemap draws (derived from the
street register, rebuilt by ``public_map.services.basemap_blocks_rebuild``)."""

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex

from boundaries.models import Municipality
from core.models import TimeStampedModel


class Block(TimeStampedModel):
    """A city block: a face of the street network inside a municipality (EPSG:4326)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+")
    geom = models.PolygonField(srid=4326)
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.PolygonField(srid=3857),
        db_persist=True,
    )

    class Meta:
        indexes = [GistIndex(fields=["geom_3857"], name="block_geom3857_gist")]

    def __str__(self) -> str:
        return f"block {self.pk} of {self.municipality_id}"
