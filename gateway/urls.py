"""URLs of the gateway API, mounted at ``api/gateway/``."""

from django.urls import path

from gateway import views

app_name = "gateway"

urlpatterns = [
    path("requests/", views.RequestListView.as_view(), name="request-list"),
    path("requests/<str:correlation_id>/", views.RequestDetailView.as_view(), name="request-detail"),
]
