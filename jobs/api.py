"""Job records over HTTP: list, read, cancel. Jobs are started by the domain endpoints."""

from __future__ import annotations

from uuid import UUID

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import paginated_response
from jobs.models import Job
from jobs.selectors import job_get, job_list, job_result_file
from jobs.services import job_cancel, job_reap_lost


class JobSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", default=None)
    progress_percent = serializers.FloatField(allow_null=True)
    url = serializers.SerializerMethodField()
    file_url = serializers.SerializerMethodField(help_text="the delivered file, once done")

    class Meta:
        model = Job
        fields = [
            "id",
            "url",
            "kind",
            "state",
            "created_by",
            "params",
            "progress_done",
            "progress_total",
            "progress_percent",
            "message",
            "result",
            "error_code",
            "error",
            "cancel_requested",
            "file_url",
            "created_at",
            "started_at",
            "finished_at",
        ]

    def get_url(self, job: Job) -> str:
        return self._absolute(reverse("jobs:detail", kwargs={"job_id": job.id}))

    def get_file_url(self, job: Job) -> str | None:
        delivers = isinstance(job.result, dict) and "file" in job.result
        if job.state != Job.State.SUCCEEDED or not delivers:
            return None
        return self._absolute(reverse("jobs:file", kwargs={"job_id": job.id}))

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path


def job_accepted_response(*, job: Job, request: Request) -> Response:
    """202 Accepted with the job record and its URL, for endpoints that start a job."""
    data = JobSerializer(job, context={"request": request}).data
    return Response(data, status=202, headers={"Location": data["url"]})


class JobListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=JobSerializer(many=True))
    def get(self, request: Request) -> Response:
        job_reap_lost()  # a job whose worker died reads as failed, never as running forever
        return paginated_response(
            queryset=job_list(user=request.user),
            serializer_class=JobSerializer,
            request=request,
            view=self,
        )


class JobDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=JobSerializer)
    def get(self, request: Request, job_id: UUID) -> Response:
        job_reap_lost()
        job = job_get(user=request.user, job_id=str(job_id))
        return Response(JobSerializer(job, context={"request": request}).data)


class JobCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses=JobSerializer)
    def post(self, request: Request, job_id: UUID) -> Response:
        job = job_cancel(job=job_get(user=request.user, job_id=str(job_id)), user=request.user)
        return Response(JobSerializer(job, context={"request": request}).data)


class JobFileApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="The file a finished job delivered", responses={200: bytes})
    def get(self, request: Request, job_id: UUID) -> FileResponse:
        found = job_result_file(user=request.user, job_id=str(job_id))
        response = FileResponse(
            found.path.open("rb"),
            as_attachment=True,
            filename=found.filename,
            content_type=found.media_type,
        )
        response["Cache-Control"] = "private, no-store"
        return response
