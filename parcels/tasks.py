"""Background jobs of the parcels app."""

from __future__ import annotations

from boundaries.models import Locality
from jobs.runner import JobContext, job_task
from parcels.audit import topology_audit


@job_task("parcels.topology_audit")
def topology_audit_job(*, job: JobContext, locality: int | None = None, basin: int | None = None):
    """Audit the register (or a locality, or one of its basins) for overlaps, gaps and
    slivers; the result is the audit report (areas in geodesic m², points in EPSG:4326)."""
    scope = Locality.objects.get(pk=locality) if locality is not None else None
    report = topology_audit(locality=scope, basin=basin, progress=job.progress)
    return report.as_dict()
