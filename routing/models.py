"""The routable graph derived from the street register, and the closures planners enter.

The graph is rebuilt from the streets by ``routing.services.routing_graph_build`` (streets cut
where they cross or meet); closures are read on every request, so a closure takes effect on the
next route without a rebuild. Costs follow pgRouting's convention (``-1``: the direction is not
allowed), so ``pgr_dijkstra`` can read the same table.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.db import models
from django.db.models import F, Q

from addressing.models import Street
from core.models import TimeStampedModel


class Node(models.Model):
    """A place where streets meet or end (EPSG:4326)."""

    geom = models.PointField(srid=4326)


class Edge(models.Model):
    """A piece of one street between two nodes, as drawn (EPSG:4326). ``length_m`` is
    geodesic; ``cost_s``/``reverse_cost_s`` are the seconds to drive it along/against its
    drawing at the street's speed, ``-1`` where a one-way street forbids it."""

    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    source = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", db_column="source")
    target = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+", db_column="target")
    length_m = models.FloatField()
    cost_s = models.FloatField()
    reverse_cost_s = models.FloatField()
    geom = models.LineStringField(srid=4326)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(length_m__gte=0), name="edge_length_positive"),
            models.CheckConstraint(
                condition=Q(cost_s__gte=0) | Q(reverse_cost_s__gte=0), name="edge_passable"
            ),
        ]


class Turn(models.Model):
    """A turn restriction of the register cut onto the graph: from ``from_edge`` into ``via``,
    onto ``to_edge`` is forbidden (``no``) or the only way on (``only``)."""

    from_edge = models.ForeignKey(Edge, on_delete=models.CASCADE, related_name="+")
    via = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="+")
    to_edge = models.ForeignKey(Edge, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=4)


class GraphBuild(models.Model):
    """One rebuild of the graph: the engine reloads when a newer one exists."""

    built_at = models.DateTimeField(auto_now_add=True)
    nodes = models.PositiveIntegerField()
    edges = models.PositiveIntegerField()
    seconds = models.FloatField()
    skipped_streets = models.JSONField(default=list, blank=True)
    turns = models.PositiveIntegerField(default=0)
    turns_unplaced = models.PositiveIntegerField(
        default=0, help_text="Turn restrictions whose streets do not meet at their crossing"
    )


class Closure(TimeStampedModel):
    """A temporary closure a planner drew on the map: every edge its geometry (EPSG:4326)
    touches is closed from ``starts_at`` until ``ends_at`` (or until lifted)."""

    geom = models.GeometryField(srid=4326)
    reason_ar = models.CharField(max_length=200, blank=True)
    reason_en = models.CharField(max_length=200, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gt=F("starts_at")),
                name="closure_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.reason_en or self.reason_ar or f"closure {self.pk}"
