"""Public pages of each service, under /services/ (namespace ``services-public``)."""

from django.urls import path

from services import public_views as views

app_name = "services-public"

urlpatterns = [
    path("<str:code>/", views.service_page, name="service"),
    path("<str:code>/handbook.svg", views.service_handbook, name="handbook"),
]
