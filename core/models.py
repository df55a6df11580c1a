"""Models every app shares: the time-stamped base, and the vector tile cache that serves
every registered collection (see core.tiles)."""

from django.contrib.gis.db import models


class TimeStampedModel(models.Model):
    """Adds ``created_at`` and ``updated_at``, both maintained by the database layer."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class CachedTile(models.Model):
    """A rendered vector tile. ``influence`` is the tile's envelope grown by the MVT buffer:
    every feature change whose bounding box meets it invalidates the tile."""

    collection = models.CharField(max_length=100)
    audience = models.CharField(max_length=10)  # "public" or "staff": what the tile may show
    z = models.PositiveSmallIntegerField()
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    influence = models.PolygonField(srid=3857)
    # Null when the bytes are a file named by the ETag (the "files" engine, core.tiles).
    tile = models.BinaryField(null=True)
    etag = models.CharField(max_length=40)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["collection", "audience", "z", "x", "y"], name="cached_tile_key"
            )
        ]


class TileInvalidation(models.Model):
    """A record that a transaction changed features inside ``bbox``. A tile rendered from a
    snapshot that could not see that transaction is not cached (see core.tiles)."""

    collection = models.CharField(max_length=100)
    bbox = models.PolygonField(srid=3857)
    xid = models.BigIntegerField(help_text="pg_current_xact_id() of the changing transaction")
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["collection"], name="tile_invalidation_collection")]
