"""Background jobs of the delivery app."""

from __future__ import annotations

from datetime import date

from delivery.models import DeliveryOffice
from delivery.services import round_plan
from jobs.runner import JobContext, job_task, job_user


@job_task("delivery.round_plan")
def round_plan_job(*, job: JobContext, office: int, day: str, user_id: int | None) -> dict:
    """Plan the rounds of ``office`` on ``day`` (ISO date); the result names the plan."""
    user = job_user(user_id)
    plan = round_plan(
        office=DeliveryOffice.objects.get(pk=office),
        day=date.fromisoformat(day),
        user=user,
        progress=job.progress,
    )
    return {
        "plan": plan.pk,
        "rounds": plan.rounds.count(),
        "unserved": len(plan.unserved),
        "seconds": plan.seconds,
    }
