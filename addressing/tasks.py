"""Background jobs of the addressing app."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from addressing.batch import geocode_batch
from jobs.runner import JobContext, job_task


def batch_result_path(*, job_id: str) -> Path:
    """Where a batch geocoding job writes its result (under MEDIA_ROOT, shared storage)."""
    return Path(settings.MEDIA_ROOT) / "results" / "geocode" / f"{job_id}.csv"


@job_task("addressing.geocode_batch")
def geocode_batch_job(*, job: JobContext, upload: str, column: str | None = None) -> dict:
    """Geocode an uploaded CSV (``upload``, relative to MEDIA_ROOT; removed when the job ends,
    whatever the outcome). The result is the report; the file is the job's download."""
    report = geocode_batch(
        source=Path(settings.MEDIA_ROOT) / upload,
        target=batch_result_path(job_id=job.job_id),
        column=column,
        progress=job.progress,
    )
    return report.as_dict()
