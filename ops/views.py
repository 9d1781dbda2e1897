"""Liveness, readiness and metrics, for load balancers and Prometheus."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from ops import metrics
from ops.health import UNAVAILABLE, readiness


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Nothing outside it is asked, so an
    outage of the database does not get every web container restarted."""
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """Readiness: send traffic here only while the database, the broker and
    the file storage answer; 503 takes the node out of the balancer."""
    checks = readiness()
    healthy = UNAVAILABLE not in checks.values()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", **checks}, status=200 if healthy else 503
    )


def _authorised(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if not token:
        return False
    scheme, _space, presented = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


@never_cache
@require_GET
def prometheus(request: HttpRequest) -> HttpResponse:
    """The gauges of ``ops.metrics``, for a scraper holding METRICS_TOKEN.
    Anyone else, and everyone while no token is set, gets a 404."""
    if not _authorised(request):
        raise Http404
    return HttpResponse(metrics.render(metrics.collect()), content_type=metrics.CONTENT_TYPE)
