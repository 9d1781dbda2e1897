"""Public pages of the services app."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from reglament.models import Office, Region
from services.selectors import catalogue


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The three services with their channels, procedures and norms, read
    from the reglament in force today."""
    today = timezone.localdate()
    region = Region.objects.order_by("code").first()
    offices = Office.objects.filter(is_active=True).order_by("code")
    return render(
        request,
        "services/home.html",
        {"entries": catalogue(region=region, on=today), "region": region, "offices": offices, "today": today},
    )


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for the load balancer."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:  # noqa: BLE001 - any failure means "not healthy"
        database = "unavailable"
    status = 200 if database == "ok" else 503
    return JsonResponse(
        {"status": "ok" if status == 200 else "degraded", "database": database}, status=status
    )
