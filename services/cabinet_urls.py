"""The citizen's cabinet, mounted at /cabinet/ by config.urls.

``urlpatterns`` (namespace ``cabinet-requests``): the citizen's requests, a
new request, the draft's form and its documents, a request's timeline and
its signed result. ``citizen_door``: the citizen's login, registration and
password reset of ``applicants.citizen_urls`` (namespace ``cabinet``) with
the cabinet's home page, the request list, as ``cabinet:home`` — the
applicants app never imports the services views, so the two meet here.
"""

from django.urls import path

from applicants import citizen_urls
from services import cabinet_views as views
from services import data_export_views

app_name = "cabinet-requests"

urlpatterns = [
    path("", views.request_list, name="list"),
    path("requests/new/", views.request_new, name="new"),
    path("requests/<int:pk>/", views.request_detail, name="detail"),
    path("requests/<int:pk>/edit/", views.draft_edit, name="edit"),
    path("requests/<int:pk>/attachments/", views.attachment_upload, name="attachment-upload"),
    path(
        "requests/<int:pk>/attachments/<int:attachment_pk>/",
        views.attachment_download,
        name="attachment-download",
    ),
    path(
        "requests/<int:pk>/attachments/<int:attachment_pk>/delete/",
        views.attachment_delete,
        name="attachment-delete",
    ),
    path("requests/<int:pk>/result.json", views.result_document, name="result-document"),
    path("requests/<int:pk>/result.json.p7s", views.result_signature, name="result-signature"),
    path("requests/<int:pk>/result.pdf", views.result_pdf, name="result-pdf"),
    path("my-data/", data_export_views.cabinet_data_export, name="data-export"),
]

citizen_door = (
    [*citizen_urls.urlpatterns, path("", views.request_list, name="home")],
    citizen_urls.app_name,
)
