"""Background jobs of the boundaries app."""

from pathlib import Path

from django.conf import settings

from boundaries.services import reference_data_load
from jobs.runner import JobContext, job_task


@job_task("boundaries.reference_data_load")
def reference_data_load_job(*, job: JobContext, source_dir: str | None = None) -> dict:
    """Reload the administrative reference data; the result is the load report."""
    directory = Path(source_dir) if source_dir else Path(settings.REFERENCE_DATA_DIR)
    return reference_data_load(source_dir=directory, progress=job.progress).as_dict()
