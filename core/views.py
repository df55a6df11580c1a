from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.selectors import system_health


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers and ``./platform run``: 200 or 503."""
    health = system_health()
    ok = health["database"] == "ok" and health["broker"] == "ok"
    return JsonResponse({"status": "ok" if ok else "degraded", **health}, status=200 if ok else 503)
