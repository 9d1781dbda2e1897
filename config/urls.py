"""The portal's URLs: public pages, the admin, the API schema, i18n."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from ops import views as ops_views
from services import cabinet_urls
from services import views as service_views

urlpatterns = [
    path("", service_views.home, name="home"),
    path("health/", service_views.health, name="health"),
    # Liveness (the process answers) and readiness (database, broker, storage)
    # for the load balancer; Prometheus gauges behind METRICS_TOKEN.
    path("health/live/", ops_views.live, name="health-live"),
    path("health/ready/", ops_views.ready, name="health-ready"),
    path("metrics", ops_views.prometheus, name="metrics"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("staff/", include("applicants.urls")),
    path("staff/", include("services.urls")),
    # The citizen's side: login and registration, the requests, signing (P1–P10).
    path("cabinet/", include(cabinet_urls.citizen_door)),
    path("cabinet/", include("services.cabinet_urls")),
    path("cabinet/", include("services.signing_urls")),
    path("services/", include("services.public_urls")),
    path("verify/", include("services.verify_urls")),
    path("api/gateway/", include("gateway.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file (?script=): no
    # inline script, as the Content-Security-Policy requires.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]

# A database error outside a view (a middleware) is a 503 retry-later page too.
handler500 = "config.unavailable.server_error"

admin.site.site_header = "Employment centre e-services"
admin.site.site_title = "Employment centre e-services"
